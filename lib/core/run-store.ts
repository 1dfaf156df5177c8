import type { RunlaneClock } from './clock.js';
import type { RunlaneDatabase } from './database.js';
import { InvalidRunIdError, RunNotFoundError } from './errors.js';
import type {
  Run,
  RunErrorInfo,
  RunEvent,
  RunEventType,
  RunSource,
  RunStatus,
} from './run.types.js';
import {
  CANCEL_SQL,
  claimSql,
  FIND_BY_IDEMPOTENCY_KEY_SQL,
  GET_RUN_EVENTS_SQL,
  GET_RUN_SQL,
  HEARTBEAT_SQL,
  RECORD_COMPLETIONS_SQL,
  LIMITED_QUEUES_SQL,
  LOCK_QUEUE_SQL,
  PRUNE_SQL,
  RECORD_OUTCOME_SQL,
  RECOVER_EXPIRED_LEASES_SQL,
  REPLAY_SQL,
  RESUME_DUE_SQL,
  RETRY_SQL,
  SET_QUEUE_CONCURRENCY_SQL,
  SET_QUEUE_PAUSED_SQL,
  STATS_SQL,
  TRIGGER_SQL,
} from './run-store.sql.js';

/** How trigger-time writes announce new work. */
export interface DeliveryWrites {
  /** Write a pending delivery request (outbox row) for an out-of-band transport to publish. */
  outbox: boolean;
  /** NOTIFY this channel in the writing statement (delivered at commit). */
  notifyChannel: string | null;
}

export interface InsertRunsInput {
  taskId: string;
  queue: string;
  priority: number;
  maxAttempts: number;
  source: RunSource;
  /** JSON text of each payload. */
  payloads: string[];
  idempotencyKeys: (string | null)[] | null;
  runAt: Date | null;
  delayMs: number;
}

export interface ClaimInput {
  queues?: string[];
  runId?: string;
  /** A queue with a global concurrency limit: the claim takes its lock and respects the limit. */
  limitedQueue?: string;
  taskIds: string[];
  limit: number;
  workerId: string;
  leaseMs: number;
}

export interface OutcomeEvent {
  type: RunEventType;
  data: Record<string, unknown>;
}

/** What an attempt asks to write; fenced by `runId` + `attempt`. */
export interface OutcomeInput {
  runId: string;
  attempt: number;
  status: Exclude<RunStatus, 'running'>;
  result?: string | null;
  error?: RunErrorInfo | null;
  failuresIncrement?: number;
  releasesIncrement?: number;
  lastRelease?: Record<string, unknown> | null;
  /** When set, the run is next due this many ms from now. */
  delayMs?: number | null;
  events: OutcomeEvent[];
  workerId: string;
}

export interface RecordedOutcome {
  /** False when the fence rejected the write: the lease was lost and nothing changed. */
  recorded: boolean;
  status: RunStatus | null;
}

export interface QueueState {
  name: string;
  paused: boolean;
  concurrency: number | null;
}

export interface ListRunsFilter {
  statuses?: RunStatus[];
  taskId?: string;
  queue?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Keyset cursor: only runs with a smaller id. */
  beforeId?: string;
  limit: number;
}

const RUN_ID_PATTERN = /^[1-9]\d{0,18}$/;

/** Checks a run id's form before it reaches SQL. */
export function assertRunId(runId: unknown): asserts runId is string {
  if (
    typeof runId !== 'string' ||
    !RUN_ID_PATTERN.test(runId) ||
    BigInt(runId) > 9223372036854775807n
  ) {
    throw new InvalidRunIdError(runId);
  }
}

/** Every read and write of run state. Nothing else in the engine writes SQL for runs. */
export class RunStore {
  constructor(
    private readonly db: RunlaneDatabase,
    private readonly clock: RunlaneClock,
  ) {}

  private now(): Date | null {
    return this.clock.now() ?? null;
  }

  async insertRuns(
    input: InsertRunsInput,
    delivery: DeliveryWrites,
    db: RunlaneDatabase = this.db,
  ): Promise<Run[]> {
    return (await this.insertRunsWithDeliveries(input, delivery, db)).map(
      (inserted) => inserted.run,
    );
  }

