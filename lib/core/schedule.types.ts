import type { Duration } from './duration.js';

interface ScheduleBase<TPayload> {
  /**
   * Unique, stable id such as `'digests.daily'`. It keys the schedule's stored state and,
   * with each fire time, the idempotency key of the runs it creates.
   */
  id: string;
  /** The payload of every run the schedule creates; validated against the task's schema. Default `null`. */
  payload?: TPayload;
}

/**
 * A cron schedule: 5 fields (`minute hour day month weekday`) or 6 (seconds first),
 * evaluated by croner in an IANA time zone.
 *
 * Around daylight saving changes (croner's rules): a wall-clock time that does not exist
 * (02:30 on a spring-forward day) fires once at the first valid time after the gap (03:00)
 * when the pattern names a single second, minute and hour (such as `'30 2 * * *'`); a
 * pattern with wildcards, steps, lists or ranges in those fields (`'30 * * * *'`) skips
 * the missing times. A wall-clock time that exists twice (01:30 on a fall-back day) fires
 * once, at its first occurrence, for a single-time pattern, and at both occurrences for
 * the others.
 */
export interface CronScheduleOptions<TPayload = unknown> extends ScheduleBase<TPayload> {
  cron: string;
  /** IANA time zone the cron fields are read in, such as `'America/New_York'`. Default `'UTC'`. */
  timeZone?: string;
  every?: never;
  anchor?: never;
  at?: never;
}

/**
 * An interval schedule: fires at `anchor + k × every` for whole k. An interval is a fixed
 * length of time, so it is unaffected by time zones and daylight saving.
 */
export interface IntervalScheduleOptions<TPayload = unknown> extends ScheduleBase<TPayload> {
  /** The interval, such as `'15m'` or `900000`; greater than zero. */
  every: Duration;
  /**
   * A point of the grid the schedule fires on. Default: the Unix epoch, so `'15m'` fires
   * at :00, :15, :30 and :45 of every hour (UTC), in every process and across restarts.
   */
  anchor?: Date | string;
  cron?: never;
  timeZone?: never;
  at?: never;
}

/** A one-time schedule: fires once at `at` (or at the first tick after it), then is done. */
export interface OneTimeScheduleOptions<TPayload = unknown> extends ScheduleBase<TPayload> {
  /** A Date or an ISO 8601 string with a `Z` or a UTC offset. */
  at: Date | string;
  cron?: never;
  timeZone?: never;
  every?: never;
  anchor?: never;
}

/** A schedule declared in code: with `@Schedule()` or `task({ schedule })`. */
export type ScheduleOptions<TPayload = unknown> =
  | CronScheduleOptions<TPayload>
  | IntervalScheduleOptions<TPayload>
  | OneTimeScheduleOptions<TPayload>;

/** A schedule created at run time (for example per customer) through `createSchedule()`. */
export type CreateScheduleInput<TPayload = unknown> = ScheduleOptions<TPayload> & {
  /** The task whose runs the schedule creates; it must be registered in this process. */
  taskId: string;
};

/**
 * Changes to a runtime schedule. Giving `cron`, `every` or `at` replaces the timing (and
 * may change the kind); `timeZone` alone re-reads a cron schedule in another zone;
 * `payload` alone keeps the timing and the next fire time.
 */
export interface UpdateScheduleInput<TPayload = unknown> {
  cron?: string;
  timeZone?: string;
  every?: Duration;
  anchor?: Date | string;
  at?: Date | string;
  payload?: TPayload;
}

export type ScheduleKind = 'cron' | 'every' | 'at';

/** A schedule's stored spec and state, as `listSchedules()` and `getSchedule()` return it. */
export interface RunlaneSchedule<TPayload = unknown> {
  id: string;
  taskId: string;
  kind: ScheduleKind;
  /** The cron pattern, for cron schedules. */
  cron: string | null;
  /** The time zone, for cron schedules. */
  timeZone: string | null;
  /** The interval in milliseconds, for interval schedules. */
  every: number | null;
  /** The grid anchor, for interval schedules. */
  anchor: Date | null;
  /** The fire time, for one-time schedules. */
  at: Date | null;
  payload: TPayload;
  /** `'code'`: declared with `@Schedule()` / `task({ schedule })`; `'api'`: created at run time. */
  origin: 'code' | 'api';
  /** False once a code schedule is no longer declared; it keeps its history and never fires. */
  enabled: boolean;
  paused: boolean;
  /** The next fire time not yet materialized; `null` when the schedule will not fire again. */
  nextFireAt: Date | null;
  /** The fire time of the latest run the schedule created. */
  lastFireAt: Date | null;
  lastRunId: string | null;
  /** Fire times skipped (coalesced into a later one) by the latest materialization. */
  lastCoalesced: number;
  /** Fire times skipped over the schedule's life. */
  coalescedTotal: number;
  createdAt: Date;
  updatedAt: Date;
}
