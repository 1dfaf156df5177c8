import { Cron } from 'croner';
import { parseDuration, type Duration } from './duration.js';
import { errorText } from './errors.js';
import { messages } from './runlane.messages.js';
import type { ScheduleKind } from './schedule.types.js';

/**
 * A schedule's timing, normalized as it is stored (`runlane_schedules.kind` + `spec`):
 * equal timings compare equal, so boot reconciliation can tell a changed spec.
 */
export type ScheduleSpec =
  | { kind: 'cron'; cron: string; timeZone: string }
  | { kind: 'every'; every: number; anchor: string }
  | { kind: 'at'; at: string };

/** The raw timing fields of a declaration or of `createSchedule()`. */
export interface ScheduleTimingInput {
  cron?: unknown;
  timeZone?: unknown;
  every?: unknown;
  anchor?: unknown;
  at?: unknown;
}

/** One occurrence to materialize: the latest due fire time and what it coalesced. */
export interface DueOccurrence {
  fireTime: Date;
  /** Due fire times before `fireTime` that were skipped in its favour. */
  coalesced: number;
  /** The first fire time after `fireTime`; `null` when the schedule is done. */
  next: Date | null;
}

/** Builds the error for a problem `detail`; the caller's error names the task and schedule. */
export type ScheduleProblem = (detail: string) => Error;

export const DEFAULT_TIME_ZONE = 'UTC';
const EPOCH = new Date(0).toISOString();
const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
/** Beyond this many due boundaries, the latest is found by searching backwards from now. */
const MAX_COALESCE_WALK = 10_000;

const crons = new Map<string, Cron>();

