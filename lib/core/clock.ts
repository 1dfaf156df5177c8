/**
 * Where Runlane reads the current time for due checks, leases, backoff and schedules.
 *
 * By default PostgreSQL's clock is the authority (one clock for many machines) and
 * `now()` returns `undefined`. Tests pass a controllable clock so that time moves only
 * when they say so.
 */
export interface RunlaneClock {
  now(): Date | undefined;
}

/** The default: every time comparison uses PostgreSQL's `now()`. */
export const databaseClock: RunlaneClock = { now: () => undefined };

/** A clock that stands still until it is moved; for tests of leases, backoff and schedules. */
export class ManualClock implements RunlaneClock {
  private current: Date;

  constructor(start: Date | string = new Date()) {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): Date {
    this.current = new Date(this.current.getTime() + ms);
    return this.now();
  }

  set(date: Date | string): Date {
    this.current = new Date(date);
    return this.now();
  }
}
