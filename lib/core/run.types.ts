/** The statuses of a run. `completed`, `failed` and `cancelled` are terminal. */
export type RunStatus =
  'queued' | 'running' | 'retrying' | 'released' | 'completed' | 'failed' | 'cancelled';

export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'retrying',
  'released',
  'completed',
  'failed',
  'cancelled',
];

export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** The event types of a run's history, in the vocabulary of the state machine. */
export type RunEventType =
  | 'created'
  | 'delivery_requested'
  | 'dispatched'
  | 'dispatch_failed'
  | 'claimed'
  | 'completed'
  | 'attempt_failed'
  | 'retry_scheduled'
  | 'released'
  | 'resumed'
  | 'lease_expired'
  | 'lease_lost'
  | 'cancel_requested'
  | 'cancelled'
  | 'failed'
  | 'retried'
  | 'replayed'
  | 'worker_shutdown';

/** What created a run. */
export type RunSource =
  | { type: 'trigger' }
  | { type: 'runNow' }
  | { type: 'schedule'; scheduleId: string; fireTime: string }
  | { type: 'replay'; runId: string };

/** Why an attempt or a run failed. */
export type RunErrorKind =
  'error' | 'non_retryable' | 'timeout' | 'lease_expired' | 'release_limit' | 'result_not_json';

/** The stored form of an error. */
export interface RunErrorInfo {
  kind: RunErrorKind;
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** The reason and data of a run's latest release. */
export interface RunReleaseInfo {
  reason: string | null;
  data: unknown;
  releasedAt: Date;
  availableAt: Date;
}

/** A snapshot of one run, as stored. */
export interface Run<TPayload = unknown, TResult = unknown> {
  id: string;
  taskId: string;
  queue: string;
  status: RunStatus;
  payload: TPayload;
  result: TResult | null;
  error: RunErrorInfo | null;
  /** Attempts started so far (claims). */
  attempts: number;
  /** Failed attempts counted against `maxAttempts`. Releases never count here. */
  failures: number;
  /** Times the task asked to continue later with `context.release()`. */
  releases: number;
  maxAttempts: number;
  priority: number;
  idempotencyKey: string | null;
  source: RunSource;
  lastRelease: RunReleaseInfo | null;
  availableAt: Date;
  leaseExpiresAt: Date | null;
  workerId: string | null;
  cancelRequestedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** One entry in a run's history. */
export interface RunEvent {
  id: string;
  runId: string;
  type: RunEventType;
  /** The attempt the event belongs to; 0 before the first claim. */
  attempt: number;
  at: Date;
  data: Record<string, unknown>;
}