  /** `insertRuns`, also returning each run's delivery request id (`null` without an outbox row). */
  async insertRunsWithDeliveries(
    input: InsertRunsInput,
    delivery: DeliveryWrites,
    db: RunlaneDatabase = this.db,
  ): Promise<{ run: Run; deliveryId: string | null }[]> {
    const rows = await db.query(TRIGGER_SQL, [
      this.now(),
      `[${input.payloads.join(',')}]`,
      input.idempotencyKeys,
      input.taskId,
      input.queue,
      input.priority,
      input.maxAttempts,
      JSON.stringify(input.source),
      input.runAt,
      input.delayMs,
      delivery.outbox,
      delivery.notifyChannel,
    ]);
    // Rows come back in input order (ids ascend with it); with idempotency keys, only the
    // runs that were inserted come back, matched by key.
    const byKey = input.idempotencyKeys
      ? new Map(input.idempotencyKeys.map((key, index) => [key, index]))
      : null;
    return rows.map((row, position) => {
      const index = byKey ? byKey.get(row.idempotency_key)! : position;
      const createdAt = toDate(row.created_at)!;
      const run: Run = {
        id: String(row.id),
        taskId: input.taskId,
        queue: input.queue,
        status: 'queued',
        payload: JSON.parse(input.payloads[index]),
        result: null,
        error: null,
        attempts: 0,
        failures: 0,
        releases: 0,
        maxAttempts: input.maxAttempts,
        priority: input.priority,
        idempotencyKey: row.idempotency_key ?? null,
        source: input.source,
        lastRelease: null,
        availableAt: toDate(row.available_at)!,
        leaseExpiresAt: null,
        workerId: null,
        cancelRequestedAt: null,
        createdAt,
        updatedAt: createdAt,
        startedAt: null,
        finishedAt: null,
      };
      return { run, deliveryId: row.delivery_id == null ? null : String(row.delivery_id) };
    });
  }

  async findByIdempotencyKeys(
    taskId: string,
    keys: string[],
    db: RunlaneDatabase = this.db,
  ): Promise<Run[]> {
    const rows = await db.query(FIND_BY_IDEMPOTENCY_KEY_SQL, [taskId, keys]);
    return rows.map(toRun);
  }

  async claim(input: ClaimInput): Promise<Run[]> {
    if (input.limit <= 0 || input.taskIds.length === 0) return [];
    const pick =
      input.runId !== undefined ? 'run' : input.queues!.length === 1 ? 'queue' : 'queues';
    const target =
      pick === 'run' ? input.runId : pick === 'queue' ? input.queues![0] : input.queues;
    const params = [this.now(), target, input.taskIds, input.limit, input.workerId, input.leaseMs];
    if (input.limitedQueue === undefined) {
      return (await this.db.query(claimSql(pick), params)).map(toRun);
    }
    const queue = input.limitedQueue;
    return this.db.transaction(async (tx) => {
      const [locked] = await tx.query<{ concurrency: number }>(LOCK_QUEUE_SQL, [queue]);
      const rows = locked
        ? await tx.query(claimSql(pick, true), [...params, locked.concurrency, queue])
        : await tx.query(claimSql(pick), params);
      return rows.map(toRun);
    });
  }

