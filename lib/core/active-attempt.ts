import type { Run } from './run.types.js';

/** One attempt in flight in this process: what its heartbeat extends and what can abort it. */
export class ActiveAttempt {
  readonly controller = new AbortController();
  constructor(readonly run: Run) {}

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
