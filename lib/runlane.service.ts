import { Injectable } from '@nestjs/common';
import { RunlaneNotReadyError } from './core/errors.js';
import type { EntityManager } from 'typeorm';
import type { DeliveryOutcome } from './core/delivery.js';
import type { AttemptResult } from './core/executor.js';
import type { Duration } from './core/duration.js';
import type { Run, RunEvent, RunStatus } from './core/run.types.js';
import type { QueueState } from './core/run-store.js';
import type {
  CancelResult,
  ListRunsOptions,
  ListRunsResult,
  RunlaneEngine,
  RunlaneStats,
  TickResult,
  TriggerBatchOptions,
  TriggerBatchResult,
  TriggerOptions,
  TriggerRunResult,
} from './core/runlane-engine.js';
import type {
  CreateScheduleInput,
  RunlaneSchedule,
  UpdateScheduleInput,
} from './core/schedule.types.js';
import type { TaskLike } from './core/task.types.js';
import type { WorkerHandle, WorkerOptions } from './core/worker.js';
import { entityManagerDatabase } from './typeorm-database.js';

/** Options of `RunlaneService.trigger()`. */
export interface RunlaneTriggerOptions extends Omit<TriggerOptions, 'database'> {
  /** Writes through this EntityManager: inside `dataSource.transaction()`, the run exists only if the caller commits. */
  manager?: EntityManager;
}

export type RunlaneTriggerBatchOptions = Omit<RunlaneTriggerOptions, 'idempotencyKey'>;

/** The facade an application injects: trigger runs, execute them, read their history. */
@Injectable()
export class RunlaneService {
  private current: RunlaneEngine | undefined;

  /** @internal Set by RunlaneModule once tasks are discovered. */
  attach(engine: RunlaneEngine): void {
    this.current = engine;
  }

  /** The engine behind the service, for advanced use and tests. */
  get engine(): RunlaneEngine {
    if (!this.current) {
      throw new RunlaneNotReadyError();
    }
    return this.current;
  }

