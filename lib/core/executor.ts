import { exponentialBackoff } from './backoff.js';
import { Completer } from './completer.js';
import { ActiveAttempt } from './active-attempt.js';
import type { RunlaneClock } from './clock.js';
import { parseDuration } from './duration.js';
import {
  errorText,
  InvalidOptionError,
  isTransientStorageError,
  NonRetryableError,
  RunCancelledError,
  TaskTimeoutError,
  WorkerStoppedError,
} from './errors.js';
import type { RunlaneLogger } from './logger.js';
import { decodePayload, toJson } from './payload.js';
import { backoffDelay, isRetryable } from './retry-policy.js';
import type { Run, RunErrorInfo, RunErrorKind, RunStatus } from './run.types.js';
import type { OutcomeInput, RunStore } from './run-store.js';
import { messages } from './runlane.messages.js';
import type { RegisteredTask, TaskRegistry } from './task-registry.js';
import { createRelease, isTaskRelease, type TaskContext, type TaskRelease } from './task.types.js';

/** What one attempt ended as. */
export type AttemptOutcome =
  | 'completed'
  | 'retry_scheduled'
  | 'released'
  | 'failed'
  | 'cancelled'
  | 'handed_back'
  | 'lease_lost';

/** The result of executing one attempt of a run. */
export interface AttemptResult {
  runId: string;
  taskId: string;
  attempt: number;
  outcome: AttemptOutcome;
  /** The run's status after the attempt; `null` when the lease was lost and nothing was written. */
  status: RunStatus | null;
  result?: unknown;
  error?: RunErrorInfo;
}

/** Runs one attempt of a claimed run and records its outcome, fenced by the lease. */
export class Executor {
  private readonly completer: Completer;

  constructor(
    private readonly store: RunStore,
    private readonly registry: TaskRegistry,
    private readonly clock: RunlaneClock,
    private readonly logger: RunlaneLogger,
    private readonly workerId: string,
  ) {
    this.completer = new Completer(store);
  }

  async execute(attempt: ActiveAttempt): Promise<AttemptResult> {
    const { run } = attempt;
    const task = this.registry.get(run.taskId);
    const settled = await this.runTask(task, attempt);
    attempt.onTaskSettled?.();
    const outcome = this.decide(task, run, settled);
    const recorded = await this.record(attempt, outcome.write);
    if (!recorded.recorded) {
      this.logger.warn(
        `Run ${run.id} (${run.taskId}) attempt ${run.attempts}: lease lost; outcome discarded`,
      );
      return this.result(run, 'lease_lost', null, outcome.error);
    }
    const status = recorded.status!;
    const final: AttemptOutcome = status === 'cancelled' ? 'cancelled' : outcome.outcome;
    this.log(run, final, outcome);
    return this.result(
      run,
      final,
      status,
      outcome.error,
      final === 'completed' ? outcome.value : undefined,
    );
  }

