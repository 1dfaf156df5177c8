import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DeliveryOutcome } from './core/delivery.js';
import type { AttemptResult } from './core/executor.js';
import type { Run, RunEvent } from './core/run.types.js';
import type {
  RunlaneEngine,
  TickResult,
  TriggerBatchOptions,
  TriggerBatchResult,
  TriggerOptions,
  TriggerRunResult,
} from './core/runlane-engine.js';
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
      throw new Error('RunlaneService is not ready: call it after the application has initialized (app.init()).');
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
    return this.engine.trigger(task, payload, { ...rest, ...(manager ? { database: entityManagerDatabase(manager) } : {}) });
  }

  /** Creates N runs of one task in one statement; all payloads are validated first, all or nothing. */
  triggerBatch<TPayload, TResult>(
    task: TaskLike<TPayload, TResult>,
    payloads: NoInfer<TPayload>[],
    options: RunlaneTriggerBatchOptions = {},
  ): Promise<TriggerBatchResult<TPayload, TResult>> {
    const { manager, ...rest } = options;
    return this.engine.triggerBatch(task, payloads, { ...rest, ...(manager ? { database: entityManagerDatabase(manager) } : {}) });
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

  /** Recovers expired leases, publishes pending delivery requests and performs the other timekeeping duties once. */
  tick(): Promise<TickResult> {
    return this.engine.tick();
  }

  getRun<TPayload = unknown, TResult = unknown>(runId: string): Promise<Run<TPayload, TResult>> {
    return this.engine.getRun(runId) as Promise<Run<TPayload, TResult>>;
  }

  getRunEvents(runId: string): Promise<RunEvent[]> {
    return this.engine.getRunEvents(runId);
  }
}
