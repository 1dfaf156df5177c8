import { exponentialBackoff } from '../core/backoff.js';

/**
 * Schedules reconnect attempts of a transport's connection with exponential backoff:
 * one pending attempt at a time, the delay growing with each failure until a success
 * resets it.
 */
export class Reconnector {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly firstDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  /** Whether the connection has failed since it last succeeded. */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Runs `attempt` after the next delay, unless an attempt is already scheduled. */
  schedule(attempt: () => void): void {
    if (this.timer) return;
    const delay = exponentialBackoff(this.failures, this.firstDelayMs, this.maxDelayMs);
    this.failures += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      attempt();
    }, delay);
    this.timer.unref?.();
  }

  succeeded(): void {
    this.failures = 0;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
