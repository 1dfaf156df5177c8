import { ActiveAttempt } from './active-attempt.js';
import { databaseClock, type RunlaneClock } from './clock.js';
import { guardDatabase, type RunlaneDatabase } from './database.js';
import {
  decodeWakeup,
  type DeliveryOutcome,
  type DeliverySkipReason,
  type DispatchPolicy,
  type OutboxOptions,
} from './delivery.js';
import { Dispatcher } from './dispatcher.js';
import { parseDuration, type Duration } from './duration.js';
import {
  errorText,
  InvalidDeliveryError,
  InvalidOptionError,
  RunStateError,
  TablesMissingError,
} from './errors.js';
import { Executor, type AttemptResult } from './executor.js';
import { Heartbeat } from './heartbeat.js';
import { silentLogger, type RunlaneLogger } from './logger.js';
import { OutboxStore, type DeliveryTarget } from './outbox-store.js';
import { preparePayload } from './payload.js';
import {
  RUN_STATUSES,
  TERMINAL_STATUSES,
  type Run,
  type RunEvent,
  type RunSource,
  type RunStatus,
} from './run.types.js';
import { assertRunId, RunStore, type DeliveryWrites, type QueueState } from './run-store.js';
import { TABLES_PRESENT_SQL } from './run-store.sql.js';
import { ScheduleManager, type ReconcileResult } from './schedule-manager.js';
import { ScheduleMaterializer } from './schedule-materializer.js';
import { ScheduleStore } from './schedule-store.js';
import type {
  CreateScheduleInput,
  RunlaneSchedule,
  UpdateScheduleInput,
} from './schedule.types.js';
import { messages } from './runlane.messages.js';
import { assertName, TaskRegistry, type RegisteredTask } from './task-registry.js';
import type { TaskLike } from './task.types.js';
import { defaultWorkerId, Worker, type WorkerHandle, type WorkerOptions } from './worker.js';
import type { RunlaneTransport } from '../transports/transport.interface.js';

export const RUNLANE_TABLES = [
  'runlane_runs',
  'runlane_run_events',
  'runlane_outbox',
  'runlane_schedules',
  'runlane_queues',
];

/** Options of the engine; the Nest module fills them from `forRoot()`. */
export interface RunlaneEngineOptions {
  database: RunlaneDatabase;
  tasks: Iterable<RegisteredTask>;
  /** Default: PostgreSQL's clock. */
  clock?: RunlaneClock;
  logger?: RunlaneLogger;
  /** Largest serialized payload accepted, in bytes. Default 1 MiB. */
  payloadSizeLimit?: number;
  /** Default lease of an attempt. Default `'30s'`. */
  leaseDuration?: Duration;
  /** Default heartbeat interval. Default: a third of the lease. */
  heartbeatInterval?: Duration;
  /** Runs recovered per statement by lease recovery. Default `500`. */
  recoveryBatchSize?: number;
  /**
   * Carries wakeups to workers; the engine closes it in `close()`. Default: none, workers
   * poll. (The Nest module defaults to `PostgresTransport`.)
   */
  transport?: RunlaneTransport;
  /** When a new run's wakeup goes out, unless a trigger says otherwise. Default `'immediate'`. */
  dispatch?: DispatchPolicy;
  /** How pending delivery requests are published and retried. */
  outbox?: OutboxOptions;
}

/** Options of `trigger()`. */
export interface TriggerOptions {
  /** Same task + key returns the existing run with `deduplicated: true` instead of a new one. */
  idempotencyKey?: string;
  /** Not before this long from now. */
  delay?: Duration;
  /** Not before this time. Exclusive with `delay`. */
  runAt?: Date | string;
  /** Overrides the task's priority; higher is claimed first. */
  priority?: number;
  /** Overrides the task's queue. */
  queue?: string;
  /**
   * Writes through this database handle, e.g. the caller's transaction. Out-of-band
   * transports then leave the wakeup pending for `tick()`, since only the caller knows
   * when it commits; the PostgreSQL transport's NOTIFY goes out at commit.
   */
  database?: RunlaneDatabase;
  /** Overrides the engine's dispatch policy for this trigger. */
  dispatch?: DispatchPolicy;
}

/** Options of `triggerBatch()`: shared by every run of the batch. */
export type TriggerBatchOptions = Omit<TriggerOptions, 'idempotencyKey'>;

/** Whether and how the new run's wakeup went out. */
export interface DispatchResult {
  /**
   * `published`: the wakeup was sent (PostgreSQL transport: it goes out at commit);
   * `pending`: the delivery request waits in the outbox for `tick()` (dispatch deferred,
   * the caller's transaction, a run not due yet, or a failed publish: see `error`);
   * `polling`: no wakeup is sent, workers find the run by polling (no transport, or a
   * delayed run with the PostgreSQL transport);
   * `skipped`: the run was deduplicated.
   */
  status: 'published' | 'pending' | 'polling' | 'skipped';
  /** Why publishing failed; the delivery request stays pending with a backoff. */
  error?: string;
}