function cronOf(spec: { cron: string; timeZone: string }): Cron {
  const key = `${spec.timeZone} ${spec.cron}`;
  let cron = crons.get(key);
  if (!cron) {
    // No function is passed, so croner only evaluates the pattern and never starts a timer.
    cron = new Cron(spec.cron, { timezone: spec.timeZone, mode: '5-or-6-parts' });
    if (crons.size > 1000) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

/** Reads a time zone with the platform's IANA database (Intl); throws for an unknown one. */
function assertTimeZone(timeZone: unknown, problem: ScheduleProblem): asserts timeZone is string {
  let known = typeof timeZone === 'string' && timeZone.trim() !== '';
  try {
    if (known) new Intl.DateTimeFormat('en-US', { timeZone: timeZone as string });
  } catch {
    known = false;
  }
  if (!known) throw problem(messages.scheduleInvalidTimeZone(timeZone));
}

function instant(value: unknown, option: string, problem: ScheduleProblem): string {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' && ZONED_ISO.test(value.trim())
        ? new Date(value.trim())
        : null;
  if (!date || Number.isNaN(date.getTime()))
    throw problem(messages.scheduleInvalidInstant(option, value));
  return date.toISOString();
}

/**
 * Checks and normalizes a timing: exactly one of `cron`, `every`, `at`. Cron patterns and
 * time zones are checked by croner and the platform's IANA database.
 */
export function resolveScheduleSpec(
  input: ScheduleTimingInput,
  problem: ScheduleProblem,
): ScheduleSpec {
  const kinds = (['cron', 'every', 'at'] as const).filter((kind) => input[kind] !== undefined);
  if (kinds.length === 0) throw problem(messages.scheduleTimingMissing());
  if (kinds.length > 1) throw problem(messages.scheduleTimingTwice(kinds));
  const kind = kinds[0];
  if (kind !== 'cron' && input.timeZone !== undefined)
    throw problem(messages.scheduleOptionMisplaced('timeZone', 'cron'));
  if (kind !== 'every' && input.anchor !== undefined)
    throw problem(messages.scheduleOptionMisplaced('anchor', 'interval ("every")'));
  if (kind === 'cron') {
    const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
    assertTimeZone(timeZone, problem);
    // croner reads a string with ":" as a date for a one-off job, not as a pattern.
    if (typeof input.cron !== 'string' || input.cron.includes(':')) {
      throw problem(messages.scheduleInvalidCron(input.cron, 'not a pattern'));
    }
    const spec: ScheduleSpec = { kind, cron: input.cron.trim().replace(/\s+/g, ' '), timeZone };
    let next: Date | null;
    try {
      next = cronOf(spec).nextRun(new Date());
    } catch (error) {
      throw problem(messages.scheduleInvalidCron(input.cron, errorText(error)));
    }
    if (!next) throw problem(messages.scheduleCronNeverFires(input.cron));
    return spec;
  }
  if (kind === 'every') {
    let every = -1;
    try {
      every = parseDuration(input.every as Duration, 'option "every"');
    } catch {
      // reported below, in the schedule's own words
    }
    if (every <= 0) throw problem(messages.scheduleInvalidInterval(input.every));
    return {
      kind,
      every,
      anchor: input.anchor === undefined ? EPOCH : instant(input.anchor, 'anchor', problem),
    };
  }
  return { kind, at: instant(input.at, 'at', problem) };
}

/** The stored `spec` JSON of a spec (its `kind` has a column of its own). */
export function specJson(spec: ScheduleSpec): Record<string, unknown> {
  const { kind: _kind, ...rest } = spec;
  return rest;
}

/** Rebuilds a spec from its stored columns. */
export function specFromRow(kind: ScheduleKind, json: Record<string, any>): ScheduleSpec {
  if (kind === 'cron') return { kind, cron: json.cron, timeZone: json.timeZone };
  if (kind === 'every') return { kind, every: Number(json.every), anchor: json.anchor };
  return { kind, at: json.at };
}

/**
 * The first fire time of a new (or changed, or resumed) schedule at `now`: the first
 * boundary strictly after `now`; for a one-time schedule, its `at` even when past (it
 * fires at the next tick).
 */
export function firstFireTime(spec: ScheduleSpec, now: Date): Date | null {
  if (spec.kind === 'at') return new Date(spec.at);
  return fireTimeAfter(spec, now);
}

/** The first fire time strictly after `after`; `null` when there is none. */
export function fireTimeAfter(spec: ScheduleSpec, after: Date): Date | null {
  switch (spec.kind) {
    case 'at': {
      const at = new Date(spec.at);
      return at > after ? at : null;
    }
    case 'every': {
      const anchor = Date.parse(spec.anchor);
      if (anchor > after.getTime()) return new Date(anchor);
      const steps = Math.floor((after.getTime() - anchor) / spec.every) + 1;
      return new Date(anchor + steps * spec.every);
    }
    case 'cron':
      return cronOf(spec).nextRun(after);
  }
}

/**
 * Given the earliest fire time not yet materialized (`due`, at or before `now`), finds
 * the latest fire time at or before `now`, how many boundaries before it are coalesced,
 * and the fire time after it.
 */
export function dueOccurrence(spec: ScheduleSpec, due: Date, now: Date): DueOccurrence {
  switch (spec.kind) {
    case 'at':
      return { fireTime: due, coalesced: 0, next: null };
    case 'every': {
      const skipped = Math.floor((now.getTime() - due.getTime()) / spec.every);
      const fireTime = new Date(due.getTime() + skipped * spec.every);
      return { fireTime, coalesced: skipped, next: new Date(fireTime.getTime() + spec.every) };
    }
    case 'cron': {
      const cron = cronOf(spec);
      let fireTime = due;
      let coalesced = 0;
      let next = cron.nextRun(fireTime);
      while (next && next <= now) {
        if (coalesced === MAX_COALESCE_WALK) {
          // Down for very long: take the latest boundary directly; the count is a lower bound.
          const [latest] = cron.previousRuns(1, new Date(now.getTime() + 1));
          if (latest && latest > fireTime) fireTime = latest;
          return { fireTime, coalesced, next: cron.nextRun(fireTime) };
        }
        fireTime = next;
        coalesced += 1;
        next = cron.nextRun(fireTime);
      }
      return { fireTime, coalesced, next };
    }
  }
}
