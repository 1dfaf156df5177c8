/**
 * Every user-facing error text, written once. Each message names the task, run or
 * option concerned so that a log line alone says what to fix.
 */
export const messages = {
  unknownTask: (taskId: string) =>
    `Runlane task "${taskId}" is not registered. Declare it with @Task() on a provider method or pass it to RunlaneModule.forRoot({ tasks }).`,
  duplicateTask: (taskId: string, where: string[]) =>
    `Runlane task "${taskId}" is declared more than once (${where.join(', ')}). Task ids must be unique.`,
  invalidTaskId: (taskId: unknown) =>
    `Runlane task id ${JSON.stringify(taskId)} is invalid: use 1-200 characters of letters, digits, ".", "_", ":" or "-".`,
  invalidTaskOption: (taskId: string, option: string, detail: string) =>
    `Runlane task "${taskId}": option "${option}" ${detail}.`,
  requestScopedTask: (taskId: string, provider: string) =>
    `Runlane task "${taskId}" is declared on ${provider}, which is request-scoped or transient. Tasks run outside any request: declare them on a singleton provider.`,
  invalidDuration: (where: string, value: unknown) =>
    `${where}: ${JSON.stringify(value)} is not a valid duration. Use a non-negative number of milliseconds or a string such as "500ms", "30s", "5m", "2h" or "7d".`,
  invalidOption: (where: string, detail: string) => `${where} ${detail}.`,
  payloadInvalid: (taskId: string, summary: string) =>
    `Payload for Runlane task "${taskId}" is invalid: ${summary}`,
  payloadNotJson: (taskId: string, detail: string) =>
    `Payload for Runlane task "${taskId}" is not JSON-serializable: ${detail}`,
  payloadTooLarge: (taskId: string, bytes: number, limit: number) =>
    `Payload for Runlane task "${taskId}" is ${bytes} bytes, over the limit of ${limit} bytes.`,
  invalidRunId: (runId: unknown) =>
    `Run id ${JSON.stringify(runId)} is malformed: run ids are positive integers given as strings.`,
  runNotFound: (runId: string) => `Run ${runId} does not exist.`,
  tablesMissing: (missing: string[]) =>
    `Runlane tables are missing: ${missing.join(', ')}. Add Runlane's migrations to your DataSource (import { runlaneMigrations } from '@runlane/nestjs') and run them, or enable TypeORM "synchronize" in development.`,
  taskTimedOut: (taskId: string, timeoutMs: number) =>
    `Runlane task "${taskId}" timed out after ${timeoutMs}ms.`,
  resultNotJson: (taskId: string, detail: string) =>
    `Runlane task "${taskId}" returned a value that is not JSON-serializable: ${detail}`,
  leaseExpired: (runId: string, attempt: number) =>
    `The lease of run ${runId} (attempt ${attempt}) expired before the attempt recorded an outcome.`,
  workerStopped: () => 'The worker stopped before the attempt finished.',
  storageUnavailable: (operation: string, cause: string) =>
    `Runlane could not reach PostgreSQL during ${operation}: ${cause}. The operation can be retried.`,
  deliveryMalformed: (detail: string) =>
    `Runlane delivery message is malformed: ${detail}. A wakeup is JSON of the form {"runId": "<id>", "deliveryId": "<id>"}; nothing was changed.`,
  deliveryForged: (runId: string, deliveryId: string) =>
    `Runlane delivery message names delivery request ${deliveryId} for run ${runId}, but no such delivery request was issued for that run; nothing was changed.`,
  transportUnavailable: (transport: string, detail: string) =>
    `Runlane transport "${transport}" could not publish: ${detail}. The delivery requests stay pending and tick() publishes them later.`,
  transportClosed: (transport: string) => `Runlane transport "${transport}" is closed.`,
  amqplibMissing: (detail: string) =>
    `The AMQP transport needs the "amqplib" package: npm install amqplib (${detail}).`,
};
