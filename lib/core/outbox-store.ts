import type { RunlaneClock } from './clock.js';
import type { RunlaneDatabase } from './database.js';
import type { RunlaneWakeup } from './delivery.js';
import {
  DELIVERY_TARGET_SQL,
  MARK_FAILED_SQL,
  MARK_PUBLISHED_SQL,
  TAKE_PENDING_SQL,
} from './outbox.sql.js';
import type { RunStatus } from './run.types.js';

/** The state of the run a delivered wakeup names. */
export interface DeliveryTarget {
  status: RunStatus;
  taskId: string;
  queue: string;
  due: boolean;
  /** The wakeup's delivery request was issued for this run. */
  requested: boolean;
  queuePaused: boolean;
}

/** How a failed publish is retried. */
export interface PublishRetry {
  maxAttempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** Every read and write of delivery requests (`runlane_outbox`). */
export class OutboxStore {
  constructor(
    private readonly db: RunlaneDatabase,
    private readonly clock: RunlaneClock,
  ) {}

  private now(): Date | null {
    return this.clock.now() ?? null;
  }

  /** Takes up to `limit` due pending requests, hidden from other flushers for `leaseMs`. */
  async takePending(limit: number, leaseMs: number): Promise<RunlaneWakeup[]> {
    const rows = await this.db.query<{
      id: string | number;
      run_id: string | number;
      queue: string;
    }>(TAKE_PENDING_SQL, [this.now(), limit, leaseMs]);
    return rows.map((row) => ({
      deliveryId: String(row.id),
      runId: String(row.run_id),
      queue: row.queue,
    }));
  }

  async markPublished(deliveryIds: string[], transport: string): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.db.query(MARK_PUBLISHED_SQL, [this.now(), deliveryIds, transport]);
  }

  /** Returns how many requests became `dead`. */
  async markFailed(deliveryIds: string[], error: string, retry: PublishRetry): Promise<number> {
    if (deliveryIds.length === 0) return 0;
    const [row] = await this.db.query<{ dead: number }>(MARK_FAILED_SQL, [
      this.now(),
      deliveryIds,
      error,
      retry.maxAttempts,
      retry.firstDelayMs,
      retry.maxDelayMs,
    ]);
    return row?.dead ?? 0;
  }

  async deliveryTarget(runId: string, deliveryId: string): Promise<DeliveryTarget | null> {
    const [row] = await this.db.query(DELIVERY_TARGET_SQL, [this.now(), runId, deliveryId]);
    if (!row) return null;
    return {
      status: row.status,
      taskId: row.task_id,
      queue: row.queue,
      due: row.due,
      requested: row.requested,
      queuePaused: row.paused,
    };
  }
}
