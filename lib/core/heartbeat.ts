import type { ActiveAttempt } from './active-attempt.js';
import { LeaseLostError, RunCancelledError } from './errors.js';
import type { RunlaneLogger } from './logger.js';
import type { RunStore } from './run-store.js';

/**
 * Extends the leases of every attempt in flight with one statement per interval, and
 * aborts attempts whose lease was lost or whose run an operator asked to cancel.
 */
export class Heartbeat {
  private readonly attempts = new Map<string, ActiveAttempt>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly leaseMs: number,
    private readonly intervalMs: number,
    private readonly logger: RunlaneLogger,
  ) {}

  track(attempt: ActiveAttempt): void {
    this.attempts.set(attempt.runId, attempt);
    this.timer ??= setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref?.();
  }

  untrack(attempt: ActiveAttempt): void {
    if (this.attempts.get(attempt.runId) === attempt) this.attempts.delete(attempt.runId);
    if (this.attempts.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One heartbeat now; never rejects. Overlapping calls share one statement. */
  beat(): Promise<void> {
    this.beating ??= this.extend().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async extend(): Promise<void> {
    const inFlight = [...this.attempts.values()];
    if (inFlight.length === 0) return;
    const startedAt = Date.now();
    let held: Map<string, { cancelRequested: boolean }>;
    try {
      held = await this.store.heartbeat(
        inFlight.map((attempt) => ({ runId: attempt.runId, attempt: attempt.attempt })),
        this.leaseMs,
      );
    } catch (error) {
      this.logger.warn(
        `Heartbeat failed; leases will be extended at the next beat: ${String(error)}`,
      );
      return;
    }
    for (const attempt of inFlight) {
      if (this.attempts.get(attempt.runId) !== attempt) continue;
      const state = held.get(attempt.runId);
      if (!state) attempt.abort(new LeaseLostError(attempt.runId, attempt.attempt));
      else {
        attempt.leaseValidUntil = startedAt + this.leaseMs;
        if (state.cancelRequested) attempt.abort(new RunCancelledError(attempt.runId));
      }
    }
  }
}