  /**
   * Writes an outcome. While the database is unreachable, keeps trying with backoff for as
   * long as the lease could still be valid; after that the lease expires and the run is
   * recovered by the normal lease rules.
   */
  private async record(attempt: ActiveAttempt, write: OutcomeInput) {
    for (let failures = 0; ; failures++) {
      try {
        return await this.completer.record(write);
      } catch (error) {
        const delay = exponentialBackoff(failures, 100, 5_000);
        if (!isTransientStorageError(error) || Date.now() + delay > attempt.leaseValidUntil)
          throw error;
        this.logger.warn(
          `Run ${write.runId} attempt ${write.attempt}: database unreachable, retrying the outcome in ${delay}ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async runTask(
    task: RegisteredTask,
    attempt: ActiveAttempt,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    const { run, signal } = attempt;
    const timer =
      task.timeoutMs === null
        ? undefined
        : setTimeout(
            () => attempt.abort(new TaskTimeoutError(task.id, task.timeoutMs!)),
            task.timeoutMs,
          );
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const payload = await decodePayload(task.schema, run.payload);
      const context = this.context(task, attempt);
      const value = await Promise.race([
        Promise.resolve().then(() => task.handler(payload, context)),
        aborted,
      ]);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort!);
      aborted.catch(() => undefined);
    }
  }

  private context(task: RegisteredTask, attempt: ActiveAttempt): TaskContext {
    const { run } = attempt;
    return {
      runId: run.id,
      taskId: run.taskId,
      attempt: run.attempts,
      failures: run.failures,
      releases: run.releases,
      lastRelease: run.lastRelease
        ? { reason: run.lastRelease.reason, data: run.lastRelease.data }
        : null,
      signal: attempt.signal,
      logger: this.logger,
      release: (delay, options) => {
        if (!(delay instanceof Date))
          parseDuration(delay, `Runlane task "${task.id}": context.release() delay`);
        else if (Number.isNaN(delay.getTime())) {
          throw new InvalidOptionError(
            messages.invalidDuration(`Runlane task "${task.id}": context.release() date`, delay),
          );
        }
        return createRelease(delay, options);
      },
    };
  }

  private decide(
    task: RegisteredTask,
    run: Run,
    settled: { ok: true; value: unknown } | { ok: false; error: unknown },
  ): {
    outcome: AttemptOutcome;
    write: OutcomeInput;
    error?: RunErrorInfo;
    value?: unknown;
    delayMs?: number;
  } {
    if (!settled.ok) {
      if (settled.error instanceof WorkerStoppedError) {
        return { outcome: 'handed_back', write: this.handBackWrite(run) };
      }
      return this.failure(task, run, settled.error);
    }
    if (isTaskRelease(settled.value)) return this.release(task, run, settled.value);
    let json: string;
    try {
      json = toJson(settled.value);
    } catch (error) {
      const info = toErrorInfo(
        new NonRetryableError(messages.resultNotJson(task.id, errorText(error))),
        'result_not_json',
      );
      return this.failWrite(run, info);
    }
    return {
      outcome: 'completed',
      value: settled.value === undefined ? null : JSON.parse(json),
      write: {
        runId: run.id,
        attempt: run.attempts,
        status: 'completed',
        result: json,
        events: [{ type: 'completed', data: {} }],
        workerId: this.workerId,
      },
    };
  }

  private failure(task: RegisteredTask, run: Run, error: unknown) {
    const kind: RunErrorKind =
      error instanceof TaskTimeoutError
        ? 'timeout'
        : error instanceof NonRetryableError || !isRetryable(task.retry, error)
          ? 'non_retryable'
          : 'error';
    const info = toErrorInfo(error, kind);
    const failures = run.failures + 1;
    const retry =
      kind !== 'non_retryable' &&
      !(error instanceof RunCancelledError) &&
      failures < run.maxAttempts;
    if (!retry) return this.failWrite(run, info);
    const delayMs = backoffDelay(task.retry, failures);
    return {
      outcome: 'retry_scheduled' as const,
      error: info,
      delayMs,
      write: {
        runId: run.id,
        attempt: run.attempts,
        status: 'retrying' as const,
        error: info,
        failuresIncrement: 1,
        delayMs,
        events: [
          { type: 'attempt_failed' as const, data: { error: eventError(info) } },
          { type: 'retry_scheduled' as const, data: { delayMs } },
        ],
        workerId: this.workerId,
      },
    };
  }

  private failWrite(run: Run, info: RunErrorInfo) {
    return {
      outcome: 'failed' as const,
      error: info,
      write: {
        runId: run.id,
        attempt: run.attempts,
        status: 'failed' as const,
        error: info,
        failuresIncrement: 1,
        events: [
          { type: 'attempt_failed' as const, data: { error: eventError(info) } },
          { type: 'failed' as const, data: { kind: info.kind, message: info.message } },
        ],
        workerId: this.workerId,
      },
    };
  }

  private release(task: RegisteredTask, run: Run, release: TaskRelease) {
    const now = (this.clock.now() ?? new Date()).getTime();
    const delayMs =
      release.delay instanceof Date
        ? Math.max(0, release.delay.getTime() - now)
        : parseDuration(release.delay, `Runlane task "${task.id}": context.release() delay`);
    const releases = run.releases + 1;
    const limit =
      releases > task.release.maxReleases
        ? { limit: 'maxReleases', value: task.release.maxReleases }
        : now + delayMs - run.createdAt.getTime() > task.release.maxWaitMs
          ? { limit: 'maxWait', value: task.release.maxWaitMs }
          : null;
    if (limit) {
      const info: RunErrorInfo = {
        kind: 'release_limit',
        name: 'ReleaseLimitError',
        message: `Run ${run.id} of task "${task.id}" reached its release limit ${limit.limit} (${limit.value}).`,
      };
      return {
        outcome: 'failed' as const,
        error: info,
        write: {
          runId: run.id,
          attempt: run.attempts,
          status: 'failed' as const,
          error: info,
          events: [
            {
              type: 'failed' as const,
              data: { kind: 'release_limit', ...limit, reason: release.reason },
            },
          ],
          workerId: this.workerId,
        },
      };
    }
    return {
      outcome: 'released' as const,
      delayMs,
      write: {
        runId: run.id,
        attempt: run.attempts,
        status: 'released' as const,
        releasesIncrement: 1,
        lastRelease: { reason: release.reason, data: release.data },
        delayMs,
        events: [
          {
            type: 'released' as const,
            data: { reason: release.reason, data: release.data, delayMs },
          },
        ],
        workerId: this.workerId,
      },
    };
  }

  private handBackWrite(run: Run): OutcomeInput {
    return {
      runId: run.id,
      attempt: run.attempts,
      status: 'queued',
      delayMs: 0,
      events: [{ type: 'worker_shutdown', data: { workerId: this.workerId } }],
      workerId: this.workerId,
    };
  }

  private log(
    run: Run,
    outcome: AttemptOutcome,
    decided: { error?: RunErrorInfo; delayMs?: number },
  ): void {
    const what = `Run ${run.id} (${run.taskId}) attempt ${run.attempts}`;
    switch (outcome) {
      case 'completed':
      case 'handed_back':
      case 'cancelled':
        this.logger.debug(`${what}: ${outcome}`);
        break;
      case 'released':
        this.logger.debug(`${what}: released for ${decided.delayMs}ms`);
        break;
      case 'retry_scheduled':
        this.logger.warn(
          `${what} failed, retrying in ${decided.delayMs}ms: ${decided.error?.message}`,
        );
        break;
      case 'failed':
        this.logger.error(`${what} failed (${decided.error?.kind}): ${decided.error?.message}`);
        break;
    }
  }

  private result(
    run: Run,
    outcome: AttemptOutcome,
    status: RunStatus | null,
    error?: RunErrorInfo,
    value?: unknown,
  ): AttemptResult {
    return {
      runId: run.id,
      taskId: run.taskId,
      attempt: run.attempts,
      outcome,
      status,
      ...(error ? { error } : {}),
      ...(outcome === 'completed' ? { result: value } : {}),
    };
  }
}

export function toErrorInfo(error: unknown, kind: RunErrorKind): RunErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      kind,
      name: error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { kind, name: 'Error', message: errorText(error) };
}

function eventError(info: RunErrorInfo) {
  return { kind: info.kind, name: info.name, message: info.message };
}
