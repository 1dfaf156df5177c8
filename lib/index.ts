export { RunlaneModule } from './runlane.module.js';
export { RunlaneService } from './runlane.service.js';
export type { RunlaneTriggerOptions, RunlaneTriggerBatchOptions } from './runlane.service.js';
export type { RunlaneModuleOptions } from './interfaces/runlane-module-options.interface.js';
export type { RunlaneModuleExtras } from './runlane.module-definition.js';
export { Task } from './decorators/task.decorator.js';
export { Schedule } from './decorators/schedule.decorator.js';
export type {
  CreateScheduleInput,
  CronScheduleOptions,
  IntervalScheduleOptions,
  OneTimeScheduleOptions,
  RunlaneSchedule,
  ScheduleKind,
  ScheduleOptions,
  UpdateScheduleInput,
} from './core/schedule.types.js';
export type { ReconcileResult } from './core/schedule-manager.js';
export { defineTask, task } from './core/task.types.js';
export type {
  BackoffOptions,
  ClassSchema,
  PayloadInput,
  PayloadOutput,
  PayloadSchema,
  ReleaseOptions,
  ReleasePolicyOptions,
  RetryPolicyOptions,
  TaskContext,
  TaskDeclaration,
  TaskDefinition,
  TaskLike,
  TaskOptions,
  TaskRef,
  TaskRelease,
} from './core/task.types.js';
export type {
  Run,
  RunErrorInfo,
  RunErrorKind,
  RunEvent,
  RunEventType,
  RunReleaseInfo,
  RunSource,
  RunStatus,
} from './core/run.types.js';
export { RUN_STATUSES, TERMINAL_STATUSES } from './core/run.types.js';
export type { AttemptOutcome, AttemptResult } from './core/executor.js';
export type {
  CancelResult,
  DispatchResult,
  ListRunsOptions,
  ListRunsResult,
  QueueOptions,
  RunlaneStats,
  RunlaneEngineOptions,
  TickResult,
  TriggerBatchOptions,
  TriggerBatchResult,
  TriggerOptions,
  TriggerRunResult,
} from './core/runlane-engine.js';
export { RunlaneEngine } from './core/runlane-engine.js';
export type { WorkerHandle, WorkerOptions } from './core/worker.js';
export type { QueueState } from './core/run-store.js';
export type {
  DeliveryOutcome,
  DeliverySkipReason,
  DispatchPolicy,
  OutboxOptions,
  RunlaneWakeup,
} from './core/delivery.js';
export type {
  RunlaneTransport,
  RunlaneTransportMode,
  RunlaneWakeupHandler,
} from './transports/transport.interface.js';
export {
  PostgresTransport,
  type PostgresTransportOptions,
} from './transports/postgres.transport.js';
export { AmqpTransport, type AmqpTransportOptions } from './transports/amqp.transport.js';
export { NoneTransport } from './transports/none.transport.js';
export type { RunlaneTransportOption } from './transports/data-source-transport.util.js';
export type { Duration } from './core/duration.js';
export type { RunlaneDatabase } from './core/database.js';
export type { RunlaneLogger } from './core/logger.js';
export { databaseClock, ManualClock, type RunlaneClock } from './core/clock.js';
export { resolveTask, type RegisteredTask } from './core/task-registry.js';
export {
  DuplicateScheduleError,
  DuplicateTaskError,
  InvalidScheduleError,
  ScheduleAlreadyExistsError,
  ScheduleDeclaredInCodeError,
  ScheduleNotFoundError,
  InvalidDeliveryError,
  InvalidOptionError,
  InvalidRunIdError,
  LeaseLostError,
  NonRetryableError,
  PayloadNotJsonError,
  PayloadTooLargeError,
  PayloadValidationError,
  RunlaneError,
  RunCancelledError,
  RunlaneNotReadyError,
  RunNotFoundError,
  RunStateError,
  StorageUnavailableError,
  TablesMissingError,
  TaskTimeoutError,
  TransportUnavailableError,
  UnknownTaskError,
  WorkerStoppedError,
  type PayloadIssue,
} from './core/errors.js';
export { dataSourceDatabase, entityManagerDatabase } from './typeorm-database.js';
export { runlaneEntities } from './entities/index.js';
export {
  RunlaneOutboxEntity,
  RunlaneQueueEntity,
  RunlaneRunEntity,
  RunlaneRunEventEntity,
  RunlaneScheduleEntity,
} from './entities/index.js';
export { runlaneMigrations, RunlaneInit1733400000000 } from './migrations/index.js';