  /** The queues with a global concurrency limit, by name. */
  async queueLimits(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ name: string; concurrency: number }>(LIMITED_QUEUES_SQL);
    return new Map(rows.map((row) => [row.name, Number(row.concurrency)]));
  }

  async setQueueConcurrency(queue: string, concurrency: number | null): Promise<void> {
    await this.db.query(SET_QUEUE_CONCURRENCY_SQL, [queue, concurrency]);
  }

  async setQueuePaused(queue: string, paused: boolean): Promise<QueueState> {
    const [row] = await this.db.query(SET_QUEUE_PAUSED_SQL, [queue, paused]);
    return { name: row.name, paused: row.paused, concurrency: row.concurrency ?? null };
  }

  /** Requests delivery for up to `limit` waiting runs whose time has come; returns how many. */
  async resumeDue(limit: number, delivery: DeliveryWrites): Promise<number> {
    const rows = await this.db.query(RESUME_DUE_SQL, [
      this.now(),
      limit,
      delivery.outbox,
      delivery.notifyChannel,
    ]);
    return rows.length;
  }

  async cancel(runId: string, reason: string | null): Promise<{ changed: boolean; run: Run }> {
    assertRunId(runId);
    const [row] = await this.db.query(CANCEL_SQL, [this.now(), runId, reason]);
    if (!row) throw new RunNotFoundError(runId);
    return { changed: row.changed, run: toRun(row) };
  }

  async retry(runId: string, delivery: DeliveryWrites): Promise<{ changed: boolean; run: Run }> {
    assertRunId(runId);
    const [row] = await this.db.query(RETRY_SQL, [
      this.now(),
      runId,
      delivery.outbox,
      delivery.notifyChannel,
    ]);
    if (!row) throw new RunNotFoundError(runId);
    return { changed: row.changed, run: toRun(row) };
  }

  async replay(runId: string, delivery: DeliveryWrites): Promise<Run> {
    assertRunId(runId);
    const [row] = await this.db.query(REPLAY_SQL, [
      this.now(),
      runId,
      delivery.outbox,
      delivery.notifyChannel,
    ]);
    if (!row) throw new RunNotFoundError(runId);
    return toRun(row);
  }

  /** Newest first, keyset-paginated by id, so pages stay stable while runs are inserted. */
  async listRuns(filter: ListRunsFilter): Promise<Run[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (filter.statuses) add((p) => `status = ANY(${p}::text[])`, filter.statuses);
    if (filter.taskId !== undefined) add((p) => `task_id = ${p}`, filter.taskId);
    if (filter.queue !== undefined) add((p) => `queue = ${p}`, filter.queue);
    if (filter.createdAfter) add((p) => `created_at >= ${p}::timestamptz`, filter.createdAfter);
    if (filter.createdBefore) add((p) => `created_at < ${p}::timestamptz`, filter.createdBefore);
    if (filter.beforeId !== undefined) add((p) => `id < ${p}::bigint`, filter.beforeId);
    params.push(filter.limit);
    const sql = `SELECT * FROM runlane_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT $${params.length}`;
    return (await this.db.query(sql, params)).map(toRun);
  }

  async stats(): Promise<
    { queue: string; status: RunStatus | null; count: number | null; oldestDue: Date | null }[]
  > {
    const rows = await this.db.query(STATS_SQL, [this.now()]);
    return rows.map((row) => ({
      queue: row.queue,
      status: row.status,
      count: row.count === null ? null : Number(row.count),
      oldestDue: toDate(row.oldest_due),
    }));
  }

  /** Deletes up to `limit` terminal runs older than `olderThanMs`; returns how many. */
  async prune(statuses: RunStatus[], olderThanMs: number, limit: number): Promise<number> {
    const rows = await this.db.query(PRUNE_SQL, [this.now(), statuses, limit, olderThanMs]);
    return rows.length;
  }

  /** The current time as the store sees it: the controllable clock, else PostgreSQL's. */
  async currentTime(): Promise<Date> {
    const now = this.now();
    if (now) return now;
    const [row] = await this.db.query<{ now: Date }>('SELECT now() AS now');
    return toDate(row.now)!;
  }

  async recordOutcome(input: OutcomeInput): Promise<RecordedOutcome> {
    const rows = await this.db.query(RECORD_OUTCOME_SQL, [
      this.now(),
      input.runId,
      input.attempt,
      input.status,
      input.result ?? null,
      input.error ? JSON.stringify(input.error) : null,
      input.failuresIncrement ?? 0,
      input.releasesIncrement ?? 0,
      input.lastRelease ? JSON.stringify(input.lastRelease) : null,
      input.delayMs ?? null,
      JSON.stringify(input.events),
      JSON.stringify({ workerId: input.workerId, outcome: input.status }),
    ]);
    return rows.length > 0
      ? { recorded: true, status: rows[0].status as RunStatus }
      : { recorded: false, status: null };
  }

  /**
   * Records several completions in one statement, each fenced by its lease token.
   * Returns, per run id, what was recorded (`recorded: false` when the lease was lost).
   */
  async recordCompletions(writes: OutcomeInput[]): Promise<Map<string, RecordedOutcome>> {
    const rows = await this.db.query<{ id: string | number; status: RunStatus }>(
      RECORD_COMPLETIONS_SQL,
      [
        this.now(),
        writes.map((write) => write.runId),
        writes.map((write) => write.attempt),
        `[${writes.map((write) => write.result ?? 'null').join(',')}]`,
        writes[0]?.workerId ?? null,
      ],
    );
    const recorded = new Map(
      rows.map((row) => [String(row.id), { recorded: true, status: row.status }]),
    );
    return new Map(
      writes.map((write) => [
        write.runId,
        recorded.get(write.runId) ?? { recorded: false, status: null },
      ]),
    );
  }

  /** Extends leases; returns the held runs, each with whether a cancel was requested. */
  async heartbeat(
    leases: { runId: string; attempt: number }[],
    leaseMs: number,
  ): Promise<Map<string, { cancelRequested: boolean }>> {
    if (leases.length === 0) return new Map();
    const rows = await this.db.query<{ id: string | number; cancel_requested: boolean }>(
      HEARTBEAT_SQL,
      [
        this.now(),
        leases.map((lease) => lease.runId),
        leases.map((lease) => lease.attempt),
        leaseMs,
      ],
    );
    return new Map(rows.map((row) => [String(row.id), { cancelRequested: row.cancel_requested }]));
  }

  /** Recovers up to `limit` runs whose lease expired; returns how many. */
  async recoverExpiredLeases(limit: number): Promise<number> {
    const rows = await this.db.query(RECOVER_EXPIRED_LEASES_SQL, [this.now(), limit]);
    return rows.length;
  }

  async getRun(runId: string): Promise<Run> {
    assertRunId(runId);
    const [row] = await this.db.query(GET_RUN_SQL, [runId]);
    if (!row) throw new RunNotFoundError(runId);
    return toRun(row);
  }

  async getRunEvents(runId: string): Promise<RunEvent[]> {
    assertRunId(runId);
    const rows = await this.db.query(GET_RUN_EVENTS_SQL, [runId]);
    if (rows.length === 0) await this.getRun(runId);
    return rows.map(toRunEvent);
  }
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}

