import type { Run } from './run.types.js';

/** One attempt in flight in this process: what its heartbeat extends and what can abort it. */
export class ActiveAttempt {
  readonly controller = new AbortController();
  /**
   * Until when (this process's clock, ms) the lease is known to be held: set at claim and
   * moved on by every successful heartbeat. An outcome that cannot be written because the
   * database is away is retried until then.
   */
  leaseValidUntil: number;

  constructor(
    readonly run: Run,
    leaseMs: number,
    claimedAt = Date.now(),
  ) {
    this.leaseValidUntil = claimedAt + leaseMs;
  }

  /** Called once when the task's code has finished, before its outcome is written. */
  onTaskSettled: (() => void) | undefined;

  get runId(): string {
    return this.run.id;
  }

  get attempt(): number {
    return this.run.attempts;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}
