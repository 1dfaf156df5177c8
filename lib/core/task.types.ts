import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Duration } from './duration.js';
import type { RunlaneLogger } from './logger.js';
import type { ScheduleOptions } from './schedule.types.js';

/** A class-validator DTO class. */
export type ClassSchema<T = object> = new (...args: any[]) => T;

/** What a task may use as `schema`: a class-validator DTO class or any Standard Schema v1 object (zod, valibot, arktype). */
export type PayloadSchema = ClassSchema | StandardSchemaV1;

/** The payload a caller passes to `trigger()` for a schema. */
export type PayloadInput<S> =
  S extends StandardSchemaV1<infer I, any> ? I : S extends ClassSchema<infer T> ? T : unknown;

/** The payload a task receives for a schema (a DTO instance for class schemas). */
export type PayloadOutput<S> =
  S extends StandardSchemaV1<any, infer O> ? O : S extends ClassSchema<infer T> ? T : unknown;

/** When an attempt fails, how long to wait before the next one. */
export interface BackoffOptions {
  /** `'exponential'` (default) multiplies the delay by `factor` each failure; `'fixed'` keeps it. */
  type?: 'exponential' | 'fixed';
  /** The first delay. Default `'1s'`. */
  delay?: Duration;
  /** Growth per failure for exponential backoff. Default `2`. */
  factor?: number;
  /** Upper bound of any delay. Default `'1h'`. */
  maxDelay?: Duration;
  /** Randomizes each delay by up to this fraction (0-1), spreading retries. Default `0.2`. */
  jitter?: number;
}

/** How a task's failed attempts are retried. */
export interface RetryPolicyOptions {
  /** Attempts that may fail before the run fails; `1` means no retry. Default `3`. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** Return `false` for an error that must not be retried. `NonRetryableError` never is. */
  retryable?: (error: unknown) => boolean;
}

/** Limits on how long a polling run may keep releasing itself. */
export interface ReleasePolicyOptions {
  /** Releases allowed before the run fails with kind `release_limit`. Default `1000`. */
  maxReleases?: number;
  /** Total wall time from the run's creation after which a release fails the run. Default `'30d'`. */
  maxWait?: Duration;
}

/** Options shared by `@Task()`, `defineTask()` and `task()`. */
export interface TaskOptions<S extends PayloadSchema | undefined = PayloadSchema | undefined> {
  /** Unique, stable id such as `'emails.sendWelcome'`. Stored on every run. */
  readonly id: string;
  /** Validates payloads at trigger time. Without one, any JSON payload is accepted. */
  schema?: S;
  /** The queue runs go to. Default `'default'`. */
  queue?: string;
  /** Default priority of the task's runs; higher is claimed first. Default `0`. */
  priority?: number;
  retry?: RetryPolicyOptions;
  release?: ReleasePolicyOptions;
  /** Per-attempt time limit: `context.signal` aborts and the attempt counts as failed. Default: none. */
  timeout?: Duration;
  /**
   * One schedule or several that create runs of this task: cron, interval (`every`) or
   * one-time (`at`). Each payload is validated against `schema` at boot.
   */
  schedule?: ScheduleOptions<PayloadInput<S>> | ScheduleOptions<PayloadInput<S>>[];
}

/** Data handed to the next attempt of a released run. */
export interface ReleaseOptions {
  /** Why the run waits, e.g. `'provider_not_ready'`. Shown in the run's events. */
  reason?: string;
  /** JSON data the next attempt reads from `context.lastRelease.data`. */
  data?: unknown;
}

const RELEASE = Symbol.for('runlane.release');

/** Returned by `context.release()`; return it from the task to continue later. */
export interface TaskRelease {
  readonly [RELEASE]: true;
  readonly delay: Duration | Date;
  readonly reason: string | null;
  readonly data: unknown;
}

export function createRelease(delay: Duration | Date, options: ReleaseOptions = {}): TaskRelease {
  return { [RELEASE]: true, delay, reason: options.reason ?? null, data: options.data ?? null };
}

export function isTaskRelease(value: unknown): value is TaskRelease {
  return typeof value === 'object' && value !== null && (value as TaskRelease)[RELEASE] === true;
}

/** What a task's code receives beside its payload. */
export interface TaskContext {
  runId: string;
  taskId: string;
  /** 1 for the first attempt; every claim adds one (retries, releases and hand-backs included). */
  attempt: number;
  /** Failed attempts so far. */
  failures: number;
  /** Times this run was released so far. */
  releases: number;
  /** The reason and data of the previous release, or `null`. */
  lastRelease: { reason: string | null; data: unknown } | null;
  /** Aborts on timeout, on cancellation, when the lease is lost, or when the worker stops. */
  signal: AbortSignal;
  logger: RunlaneLogger;
  /**
   * Ask to continue later without counting a failure. Return the result:
   * `return context.release('5m', { reason: 'provider_not_ready' })`.
   */
  release(delay: Duration | Date, options?: ReleaseOptions): TaskRelease;
}

/** A typed handle on a task, used by `trigger()` to check payload types at compile time. */
export interface TaskRef<TPayload = unknown, TResult = unknown> {
  readonly id: string;
  /** Type-level only. */
  readonly __types?: { payload: TPayload; result: TResult };
}

/** A task id or a typed task reference. */
export type TaskLike<TPayload = unknown, TResult = unknown> = string | TaskRef<TPayload, TResult>;

/** A declared task: options plus, in the functional form, its code. */
export interface TaskDeclaration<
  S extends PayloadSchema | undefined = PayloadSchema | undefined,
  TPayload = PayloadInput<S>,
  TResult = unknown,
>
  extends TaskOptions<S>, TaskRef<TPayload, TResult> {
  readonly id: string;
}

/** A task with its code, as the functional `task()` form produces. */
export interface TaskDefinition<
  S extends PayloadSchema | undefined = any,
  TPayload = any,
  TResult = any,
> extends TaskDeclaration<S, TPayload, TResult> {
  run(
    payload: PayloadOutput<S>,
    context: TaskContext,
  ): Promise<TResult | TaskRelease> | TResult | TaskRelease;
}

/**
 * Declares a task's id and options without its code, as a typed reference. Use it with
 * `@Task(ref)` on a provider method and with `runlane.trigger(ref, payload)`.
 *
 * @example
 * export const sendWelcomeEmail = defineTask({ id: 'emails.sendWelcome', schema: WelcomeEmailDto });
 */
export function defineTask<S extends PayloadSchema | undefined = undefined, TResult = unknown>(
  options: TaskOptions<S>,
): TaskDeclaration<S, PayloadInput<S>, TResult>;
export function defineTask<TPayload, TResult = unknown>(
  options: TaskOptions<undefined>,
): TaskDeclaration<undefined, TPayload, TResult>;
export function defineTask(options: TaskOptions): TaskDeclaration {
  return Object.freeze({ ...options });
}

/**
 * Declares a task with its code (the functional form). Register it with
 * `RunlaneModule.forRoot({ tasks: [...] })`; the returned object is also a typed reference.
 */
export function task<S extends PayloadSchema | undefined = undefined, TResult = unknown>(
  definition: TaskOptions<S> & {
    run(
      payload: PayloadOutput<S>,
      context: TaskContext,
    ): Promise<TResult | TaskRelease> | TResult | TaskRelease;
  },
): TaskDefinition<S, PayloadInput<S>, Exclude<Awaited<TResult>, TaskRelease>> {
  return Object.freeze({ ...definition }) as TaskDefinition<S, PayloadInput<S>, any>;
}