/** Maps a `runlane_runs` row to the public snapshot. */
export function toRun(row: Record<string, any>): Run {
  const lastRelease = row.last_release;
  return {
    id: String(row.id),
    taskId: row.task_id,
    queue: row.queue,
    status: row.status,
    payload: row.payload,
    result: row.result ?? null,
    error: row.error ?? null,
    attempts: Number(row.attempts),
    failures: Number(row.failures),
    releases: Number(row.releases),
    maxAttempts: Number(row.max_attempts),
    priority: Number(row.priority),
    idempotencyKey: row.idempotency_key ?? null,
    source: row.source,
    lastRelease: lastRelease
      ? {
          reason: lastRelease.reason ?? null,
          data: lastRelease.data ?? null,
          releasedAt: new Date(lastRelease.releasedAt),
          availableAt: new Date(lastRelease.availableAt),
        }
      : null,
    availableAt: toDate(row.available_at)!,
    leaseExpiresAt: toDate(row.lease_expires_at),
    workerId: row.worker_id ?? null,
    cancelRequestedAt: toDate(row.cancel_requested_at),
    createdAt: toDate(row.created_at)!,
    updatedAt: toDate(row.updated_at)!,
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
  };
}

export function toRunEvent(row: Record<string, any>): RunEvent {
  return {
    id: String(row.id),
    runId: String(row.run_id),
    type: row.type,
    attempt: Number(row.attempt),
    at: toDate(row.at)!,
    data: row.data ?? {},
  };
}