export interface TriggerRunResult<TPayload = unknown, TResult = unknown> {
  run: Run<TPayload, TResult>;
  /** True when an existing run with the same idempotency key was returned. */
  deduplicated: boolean;
  dispatch: DispatchResult;
}

export interface TriggerBatchResult<TPayload = unknown, TResult = unknown> {
  runs: Run<TPayload, TResult>[];
  dispatch: DispatchResult;
}

/** What `tick()` did, per duty. */
export interface TickResult {
  /** Runs whose expired lease was recovered (retried or failed by their policy). */
  leasesRecovered: number;
  /** Waiting runs (released, retrying, delayed) whose time came and got a delivery request. */
  runsResumed: number;
  /** Runs created for due schedule occurrences. */
  schedulesMaterialized: number;
  /** Missed schedule fire times coalesced into the latest due one. */
  scheduleFireTimesCoalesced: number;
  /** Pending delivery requests published by the outbox flusher. */
  deliveriesPublished: number;
  /** Delivery requests whose publish failed in this tick (they stay pending, or became dead). */
  deliveriesFailed: number;
}

/** What `cancel()` did. */
export interface CancelResult {
  /**
   * `cancelled`: the run was waiting and is now cancelled;
   * `cancel_requested`: the run is running; its worker aborts `context.signal` at its next heartbeat;
   * `unchanged`: the run was already terminal or a cancel was already requested.
   */
  outcome: 'cancelled' | 'cancel_requested' | 'unchanged';
  run: Run;
}

/** Filters of `listRuns()`. */
export interface ListRunsOptions {
  status?: RunStatus | RunStatus[];
  taskId?: string;
  queue?: string;
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  /** Page size, 1-1000. Default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface ListRunsResult {
  /** Newest first. */
  runs: Run[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** Counts per queue and status, and how long the oldest due run of each queue has waited. */
export interface RunlaneStats {
  queues: Record<string, { counts: Record<RunStatus, number>; oldestDueAgeMs: number | null }>;
}

/** Per-queue settings of `forRoot({ queues })`. */
export interface QueueOptions {
  /** Runs of this queue running at once across all workers and processes. Default: no limit. */
  concurrency?: number | null;
}

const NO_WRITES: DeliveryWrites = { outbox: false, notifyChannel: null };
const DISPATCH_POLICIES: readonly DispatchPolicy[] = ['immediate', 'deferred'];

/**
 * The engine: plain TypeScript, no Nest. Triggers runs, claims and executes attempts,
 * runs workers and ticks. `RunlaneService` is its Nest face.
 */
export class RunlaneEngine {
  readonly store: RunStore;
  readonly registry: TaskRegistry;
  private readonly clock: RunlaneClock;
  private readonly logger: RunlaneLogger;
  private readonly payloadSizeLimit: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly recoveryBatchSize: number;
  private readonly workerId = defaultWorkerId();
  private readonly inline: { executor: Executor; heartbeat: Heartbeat };
  private readonly workers = new Set<Worker>();
  private queueLimits = new Map<string, number>();
  private triggersInFlight = 0;
  private claimRotation = 0;
  private readonly schedules: ScheduleManager;
  private readonly scheduleMaterializer: ScheduleMaterializer;

  private readonly database: RunlaneDatabase;
  private readonly outbox: OutboxStore;
  private readonly transport: RunlaneTransport | null;
  private readonly dispatcher: Dispatcher | null;
  private readonly dispatchPolicy: DispatchPolicy;
  /** What every write that requests delivery (trigger, schedules, resumed runs) writes with the default policy. */
  private readonly delivery: DeliveryWrites;

  constructor(private readonly options: RunlaneEngineOptions) {
    this.database = guardDatabase(options.database);
    this.clock = options.clock ?? databaseClock;
    this.logger = options.logger ?? silentLogger;
    this.registry = new TaskRegistry(options.tasks);
    this.store = new RunStore(this.database, this.clock);
    this.payloadSizeLimit = options.payloadSizeLimit ?? 1024 * 1024;
    if (!Number.isInteger(this.payloadSizeLimit) || this.payloadSizeLimit <= 0) {
      throw new InvalidOptionError(
        messages.invalidOption(
          'Runlane option "payloadSizeLimit"',
          'must be a positive integer of bytes',
        ),
      );
    }
    this.leaseMs = positive(options.leaseDuration ?? '30s', 'Runlane option "leaseDuration"');
    this.heartbeatMs = options.heartbeatInterval
      ? positive(options.heartbeatInterval, 'Runlane option "heartbeatInterval"')
      : Math.max(1, Math.floor(this.leaseMs / 3));
    this.recoveryBatchSize = options.recoveryBatchSize ?? 500;
    this.inline = this.executorFor(this.workerId, this.leaseMs, this.heartbeatMs);
    const scheduleStore = new ScheduleStore(this.database, this.clock);
    this.schedules = new ScheduleManager(
      this.database,
      scheduleStore,
      this.registry,
      this.payloadSizeLimit,
      this.logger,
    );
    this.scheduleMaterializer = new ScheduleMaterializer(
      this.database,
      scheduleStore,
      this.store,
      this.registry,
      () => this.delivery,
      this.logger,
    );
    this.outbox = new OutboxStore(this.database, this.clock);
    this.transport = options.transport ?? null;
    if (this.transport?.mode === 'notify' && !this.transport.notifyChannel) {
      throw new InvalidOptionError(
        messages.invalidOption(
          `Runlane transport "${this.transport.name}"`,
          'has mode "notify" but no notifyChannel',
        ),
      );
    }
    this.dispatchPolicy = dispatchPolicy(options.dispatch, 'Runlane option "dispatch"');
    this.dispatcher =
      this.transport && this.transport.mode !== 'none'
        ? this.createDispatcher(this.transport, options.outbox ?? {})
        : null;
    this.delivery = this.writesFor(this.dispatchPolicy);
  }

  /** Fails with a message saying how to create Runlane's tables when any is missing. */
  async assertTables(): Promise<void> {
    const rows = await this.database.query<{ name: string }>(TABLES_PRESENT_SQL, [RUNLANE_TABLES]);
    const present = new Set(rows.map((row) => row.name));
    const missing = RUNLANE_TABLES.filter((table) => !present.has(table));
    if (missing.length > 0) throw new TablesMissingError(missing);
  }

  /** Validates the payload and persists a run, its `created` event and its delivery request in one statement. */
  async trigger<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payload: TPayload,
    options: TriggerOptions = {},
  ): Promise<TriggerRunResult<TPayload, TResult>> {
    return this.create(task, payload, options, { type: 'trigger' });
  }

  /** Persists N runs of one task in one statement; if any payload is invalid, none is stored. */
  async triggerBatch<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payloads: TPayload[],
    options: TriggerBatchOptions = {},
  ): Promise<TriggerBatchResult<TPayload, TResult>> {
    const registered = this.registry.get(task);
    if (!Array.isArray(payloads)) {
      throw new InvalidOptionError(
        messages.invalidOption(`triggerBatch("${registered.id}")`, 'takes an array of payloads'),
      );
    }
    if ((options as TriggerOptions).idempotencyKey !== undefined) {
      throw new InvalidOptionError(
        messages.invalidOption(
          `triggerBatch("${registered.id}")`,
          'does not take an idempotencyKey; use trigger() for deduplicated runs',
        ),
      );
    }
    const placement = this.placement(registered, options);
    const json = await Promise.all(
      payloads.map((payload) =>
        preparePayload(registered.id, registered.schema, payload, this.payloadSizeLimit),
      ),
    );
    const policy = dispatchPolicy(
      options.dispatch ?? this.dispatchPolicy,
      `triggerBatch("${registered.id}") option "dispatch"`,
    );
    if (json.length === 0) return { runs: [], dispatch: { status: 'skipped' } };
    const writes = this.writesFor(policy, options.database === undefined);
    const inserted = await this.store.insertRunsWithDeliveries(
      {
        ...placement,
        taskId: registered.id,
        source: { type: 'trigger' },
        payloads: json,
        idempotencyKeys: null,
      },
      writes,
      options.database && guardDatabase(options.database),
    );
    const dispatch = await this.dispatchInserted(
      inserted,
      writes,
      policy,
      options.database !== undefined,
    );
    return { runs: inserted.map(({ run }) => run) as Run<TPayload, TResult>[], dispatch };
  }

