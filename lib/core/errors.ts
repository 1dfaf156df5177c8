import { messages } from './runlane.messages.js';

/** The base of every error Runlane throws. `code` is stable and safe to match on. */
export class RunlaneError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found while validating a payload. */
export interface PayloadIssue {
  /** Dotted path to the offending field; empty for the payload itself. */
  path: string;
  message: string;
}

/** The payload failed its task's schema. Nothing was persisted. */
export class PayloadValidationError extends RunlaneError {
  constructor(
    readonly taskId: string,
    readonly issues: PayloadIssue[],
  ) {
    super(
      'RUNLANE_PAYLOAD_INVALID',
      messages.payloadInvalid(
        taskId,
        issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; '),
      ),
    );
  }
}

/** The payload cannot be stored as JSON (BigInt, circular reference, function...). */
export class PayloadNotJsonError extends RunlaneError {
  constructor(
    readonly taskId: string,
    detail: string,
  ) {
    super('RUNLANE_PAYLOAD_NOT_JSON', messages.payloadNotJson(taskId, detail));
  }
}

/** The serialized payload is larger than `payloadSizeLimit`. */
export class PayloadTooLargeError extends RunlaneError {
  constructor(
    readonly taskId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super('RUNLANE_PAYLOAD_TOO_LARGE', messages.payloadTooLarge(taskId, bytes, limit));
  }
}

/** No task with this id is registered in this process. */
export class UnknownTaskError extends RunlaneError {
  constructor(readonly taskId: string) {
    super('RUNLANE_UNKNOWN_TASK', messages.unknownTask(taskId));
  }
}

/** A task definition or an option is invalid; raised at boot or at the call site. */
export class InvalidOptionError extends RunlaneError {
  constructor(message: string) {
    super('RUNLANE_INVALID_OPTION', message);
  }
}

/** Two tasks share one id. */
export class DuplicateTaskError extends RunlaneError {
  constructor(
    readonly taskId: string,
    where: string[],
  ) {
    super('RUNLANE_DUPLICATE_TASK', messages.duplicateTask(taskId, where));
  }
}

/** A run id that is not of the form Runlane issues. */
export class InvalidRunIdError extends RunlaneError {
  constructor(readonly runId: unknown) {
    super('RUNLANE_INVALID_RUN_ID', messages.invalidRunId(runId));
  }
}

/** No run with this id exists. */
export class RunNotFoundError extends RunlaneError {
  constructor(readonly runId: string) {
    super('RUNLANE_RUN_NOT_FOUND', messages.runNotFound(runId));
  }
}

/** Runlane's tables are not in the database. */
export class TablesMissingError extends RunlaneError {
  constructor(readonly missing: string[]) {
    super('RUNLANE_TABLES_MISSING', messages.tablesMissing(missing));
  }
}

/** PostgreSQL could not be reached. Nothing was half-written; the call can be retried. */
export class StorageUnavailableError extends RunlaneError {
  readonly retryable = true;
  constructor(operation: string, cause: unknown) {
    super('RUNLANE_STORAGE_UNAVAILABLE', messages.storageUnavailable(operation, errorText(cause)), {
      cause,
    });
  }
}

/**
 * Throw from a task to fail the run at once, without further attempts.
 *
 * @example throw new NonRetryableError('customer account was deleted')
 */
export class NonRetryableError extends RunlaneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNLANE_NON_RETRYABLE', message, options);
  }
}

/** The attempt ran past the task's `timeout`; its `context.signal` was aborted. */
export class TaskTimeoutError extends RunlaneError {
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
  ) {
    super('RUNLANE_TASK_TIMEOUT', messages.taskTimedOut(taskId, timeoutMs));
  }
}

/** The abort reason given to `context.signal` when the worker stops before the attempt ends. */
export class WorkerStoppedError extends RunlaneError {
  constructor() {
    super('RUNLANE_WORKER_STOPPED', messages.workerStopped());
  }
}

/** The abort reason given to `context.signal` when the worker no longer holds the run's lease. */
export class LeaseLostError extends RunlaneError {
  constructor(
    readonly runId: string,
    readonly attempt: number,
  ) {
    super('RUNLANE_LEASE_LOST', messages.leaseExpired(runId, attempt));
  }
}

/**
 * A delivered wakeup that Runlane refuses: `malformed` (not a wakeup message) or `forged`
 * (it names a delivery request that was never issued for that run). Nothing was changed;
 * transports dead-letter such messages instead of redelivering them.
 */
export class InvalidDeliveryError extends RunlaneError {
  constructor(
    readonly reason: 'malformed' | 'forged',
    message: string,
  ) {
    super(reason === 'malformed' ? 'RUNLANE_DELIVERY_MALFORMED' : 'RUNLANE_DELIVERY_FORGED', message);
  }
}

/** A transport could not publish wakeups (broker unreachable, publish not confirmed). Retryable. */
export class TransportUnavailableError extends RunlaneError {
  readonly retryable = true;
  constructor(
    readonly transport: string,
    cause: unknown,
  ) {
    super('RUNLANE_TRANSPORT_UNAVAILABLE', messages.transportUnavailable(transport, errorText(cause)), { cause });
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
