import { parseDuration } from './duration.js';
import { DuplicateTaskError, InvalidOptionError, UnknownTaskError } from './errors.js';
import { isPayloadSchema } from './payload.js';
import { resolveRetryPolicy, type RetryPolicy } from './retry-policy.js';
import { messages } from './runlane.messages.js';
import type { ScheduleOptions } from './schedule.types.js';
import type {
  PayloadSchema,
  ReleasePolicyOptions,
  RetryPolicyOptions,
  TaskContext,
  TaskLike,
  TaskOptions,
} from './task.types.js';

/** The code a task runs: `(payload, context) => result`. */
export type TaskHandler = (payload: any, context: TaskContext) => unknown;

/** A task as the engine sees it: options resolved, durations parsed, code attached. */
export interface RegisteredTask {
  id: string;
  queue: string;
  priority: number;
  schema: PayloadSchema | undefined;
  retry: RetryPolicy;
  release: { maxReleases: number; maxWaitMs: number };
  timeoutMs: number | null;
  handler: TaskHandler;
  /** Where the task was declared, for error messages (e.g. `EmailTasks.sendWelcome`). */
  declaredAt: string;
  /** Schedules declared in code; checked and stored by boot reconciliation. */
  schedules?: ScheduleOptions[];
}

/** Engine-wide defaults a task's own options override. */
export interface TaskDefaults {
  queue?: string;
  retry?: RetryPolicyOptions;
  release?: ReleasePolicyOptions;
  timeout?: string | number;
}

export const DEFAULT_RELEASE = { maxReleases: 1000, maxWait: '30d' } as const;

const NAME_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

export function assertName(value: unknown, where: string, what: string): asserts value is string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new InvalidOptionError(
      messages.invalidOption(
        where,
        `${what} must be 1-200 characters of letters, digits, ".", "_", ":" or "-", got ${JSON.stringify(value)}`,
      ),
    );
  }
}

/** Resolves and checks one task's options; every error names the task. */
export function resolveTask(
  options: TaskOptions,
  handler: TaskHandler,
  declaredAt: string,
  defaults: TaskDefaults = {},
): RegisteredTask {
  if (typeof options?.id !== 'string' || !NAME_PATTERN.test(options.id)) {
    throw new InvalidOptionError(
      `${messages.invalidTaskId(options?.id)} (declared at ${declaredAt})`,
    );
  }
  const where = `Runlane task "${options.id}"`;
  const queue = options.queue ?? defaults.queue ?? 'default';
  assertName(queue, `${where}: option "queue"`, 'a queue name');
  const priority = options.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
    throw new InvalidOptionError(
      messages.invalidTaskOption(
        options.id,
        'priority',
        `must be an integer from -1000000 to 1000000, got ${JSON.stringify(priority)}`,
      ),
    );
  }
  if (options.schema !== undefined && !isPayloadSchema(options.schema)) {
    throw new InvalidOptionError(
      messages.invalidTaskOption(
        options.id,
        'schema',
        'must be a class-validator DTO class or a Standard Schema object (zod, valibot, arktype)',
      ),
    );
  }
  if (typeof handler !== 'function') {
    throw new InvalidOptionError(
      messages.invalidTaskOption(options.id, 'run', 'must be a function'),
    );
  }
  const timeout = options.timeout ?? defaults.timeout;
  const timeoutMs =
    timeout === undefined ? null : parseDuration(timeout, `${where}: option "timeout"`);
  if (timeoutMs === 0) {
    throw new InvalidOptionError(
      messages.invalidTaskOption(options.id, 'timeout', 'must be greater than zero'),
    );
  }
  const release = { ...DEFAULT_RELEASE, ...defaults.release, ...options.release };
  if (!Number.isInteger(release.maxReleases) || release.maxReleases < 0) {
    throw new InvalidOptionError(
      messages.invalidTaskOption(
        options.id,
        'release.maxReleases',
        `must be a non-negative integer, got ${JSON.stringify(release.maxReleases)}`,
      ),
    );
  }
  return {
    id: options.id,
    queue,
    priority,
    schema: options.schema,
    retry: resolveRetryPolicy(where, options.retry, defaults.retry),
    release: {
      maxReleases: release.maxReleases,
      maxWaitMs: parseDuration(
        release.maxWait ?? DEFAULT_RELEASE.maxWait,
        `${where}: option "release.maxWait"`,
      ),
    },
    timeoutMs,
    handler,
    declaredAt,
    schedules:
      options.schedule === undefined
        ? []
        : ([] as ScheduleOptions[]).concat(options.schedule as ScheduleOptions | ScheduleOptions[]),
  };
}

/** The set of tasks one runtime knows. */
export class TaskRegistry {
  private readonly tasks = new Map<string, RegisteredTask>();

  constructor(tasks: Iterable<RegisteredTask> = []) {
    for (const task of tasks) this.add(task);
  }

  add(task: RegisteredTask): void {
    const existing = this.tasks.get(task.id);
    if (existing) throw new DuplicateTaskError(task.id, [existing.declaredAt, task.declaredAt]);
    this.tasks.set(task.id, task);
  }

  get(task: TaskLike<any, any>): RegisteredTask {
    const id = typeof task === 'string' ? task : task?.id;
    const found = typeof id === 'string' ? this.tasks.get(id) : undefined;
    if (!found) throw new UnknownTaskError(String(id));
    return found;
  }

  find(taskId: string): RegisteredTask | undefined {
    return this.tasks.get(taskId);
  }

  ids(): string[] {
    return [...this.tasks.keys()];
  }

  /** The queues of the registered tasks: what a worker serves by default. */
  queues(): string[] {
    return [...new Set([...this.tasks.values()].map((task) => task.queue))];
  }

  all(): RegisteredTask[] {
    return [...this.tasks.values()];
  }
}