  /**
   * Creates a run and executes its first attempt in this process under a lease; returns
   * the run after that one attempt recorded its outcome. No inline retries or releases:
   * later attempts go through workers.
   */
  async runNow<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payload: TPayload,
    options: Omit<TriggerOptions, 'delay' | 'runAt' | 'database'> = {},
  ): Promise<Run<TPayload, TResult>> {
    const { run, deduplicated } = await this.create(task, payload, options, { type: 'runNow' });
    if (deduplicated) return run;
    await this.executeClaimed({ runId: run.id, queue: run.queue });
    return (await this.store.getRun(run.id)) as Run<TPayload, TResult>;
  }

  /**
   * Handles one delivered wakeup: validates it (malformed or forged → `InvalidDeliveryError`,
   * nothing changed), claims that run only if it is due and unleased, executes one attempt
   * in this process and returns what happened. A stale or duplicate wakeup is `skipped`
   * with its reason. Workers subscribed to a transport do this on their own; call it from
   * a consumer of your own (a queue-triggered function, a custom consumer loop).
   */
  async executeDelivery(message: unknown): Promise<DeliveryOutcome> {
    return this.deliver(message, this.workerId, this.leaseMs, async (claim) => {
      const run = await claim();
      return run ? this.executeInline(run) : null;
    });
  }

  /** Claims one due run and executes one attempt; `null` when nothing is due. */
  async executeNext(options: { queues?: string[] } = {}): Promise<AttemptResult | null> {
    return this.executeClaimed({ queues: this.queuesOf(options.queues, 'executeNext') });
  }

  /** Starts a worker; `stop()` on the handle ends it gracefully. */
  async worker(options: WorkerOptions = {}): Promise<WorkerHandle> {
    const concurrency = options.concurrency ?? 10;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
      throw new InvalidOptionError(
        messages.invalidOption(
          'worker option "concurrency"',
          `must be an integer from 1 to 10000, got ${JSON.stringify(concurrency)}`,
        ),
      );
    }
    const queues = this.queuesOf(options.queues, 'worker');
    const leaseMs = options.leaseDuration
      ? positive(options.leaseDuration, 'worker option "leaseDuration"')
      : this.leaseMs;
    const heartbeatMs = options.leaseDuration
      ? Math.max(1, Math.floor(leaseMs / 3))
      : this.heartbeatMs;
    const pollMs = positive(options.pollInterval ?? '1s', 'worker option "pollInterval"');
    const shutdownMs = parseDuration(
      options.shutdownTimeout ?? '10s',
      'worker option "shutdownTimeout"',
    );
    const workerId = options.workerId ?? defaultWorkerId();
    const { executor, heartbeat } = this.executorFor(workerId, leaseMs, heartbeatMs);
    const transport = this.dispatcher ? this.transport : null;
    const worker: Worker = new Worker(
      workerId,
      {
        claim: (limit) => this.claimFrom(queues, limit, workerId, leaseMs),
        ...(transport
          ? {
              subscribe: (wake: () => void) =>
                transport.subscribe({
                  queues,
                  concurrency,
                  wake: () => wake(),
                  deliver: (message) =>
                    this.deliver(message, workerId, leaseMs, (claim) =>
                      worker.executeDelivered(claim),
                    ),
                }),
            }
          : {}),
        executor,
        heartbeat,
        maintain: async () => {
          await this.recoverLeases();
          await this.refreshQueueLimits();
        },
        maintenanceIntervalMs: Math.max(1000, Math.min(leaseMs, 60_000)),
        leaseMs,
        logger: this.logger,
      },
      concurrency,
      pollMs,
      shutdownMs,
    );
    await this.refreshQueueLimits();
    this.workers.add(worker);
    void worker.stopped.then(() => this.workers.delete(worker));
    await worker.start();
    return worker;
  }

  /** The timekeeper's duties; safe to run in any number of processes at once. */
  async tick(): Promise<TickResult> {
    const schedules = await this.scheduleMaterializer.materialize();
    const leasesRecovered = await this.recoverLeases();
    const runsResumed = await this.drain((limit) => this.store.resumeDue(limit, this.delivery));
    const flushed = this.dispatcher ? await this.dispatcher.flush() : { published: 0, failed: 0 };
    return {
      leasesRecovered,
      runsResumed,
      schedulesMaterialized: schedules.materialized,
      scheduleFireTimesCoalesced: schedules.coalesced,
      deliveriesPublished: flushed.published,
      deliveriesFailed: flushed.failed,
    };
  }

  /**
   * Cancels a run. A waiting run is cancelled at once; a running one is cancelled when its
   * attempt ends, whatever it returns — its worker aborts `context.signal` within one
   * heartbeat. Terminal runs are left unchanged; calling it twice is harmless.
   */
  async cancel(runId: string, options: { reason?: string } = {}): Promise<CancelResult> {
    const reason = options.reason ?? null;
    if (reason !== null && (typeof reason !== 'string' || reason.length > 1000)) {
      throw new InvalidOptionError(
        messages.invalidOption(
          'cancel() option "reason"',
          'must be a string of at most 1000 characters',
        ),
      );
    }
    const { changed, run } = await this.store.cancel(runId, reason);
    const outcome = !changed
      ? 'unchanged'
      : run.status === 'cancelled'
        ? 'cancelled'
        : 'cancel_requested';
    return { outcome, run };
  }

  /** Sends a failed or cancelled run back to `queued`: failures reset, history kept, event `retried`. */
  async retry(runId: string): Promise<Run> {
    const { changed, run } = await this.store.retry(runId, this.delivery);
    if (!changed) throw new RunStateError(runId, run.status, 'retry', 'failed or cancelled');
    return run;
  }

  /** Creates a new run with the same task and payload; its source is `{ type: 'replay', runId }`. */
  async replay(runId: string): Promise<Run> {
    return this.store.replay(runId, this.delivery);
  }

  /** Runs newest first, filtered, with keyset pagination that stays stable under inserts. */
  async listRuns(options: ListRunsOptions = {}): Promise<ListRunsResult> {
    const where = 'listRuns()';
    const statuses = options.status === undefined ? undefined : [options.status].flat();
    for (const status of statuses ?? []) {
      if (!RUN_STATUSES.includes(status)) {
        throw new InvalidOptionError(
          messages.invalidOption(
            `${where} option "status"`,
            `must be one of ${RUN_STATUSES.join(', ')}, got ${JSON.stringify(status)}`,
          ),
        );
      }
    }
    if (options.taskId !== undefined)
      assertName(options.taskId, `${where} option "taskId"`, 'a task id');
    if (options.queue !== undefined)
      assertName(options.queue, `${where} option "queue"`, 'a queue name');
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidOptionError(
        messages.invalidOption(
          `${where} option "limit"`,
          `must be an integer from 1 to 1000, got ${JSON.stringify(limit)}`,
        ),
      );
    }
    if (options.cursor !== undefined) {
      try {
        assertRunId(options.cursor);
      } catch {
        throw new InvalidOptionError(
          messages.invalidOption(
            `${where} option "cursor"`,
            `must be a nextCursor returned by listRuns(), got ${JSON.stringify(options.cursor)}`,
          ),
        );
      }
    }
    const runs = await this.store.listRuns({
      statuses,
      taskId: options.taskId,
      queue: options.queue,
      createdAfter: dateOption(options.createdAfter, `${where} option "createdAfter"`),
      createdBefore: dateOption(options.createdBefore, `${where} option "createdBefore"`),
      beforeId: options.cursor,
      limit: limit + 1,
    });
    const page = runs.slice(0, limit);
    return { runs: page, nextCursor: runs.length > limit ? page[page.length - 1].id : null };
  }

  /** Counts per queue and status, and the age of the oldest due run per queue. */
  async stats(): Promise<RunlaneStats> {
    const [rows, now] = await Promise.all([this.store.stats(), this.store.currentTime()]);
    const queues: RunlaneStats['queues'] = {};
    const entry = (queue: string) =>
      (queues[queue] ??= {
        counts: Object.fromEntries(RUN_STATUSES.map((status) => [status, 0])) as Record<
          RunStatus,
          number
        >,
        oldestDueAgeMs: null,
      });
    for (const row of rows) {
      if (row.status !== null) entry(row.queue).counts[row.status] = row.count ?? 0;
      else if (row.oldestDue)
        entry(row.queue).oldestDueAgeMs = Math.max(0, now.getTime() - row.oldestDue.getTime());
    }
    return { queues };
  }

  /** Deletes terminal runs that finished more than `olderThan` ago, with their events. */
  async prune(options: {
    olderThan: Duration;
    statuses?: RunStatus[];
  }): Promise<{ deleted: number }> {
    const olderThanMs = parseDuration(options?.olderThan, 'prune() option "olderThan"');
    const statuses = options.statuses ?? [...TERMINAL_STATUSES];
    if (
      !Array.isArray(statuses) ||
      statuses.length === 0 ||
      statuses.some((status) => !TERMINAL_STATUSES.includes(status))
    ) {
      throw new InvalidOptionError(
        messages.invalidOption(
          'prune() option "statuses"',
          `must list terminal statuses only (${TERMINAL_STATUSES.join(', ')}), got ${JSON.stringify(statuses)}`,
        ),
      );
    }
    return { deleted: await this.drain((limit) => this.store.prune(statuses, olderThanMs, limit)) };
  }

  /** Stops claiming from a queue, in every worker; triggers are still accepted. */
  async pauseQueue(queue: string): Promise<QueueState> {
    assertName(queue, 'pauseQueue()', 'a queue name');
    return this.store.setQueuePaused(queue, true);
  }

  async resumeQueue(queue: string): Promise<QueueState> {
    assertName(queue, 'resumeQueue()', 'a queue name');
    return this.store.setQueuePaused(queue, false);
  }

  /** Stores per-queue settings (a global concurrency limit) and loads every queue's limit. */
  async configureQueues(queues: Record<string, QueueOptions> = {}): Promise<void> {
    for (const [queue, options] of Object.entries(queues)) {
      assertName(queue, 'Runlane option "queues"', 'a queue name');
      const concurrency = options?.concurrency ?? null;
      if (concurrency !== null && (!Number.isInteger(concurrency) || concurrency < 1)) {
        throw new InvalidOptionError(
          messages.invalidOption(
            `Runlane option "queues.${queue}.concurrency"`,
            `must be a positive integer or null, got ${JSON.stringify(concurrency)}`,
          ),
        );
      }
    }
    for (const [queue, options] of Object.entries(queues)) {
      await this.store.setQueueConcurrency(queue, options?.concurrency ?? null);
    }
    await this.refreshQueueLimits();
  }

  /**
   * Checks and stores the schedules the registered tasks declare: new ones are created,
   * changed ones updated (a changed timing recomputes the next fire time), and code
   * schedules of these tasks that are no longer declared are disabled. Fails, storing
   * nothing, on an invalid schedule. `RunlaneModule` calls it at boot.
   */
  reconcileSchedules(): Promise<ReconcileResult> {
    return this.schedules.reconcile();
  }

  /** Creates a runtime schedule (origin `'api'`) for a registered task. */
  createSchedule<TPayload = unknown>(
    input: CreateScheduleInput<TPayload>,
  ): Promise<RunlaneSchedule<TPayload>> {
    return this.schedules.create(input) as Promise<RunlaneSchedule<TPayload>>;
  }

  /** Changes a runtime schedule's timing or payload; a changed timing recomputes the next fire time. */
  updateSchedule<TPayload = unknown>(
    id: string,
    changes: UpdateScheduleInput<TPayload>,
  ): Promise<RunlaneSchedule<TPayload>> {
    return this.schedules.update(id, changes) as Promise<RunlaneSchedule<TPayload>>;
  }

  /** Deletes a runtime schedule; the runs it created are kept. */
  deleteSchedule(id: string): Promise<void> {
    return this.schedules.delete(id);
  }

  pauseSchedule(id: string): Promise<RunlaneSchedule> {
    return this.schedules.pause(id);
  }

  /** Resumes from now on; fire times that passed while paused are not made up. */
  resumeSchedule(id: string): Promise<RunlaneSchedule> {
    return this.schedules.resume(id);
  }

  getSchedule<TPayload = unknown>(id: string): Promise<RunlaneSchedule<TPayload>> {
    return this.schedules.get(id) as Promise<RunlaneSchedule<TPayload>>;
  }

  /** Every schedule (code and runtime, enabled or not) with its next and last fire times, by id. */
  listSchedules(filter: { taskId?: string } = {}): Promise<RunlaneSchedule[]> {
    return this.schedules.list(filter);
  }

  getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  getRunEvents(runId: string): Promise<RunEvent[]> {
    return this.store.getRunEvents(runId);
  }

  /** Stops every worker this engine started, then closes the transport. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    this.inline.heartbeat.stop();
    await this.transport?.close();
  }

  private recoverLeases(): Promise<number> {
    return this.drain((limit) => this.store.recoverExpiredLeases(limit));
  }

  /** Repeats a batched duty until a batch comes back short. */
  private async drain(batch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await batch(this.recoveryBatchSize);
      total += done;
      if (done < this.recoveryBatchSize) return total;
    }
  }

  private async refreshQueueLimits(): Promise<void> {
    this.queueLimits = await this.store.queueLimits();
  }

  /**
   * Claims up to `limit` due runs from `queues`: one statement for the queues without a
   * limit, and one locked transaction per queue with a global concurrency limit. The
   * order rotates so that no queue starves another.
   */
  private async claimFrom(
    queues: string[],
    limit: number,
    workerId: string,
    leaseMs: number,
  ): Promise<Run[]> {
    const taskIds = this.registry.ids();
    const open = queues.filter((queue) => !this.queueLimits.has(queue));
    const groups: { queues: string[]; limitedQueue?: string }[] = [
      ...(open.length > 0 ? [{ queues: open }] : []),
      ...queues
        .filter((queue) => this.queueLimits.has(queue))
        .map((queue) => ({ queues: [queue], limitedQueue: queue })),
    ];
    if (groups.length === 1)
      return this.store.claim({ ...groups[0], taskIds, limit, workerId, leaseMs });
    const start = this.claimRotation++ % groups.length;
    const claimed: Run[] = [];
    for (let i = 0; i < groups.length && claimed.length < limit; i++) {
      const group = groups[(start + i) % groups.length];
      claimed.push(
        ...(await this.store.claim({
          ...group,
          taskIds,
          limit: limit - claimed.length,
          workerId,
          leaseMs,
        })),
      );
    }
    return claimed;
  }

  private async executeClaimed(
    pick: { queues: string[] } | { runId: string; queue: string },
  ): Promise<AttemptResult | null> {
    const [run] =
      'runId' in pick
        ? await this.store.claim({
            runId: pick.runId,
            limitedQueue: this.queueLimits.has(pick.queue) ? pick.queue : undefined,
            taskIds: this.registry.ids(),
            limit: 1,
            workerId: this.workerId,
            leaseMs: this.leaseMs,
          })
        : await this.claimFrom(pick.queues, 1, this.workerId, this.leaseMs);
    return run ? this.executeInline(run) : null;
  }

  private async executeInline(run: Run): Promise<AttemptResult> {
    const attempt = new ActiveAttempt(run, this.leaseMs);
    this.inline.heartbeat.track(attempt);
    try {
      return await this.inline.executor.execute(attempt);
    } finally {
      this.inline.heartbeat.untrack(attempt);
    }
  }

  private async create<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payload: TPayload,
    options: TriggerOptions,
    source: RunSource,
  ): Promise<TriggerRunResult<TPayload, TResult>> {
    const registered = this.registry.get(task);
    const key = options.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 500)) {
      throw new InvalidOptionError(
        messages.invalidOption(
          `trigger("${registered.id}") option "idempotencyKey"`,
          'must be a string of 1-500 characters',
        ),
      );
    }
    const placement = this.placement(registered, options);
    const json = await preparePayload(
      registered.id,
      registered.schema,
      payload,
      this.payloadSizeLimit,
    );
    const input = {
      ...placement,
      taskId: registered.id,
      source,
      payloads: [json],
      idempotencyKeys: key === undefined ? null : [key],
    };
    const db = options.database && guardDatabase(options.database);
    const policy = dispatchPolicy(
      options.dispatch ?? this.dispatchPolicy,
      `trigger("${registered.id}") option "dispatch"`,
    );
    // runNow claims its run inline at once: no wakeup needed.
    // A trigger alone in this process notifies in its statement (the lowest latency); one
    // among others in flight notifies after commit, coalesced with them.
    const alone = this.triggersInFlight === 0;
    const writes =
      source.type === 'runNow' ? NO_WRITES : this.writesFor(policy, db === undefined && !alone);
    this.triggersInFlight += 1;
    let inserted: Awaited<ReturnType<RunStore['insertRunsWithDeliveries']>>;
    try {
      inserted = await this.store.insertRunsWithDeliveries(input, writes, db);
    } finally {
      this.triggersInFlight -= 1;
    }
    if (inserted.length > 0) {
      const dispatch: DispatchResult =
        source.type === 'runNow'
          ? { status: 'skipped' }
          : await this.dispatchInserted(inserted, writes, policy, db !== undefined);
      return { run: inserted[0].run as Run<TPayload, TResult>, deduplicated: false, dispatch };
    }
    const [existing] = await this.store.findByIdempotencyKeys(registered.id, [key!], db);
    return {
      run: existing as Run<TPayload, TResult>,
      deduplicated: true,
      dispatch: { status: 'skipped' },
    };
  }

  private placement(task: RegisteredTask, options: TriggerBatchOptions) {
    const where = `trigger("${task.id}")`;
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionError(messages.invalidOption(where, 'options must be an object'));
    }
    if (options.delay !== undefined && options.runAt !== undefined) {
      throw new InvalidOptionError(
        messages.invalidOption(where, 'takes either "delay" or "runAt", not both'),
      );
    }
    const delayMs =
      options.delay === undefined ? 0 : parseDuration(options.delay, `${where} option "delay"`);
    let runAt: Date | null = null;
    if (options.runAt !== undefined) {
      runAt = new Date(options.runAt);
      if (
        !(options.runAt instanceof Date || typeof options.runAt === 'string') ||
        Number.isNaN(runAt.getTime())
      ) {
        throw new InvalidOptionError(
          messages.invalidOption(
            `${where} option "runAt"`,
            `must be a Date or an ISO 8601 string, got ${JSON.stringify(options.runAt)}`,
          ),
        );
      }
    }
    const priority = options.priority ?? task.priority;
    if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
      throw new InvalidOptionError(
        messages.invalidOption(
          `${where} option "priority"`,
          `must be an integer from -1000000 to 1000000, got ${JSON.stringify(priority)}`,
        ),
      );
    }
    const queue = options.queue ?? task.queue;
    assertName(queue, `${where} option "queue"`, 'a queue name');
    return { queue, priority, delayMs, runAt, maxAttempts: task.retry.maxAttempts };
  }

  /** What the trigger-time writes announce for a dispatch policy. */
  /**
   * What a write that requests delivery writes in its own statement. With a NOTIFY
   * transport, a trigger that commits on its own notifies right after, coalesced
   * (`publishAfterCommit`); one inside the caller's transaction, and tick()'s statements,
   * notify in the statement, so the wakeup goes out exactly at commit.
   */
  private writesFor(policy: DispatchPolicy, publishAfterCommit = false): DeliveryWrites {
    if (!this.dispatcher || !this.transport) return NO_WRITES;
    if (this.transport.mode === 'notify' && policy === 'immediate') {
      return publishAfterCommit
        ? NO_WRITES
        : { outbox: false, notifyChannel: this.transport.notifyChannel! };
    }
    return { outbox: true, notifyChannel: null };
  }

  /**
   * After the insert: publishes the wakeups of due runs now when the policy is
   * `immediate` and the statement has committed (no caller transaction); otherwise the
   * delivery requests wait for `tick()`.
   */
  private async dispatchInserted(
    inserted: { run: Run; deliveryId: string | null }[],
    writes: DeliveryWrites,
    policy: DispatchPolicy,
    inCallerTransaction: boolean,
  ): Promise<DispatchResult> {
    if (inserted.length === 0) return { status: 'skipped' };
    // available_at and created_at come from the same clock in the same statement.
    const due = inserted.filter(({ run }) => run.availableAt.getTime() <= run.createdAt.getTime());
    if (writes.notifyChannel) return { status: due.length > 0 ? 'published' : 'polling' };
    if (this.transport?.mode === 'notify' && policy === 'immediate' && !inCallerTransaction) {
      if (due.length === 0) return { status: 'polling' };
      try {
        // A NOTIFY transport routes by queue only: these wakeups name no delivery request.
        await this.transport.publish(
          due.map(({ run }) => ({ runId: run.id, deliveryId: '', queue: run.queue })),
        );
        return { status: 'published' };
      } catch (error) {
        return { status: 'polling', error: errorText(error) };
      }
    }
    if (!writes.outbox || !this.dispatcher) return { status: 'polling' };
    if (policy === 'deferred' || inCallerTransaction || due.length === 0)
      return { status: 'pending' };
    const outcome = await this.dispatcher.publish(
      due.map(({ run, deliveryId }) => ({
        runId: run.id,
        deliveryId: deliveryId!,
        queue: run.queue,
      })),
    );
    if (!outcome.published) return { status: 'pending', error: outcome.error };
    return { status: due.length === inserted.length ? 'published' : 'pending' };
  }

  /** The one path of a delivered wakeup, for `executeDelivery()` and for subscribed workers. */
  private async deliver(
    message: unknown,
    workerId: string,
    leaseMs: number,
    execute: (claim: () => Promise<Run | null>) => Promise<AttemptResult | null>,
  ): Promise<DeliveryOutcome> {
    const { runId, deliveryId } = decodeWakeup(message);
    const target = await this.outbox.deliveryTarget(runId, deliveryId);
    if (!target) return { outcome: 'skipped', runId, reason: 'not_found' };
    if (!target.requested)
      throw new InvalidDeliveryError('forged', messages.deliveryForged(runId, deliveryId));
    const reason = this.skipReason(target);
    if (reason) return { outcome: 'skipped', runId, reason };
    const result = await execute(async () => {
      const [run] = await this.store.claim({
        runId,
        limitedQueue: this.queueLimits.has(target.queue) ? target.queue : undefined,
        taskIds: this.registry.ids(),
        limit: 1,
        workerId,
        leaseMs,
      });
      return run ?? null;
    });
    if (result) return { outcome: 'executed', runId, result };
    // Lost a race (another worker claimed it, or it changed since the first read).
    const now = await this.outbox.deliveryTarget(runId, deliveryId);
    return {
      outcome: 'skipped',
      runId,
      reason: now ? (this.skipReason(now) ?? 'already_running') : 'not_found',
    };
  }

  private skipReason(target: DeliveryTarget): DeliverySkipReason | null {
    switch (target.status) {
      case 'cancelled':
        return 'cancelled';
      case 'completed':
      case 'failed':
        return 'terminal';
      case 'running':
        return 'already_running';
    }
    if (!this.registry.ids().includes(target.taskId)) return 'unknown_task';
    if (!target.due || target.queuePaused) return 'not_due';
    return null;
  }

  private createDispatcher(transport: RunlaneTransport, outbox: OutboxOptions): Dispatcher {
    const batchSize = outbox.batchSize ?? 500;
    const maxAttempts = outbox.maxAttempts ?? 20;
    for (const [name, value] of [
      ['batchSize', batchSize],
      ['maxAttempts', maxAttempts],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new InvalidOptionError(
          messages.invalidOption(
            `Runlane option "outbox.${name}"`,
            `must be a positive integer, got ${JSON.stringify(value)}`,
          ),
        );
      }
    }
    const firstDelayMs = positive(outbox.retryDelay ?? '1s', 'Runlane option "outbox.retryDelay"');
    const maxDelayMs = Math.max(
      firstDelayMs,
      positive(outbox.maxRetryDelay ?? '5m', 'Runlane option "outbox.maxRetryDelay"'),
    );
    return new Dispatcher(
      this.outbox,
      transport,
      { maxAttempts, firstDelayMs, maxDelayMs },
      batchSize,
      this.logger,
    );
  }

  private queuesOf(queues: string[] | undefined, where: string): string[] {
    if (queues === undefined) return this.registry.queues();
    if (!Array.isArray(queues) || queues.length === 0) {
      throw new InvalidOptionError(
        messages.invalidOption(
          `${where} option "queues"`,
          'must be a non-empty array of queue names',
        ),
      );
    }
    for (const queue of queues) assertName(queue, `${where} option "queues"`, 'a queue name');
    return queues;
  }

  private executorFor(workerId: string, leaseMs: number, heartbeatMs: number) {
    return {
      executor: new Executor(this.store, this.registry, this.clock, this.logger, workerId),
      heartbeat: new Heartbeat(this.store, leaseMs, heartbeatMs, this.logger),
    };
  }
}

function dateOption(value: Date | string | undefined, where: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!(value instanceof Date || typeof value === 'string') || Number.isNaN(date.getTime())) {
    throw new InvalidOptionError(
      messages.invalidOption(
        where,
        `must be a Date or an ISO 8601 string, got ${JSON.stringify(value)}`,
      ),
    );
  }
  return date;
}

function dispatchPolicy(value: unknown, where: string): DispatchPolicy {
  if (value === undefined) return 'immediate';
  if (!DISPATCH_POLICIES.includes(value as DispatchPolicy)) {
    throw new InvalidOptionError(
      messages.invalidOption(
        where,
        `must be "immediate" or "deferred", got ${JSON.stringify(value)}`,
      ),
    );
  }
  return value as DispatchPolicy;
}

function positive(value: Duration, where: string): number {
  const ms = parseDuration(value, where);
  if (ms === 0)
    throw new InvalidOptionError(messages.invalidOption(where, 'must be greater than zero'));
  return ms;
}