  /**
   * Validates the payload and durably creates a run, its `created` event and its delivery
   * request. With a reference made by `defineTask()` or `task()` the payload is type-checked.
   */
  trigger<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payload: NoInfer<TPayload>,
    options: RunlaneTriggerOptions = {},
  ): Promise<TriggerRunResult<TPayload, TResult>> {
    const { manager, ...rest } = options;
    return this.engine.trigger(task, payload, {
      ...rest,
      ...(manager ? { database: entityManagerDatabase(manager) } : {}),
    });
  }

  /** Creates N runs of one task in one statement; all payloads are validated first, all or nothing. */
  triggerBatch<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payloads: NoInfer<TPayload>[],
    options: RunlaneTriggerBatchOptions = {},
  ): Promise<TriggerBatchResult<TPayload, TResult>> {
    const { manager, ...rest } = options;
    return this.engine.triggerBatch(task, payloads, {
      ...rest,
      ...(manager ? { database: entityManagerDatabase(manager) } : {}),
    });
  }

  /** Creates a run and executes its first attempt in this process; returns the run after that attempt. */
  runNow<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payload: NoInfer<TPayload>,
    options: Pick<TriggerOptions, 'idempotencyKey' | 'priority' | 'queue'> = {},
  ): Promise<Run<TPayload, TResult>> {
    return this.engine.runNow(task, payload, options);
  }

  /** Claims one due run and executes one attempt; `null` when nothing is due. */
  executeNext(options: { queues?: string[] } = {}): Promise<AttemptResult | null> {
    return this.engine.executeNext(options);
  }

  /**
   * Handles one wakeup delivered by a transport consumer of your own: claims that run if
   * it is due and unleased and executes one attempt; `skipped` with a reason otherwise.
   * Throws `InvalidDeliveryError` for a malformed or forged message (nothing changed).
   */
  executeDelivery(message: unknown): Promise<DeliveryOutcome> {
    return this.engine.executeDelivery(message);
  }

  /** Starts a worker in this process. */
  worker(options: WorkerOptions = {}): Promise<WorkerHandle> {
    return this.engine.worker(options);
  }

  /**
   * The timekeeper, once: materializes due schedules, recovers expired leases, requests delivery
   * for released, retrying and delayed runs whose time came, and publishes pending delivery
   * requests. Safe to run in many processes at once.
   */
  tick(): Promise<TickResult> {
    return this.engine.tick();
  }

  /**
   * Cancels a run: a waiting run at once; a running one when its attempt ends (its
   * `context.signal` aborts within one heartbeat). Terminal runs are left as they are.
   */
  cancel(runId: string, options: { reason?: string } = {}): Promise<CancelResult> {
    return this.engine.cancel(runId, options);
  }

  /** Sends a failed or cancelled run back to `queued` with its failures reset; history is kept. */
  retry(runId: string): Promise<Run> {
    return this.engine.retry(runId);
  }

  /** Creates a new run with the same task and payload, source `{ type: 'replay', runId }`. */
  replay(runId: string): Promise<Run> {
    return this.engine.replay(runId);
  }

  /** Runs newest first, filtered by status, task, queue and creation time, with keyset pagination. */
  listRuns(options: ListRunsOptions = {}): Promise<ListRunsResult> {
    return this.engine.listRuns(options);
  }

  /** Counts per queue and status, and the age of the oldest due run per queue. */
  stats(): Promise<RunlaneStats> {
    return this.engine.stats();
  }

  /** Deletes terminal runs (default: completed, failed, cancelled) finished more than `olderThan` ago. */
  prune(options: { olderThan: Duration; statuses?: RunStatus[] }): Promise<{ deleted: number }> {
    return this.engine.prune(options);
  }

  /** Stops every worker from claiming runs of a queue; triggers are still accepted. */
  pauseQueue(queue: string): Promise<QueueState> {
    return this.engine.pauseQueue(queue);
  }

  resumeQueue(queue: string): Promise<QueueState> {
    return this.engine.resumeQueue(queue);
  }

  getRun<TPayload = unknown, TResult = unknown>(runId: string): Promise<Run<TPayload, TResult>> {
    return this.engine.getRun(runId) as Promise<Run<TPayload, TResult>>;
  }

  getRunEvents(runId: string): Promise<RunEvent[]> {
    return this.engine.getRunEvents(runId);
  }

  /**
   * Creates a schedule at run time, for example one per customer. Validates the timing and
   * the payload (against the task's schema) before storing anything.
   *
   * @example
   * await runlane.createSchedule({ id: `reports.${customerId}`, taskId: 'reports.build', cron: '0 6 * * 1', timeZone, payload: { customerId } })
   */
  createSchedule<TPayload = unknown>(
    input: CreateScheduleInput<TPayload>,
  ): Promise<RunlaneSchedule<TPayload>> {
    return this.engine.createSchedule(input);
  }

  /** Changes a runtime schedule's timing or payload; a changed timing recomputes the next fire time. */
  updateSchedule<TPayload = unknown>(
    id: string,
    changes: UpdateScheduleInput<TPayload>,
  ): Promise<RunlaneSchedule<TPayload>> {
    return this.engine.updateSchedule(id, changes);
  }

  /** Deletes a runtime schedule; the runs it created are kept. Code schedules are removed in code. */
  deleteSchedule(id: string): Promise<void> {
    return this.engine.deleteSchedule(id);
  }

  /** Stops a schedule (code or runtime) from firing until it is resumed. */
  pauseSchedule(id: string): Promise<RunlaneSchedule> {
    return this.engine.pauseSchedule(id);
  }

  /** Resumes a paused schedule from now on; fire times that passed while paused are not made up. */
  resumeSchedule(id: string): Promise<RunlaneSchedule> {
    return this.engine.resumeSchedule(id);
  }

  /** One schedule with its next and last fire times. */
  getSchedule<TPayload = unknown>(id: string): Promise<RunlaneSchedule<TPayload>> {
    return this.engine.getSchedule(id);
  }

  /** Every schedule, code and runtime, enabled or not, with next and last fire times. */
  listSchedules(filter: { taskId?: string } = {}): Promise<RunlaneSchedule[]> {
    return this.engine.listSchedules(filter);
  }
}
