import type { RunlaneDatabase } from './database.js';
import type { RunlaneLogger } from './logger.js';
import { dueOccurrence } from './schedule-spec.js';
import type { ScheduleAdvance, ScheduleStore } from './schedule-store.js';
import type { DeliveryWrites, RunStore } from './run-store.js';
import type { TaskRegistry } from './task-registry.js';

/** What one materialization pass did. */
export interface MaterializeResult {
  /** Runs created for due occurrences (one per schedule and pass at most). */
  materialized: number;
  /** Due fire times skipped in favour of a later one. */
  coalesced: number;
}

/** The idempotency key of a schedule's run for one fire time: the occurrence's identity. */
export function occurrenceKey(scheduleId: string, fireTime: Date): string {
  return `schedule:${scheduleId}@${fireTime.toISOString()}`;
}

/**
 * The tick duty that turns due schedule occurrences into ordinary runs. Per batch, in one
 * transaction: lock due schedules (`SKIP LOCKED`), take each one's latest due fire time,
 * insert its run through the run store's trigger statement with an idempotency key of
 * schedule id + fire time, and advance the schedule. A crash rolls all of it back; a run
 * left by any earlier attempt for the same fire time is found by its key, never doubled.
 * No task code runs here.
 */
export class ScheduleMaterializer {
  constructor(
    private readonly db: RunlaneDatabase,
    private readonly schedules: ScheduleStore,
    private readonly runs: RunStore,
    private readonly registry: TaskRegistry,
    private readonly delivery: () => DeliveryWrites,
    private readonly logger: RunlaneLogger,
    private readonly batchSize = 100,
  ) {}

  async materialize(): Promise<MaterializeResult> {
    const total: MaterializeResult = { materialized: 0, coalesced: 0 };
    const taskIds = this.registry.ids();
    if (taskIds.length === 0) return total;
    for (let batch = 0; batch < 100; batch += 1) {
      const { claimed, ...result } = await this.db.transaction((db) =>
        this.materializeBatch(db, taskIds),
      );
      total.materialized += result.materialized;
      total.coalesced += result.coalesced;
      if (claimed < this.batchSize) break;
    }
    return total;
  }

  private async materializeBatch(
    db: RunlaneDatabase,
    taskIds: string[],
  ): Promise<MaterializeResult & { claimed: number }> {
    const due = await this.schedules.claimDue(db, taskIds, this.batchSize);
    const advances: ScheduleAdvance[] = [];
    let materialized = 0;
    for (const { schedule, now } of due) {
      const task = this.registry.find(schedule.taskId);
      if (!task || !schedule.nextFireAt) continue;
      const { fireTime, coalesced, next } = dueOccurrence(schedule.spec, schedule.nextFireAt, now);
      const idempotencyKey = occurrenceKey(schedule.id, fireTime);
      const inserted = await this.runs.insertRuns(
        {
          taskId: task.id,
          queue: task.queue,
          priority: task.priority,
          maxAttempts: task.retry.maxAttempts,
          source: { type: 'schedule', scheduleId: schedule.id, fireTime: fireTime.toISOString() },
          payloads: [JSON.stringify(schedule.payload ?? null)],
          idempotencyKeys: [idempotencyKey],
          runAt: null,
          delayMs: 0,
        },
        this.delivery(),
        db,
      );
      if (inserted.length > 0) materialized += 1;
      if (coalesced > 0) {
        this.logger.debug(
          `Schedule "${schedule.id}": ${coalesced} missed fire time(s) coalesced into ${fireTime.toISOString()}`,
        );
      }
      advances.push({ id: schedule.id, fireTime, next, coalesced, idempotencyKey });
    }
    await this.schedules.advance(db, advances);
    return {
      claimed: due.length,
      materialized,
      coalesced: advances.reduce((sum, advance) => sum + advance.coalesced, 0),
    };
  }
}
