import type { OutcomeInput, RecordedOutcome, RunStore } from './run-store.js';

const MAX_BATCH = 500;

/**
 * Writes attempt outcomes. Completions that arrive while a write is in flight are
 * gathered and recorded together in one statement (each still fenced by its own lease
 * token, with its own event); an idle completer writes at once, so batching adds no
 * latency. Other outcomes (failures, releases, hand-backs) are written one by one.
 */
export class Completer {
  private pending: {
    write: OutcomeInput;
    resolve(outcome: RecordedOutcome): void;
    reject(error: unknown): void;
  }[] = [];
  private flushing = false;

  constructor(private readonly store: RunStore) {}

  record(write: OutcomeInput): Promise<RecordedOutcome> {
    if (!isPlainCompletion(write)) return this.store.recordOutcome(write);
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          const recorded = await this.store.recordCompletions(batch.map((entry) => entry.write));
          for (const entry of batch) entry.resolve(recorded.get(entry.write.runId)!);
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

function isPlainCompletion(write: OutcomeInput): boolean {
  return (
    write.status === 'completed' &&
    write.events.length === 1 &&
    write.events[0].type === 'completed'
  );
}
