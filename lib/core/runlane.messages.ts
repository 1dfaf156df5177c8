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
  invalidRunState: (runId: string, status: string, operation: string, allowed: string) =>
    `Run ${runId} is ${status}: ${operation}() applies only to ${allowed} runs. Nothing was changed.`,
  tablesMissing: (missing: string[]) =>
    `Runlane tables are missing: ${missing.join(', ')}. Add Runlane's migrations to your DataSource (import { runlaneMigrations } from '@runlane/nestjs') and run them, or enable TypeORM "synchronize" in development.`,
  taskTimedOut: (taskId: string, timeoutMs: number) =>
    `Runlane task "${taskId}" timed out after ${timeoutMs}ms.`,
  resultNotJson: (taskId: string, detail: string) =>
    `Runlane task "${taskId}" returned a value that is not JSON-serializable: ${detail}`,
  leaseExpired: (runId: string, attempt: number) =>
    `The lease of run ${runId} (attempt ${attempt}) expired before the attempt recorded an outcome.`,
  serviceNotReady: () =>
    'RunlaneService is not ready: call it after the application has initialized (app.init() or app.listen()).',
  runCancelled: (runId: string) => `Run ${runId} was cancelled while its attempt was running.`,
  workerStopped: () => 'The worker stopped before the attempt finished.',
  storageUnavailable: (cause: string) =>
    `Runlane could not reach PostgreSQL (${cause}); nothing was written unless the connection was lost while committing. The call can be retried (with an idempotency key, safely).`,
  invalidSchedule: (taskId: string | null, scheduleId: string, detail: string) =>
    `${taskId === null ? 'Runlane ' : `Runlane task "${taskId}", `}schedule ${JSON.stringify(scheduleId)}: ${detail}.`,
  scheduleTimingMissing: () => 'needs one of "cron", "every" or "at"',
  scheduleTimingTwice: (kinds: string[]) =>
    `takes one of "cron", "every" or "at", not ${kinds.map((kind) => `"${kind}"`).join(' and ')}`,
  scheduleOptionMisplaced: (option: string, kind: string) =>
    `option "${option}" applies to ${kind} schedules only`,
  scheduleUnknownOptions: (options: string[]) =>
    `has unknown option(s) ${options.map((option) => `"${option}"`).join(', ')}; a schedule takes id, cron, timeZone, every, anchor, at and payload`,
  scheduleInvalidId: (value: unknown) =>
    `the id must be 1-200 characters of letters, digits, ".", "_", ":" or "-", got ${JSON.stringify(value)}`,
  scheduleInvalidTimeZone: (value: unknown) =>
    `option "timeZone" ${JSON.stringify(value)} is not a known IANA time zone (such as "America/New_York" or "UTC")`,
  scheduleInvalidCron: (value: unknown, reason: string) =>
    `option "cron" ${JSON.stringify(value)} is not a valid cron pattern of 5 or 6 fields (${reason})`,
  scheduleCronNeverFires: (value: string) =>
    `option "cron" ${JSON.stringify(value)} matches no date and would never fire`,
  scheduleInvalidInterval: (value: unknown) =>
    `option "every" must be a duration greater than zero, such as "10s" or "15m", got ${JSON.stringify(value)}`,
  scheduleInvalidInstant: (option: string, value: unknown) =>
    `option "${option}" must be a Date or an ISO 8601 string with "Z" or a UTC offset (such as "2025-06-01T09:00:00Z"), got ${JSON.stringify(value)}`,
  schedulePayloadInvalid: (summary: string) => `its payload fails the task's schema: ${summary}`,
  duplicateSchedule: (scheduleId: string, where: string[]) =>
    `Runlane schedule "${scheduleId}" is declared more than once (${where.join(', ')}). Schedule ids must be unique.`,
  scheduleExists: (scheduleId: string, origin: string) =>
    `Runlane schedule "${scheduleId}" already exists (${origin === 'code' ? 'declared in code' : 'created at run time'}). Use another id, or updateSchedule().`,
  scheduleIdTakenAtRuntime: (taskId: string, scheduleId: string) =>
    `Runlane task "${taskId}", schedule "${scheduleId}": the id is taken by a schedule created at run time. Delete that one (deleteSchedule("${scheduleId}")) or rename the declared schedule.`,
  scheduleNotFound: (scheduleId: string) =>
    `Runlane schedule ${JSON.stringify(scheduleId)} does not exist.`,
  scheduleDeclaredInCode: (scheduleId: string, operation: string) =>
    `Runlane schedule "${scheduleId}" is declared in code: ${operation} it in code, where its declaration wins at every boot. pauseSchedule() and resumeSchedule() work on any schedule.`,
  scheduleWithoutTask: (method: string) =>
    `@Schedule() on ${method} needs @Task() on the same method.`,
  scheduleDisabled: (scheduleId: string, taskId: string) =>
    `Schedule "${scheduleId}" (task "${taskId}") is no longer declared in code: disabled, history kept. Declare it again to re-enable it.`,
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
