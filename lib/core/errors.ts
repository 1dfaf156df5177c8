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
        issues
          .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
          .join('; '),
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

/** The run is not in a status that allows the operation (e.g. retry of a completed run). Nothing changed. */
export class RunStateError extends RunlaneError {
  constructor(
    readonly runId: string,
    readonly status: string,
    operation: string,
    allowed: string,
  ) {
    super('RUNLANE_INVALID_RUN_STATE', messages.invalidRunState(runId, status, operation, allowed));
  }
}

/** `RunlaneService` was used before the application initialized (before `onModuleInit`). */
export class RunlaneNotReadyError extends RunlaneError {
  constructor() {
    super('RUNLANE_NOT_READY', messages.serviceNotReady());
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
  constructor(cause: unknown) {
    super('RUNLANE_STORAGE_UNAVAILABLE', messages.storageUnavailable(errorText(cause)), {
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

/** The abort reason given to `context.signal` when an operator cancels a running attempt. */
export class RunCancelledError extends RunlaneError {
  constructor(readonly runId: string) {
    super('RUNLANE_RUN_CANCELLED', messages.runCancelled(runId));
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
 * A schedule's options are invalid (timing, time zone, payload...); raised at boot or by
 * the schedules API. Nothing was stored. `issues` lists payload problems, if any.
 */
export class InvalidScheduleError extends RunlaneError {
  constructor(
    readonly taskId: string | null,
    readonly scheduleId: string,
    detail: string,
    readonly issues: PayloadIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(
      'RUNLANE_INVALID_SCHEDULE',
      messages.invalidSchedule(taskId, scheduleId, detail),
      options,
    );
  }
}

/** Two declared schedules share one id. */
export class DuplicateScheduleError extends RunlaneError {
  constructor(
    readonly scheduleId: string,
    where: string[],
  ) {
    super('RUNLANE_DUPLICATE_SCHEDULE', messages.duplicateSchedule(scheduleId, where));
  }
}

/** A schedule with this id exists already. */
export class ScheduleAlreadyExistsError extends RunlaneError {
  constructor(
    readonly scheduleId: string,
    message: string,
  ) {
    super('RUNLANE_SCHEDULE_EXISTS', message);
  }
}

/** No schedule with this id exists. */
export class ScheduleNotFoundError extends RunlaneError {
  constructor(readonly scheduleId: string) {
    super('RUNLANE_SCHEDULE_NOT_FOUND', messages.scheduleNotFound(scheduleId));
  }
}

/** The schedules API was asked to update or delete a schedule that code declares. */
export class ScheduleDeclaredInCodeError extends RunlaneError {
  constructor(
    readonly scheduleId: string,
    operation: 'update' | 'delete',
  ) {
    super(
      'RUNLANE_SCHEDULE_DECLARED_IN_CODE',
      messages.scheduleDeclaredInCode(scheduleId, operation === 'update' ? 'change' : 'remove'),
    );
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
    super(
      reason === 'malformed' ? 'RUNLANE_DELIVERY_MALFORMED' : 'RUNLANE_DELIVERY_FORGED',
      message,
    );
  }
}

/** A transport could not publish wakeups (broker unreachable, publish not confirmed). Retryable. */
export class TransportUnavailableError extends RunlaneError {
  readonly retryable = true;
  constructor(
    readonly transport: string,
    cause: unknown,
  ) {
    super(
      'RUNLANE_TRANSPORT_UNAVAILABLE',
      messages.transportUnavailable(transport, errorText(cause)),
      { cause },
    );
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection is not established/i,
  /the database system is (starting up|shutting down)/i,
  /terminating connection/i,
];

/**
 * Whether an error from PostgreSQL or its driver means "could not reach the database
 * right now" (connection refused or lost, server restarting, serialization conflict)
 * rather than a problem with the statement. Such operations may be retried.
 */
export function isTransientStorageError(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code))
  ) {
    return true;
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause && cause !== error && isTransientStorageError(cause)) return true;
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}
