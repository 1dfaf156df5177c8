import type { DeliveryOutcome, RunlaneWakeup } from '../../lib/core/delivery.js';
import type {
  RunlaneTransport,
  RunlaneWakeupHandler,
} from '../../lib/transports/transport.interface.js';

/**
 * An in-process transport for tests: `publish()` hands each wakeup to one subscribed
 * worker, like a broker queue; set `failing` to make publishing fail (a broker outage).
 */
export class MemoryTransport implements RunlaneTransport {
  readonly name = 'memory';
  readonly mode = 'outbox' as const;
  readonly published: RunlaneWakeup[] = [];
  readonly outcomes: DeliveryOutcome[] = [];
  readonly errors: unknown[] = [];
  failing: Error | null = null;
  closed = false;
  private readonly handlers = new Set<RunlaneWakeupHandler>();

  async publish(wakeups: readonly RunlaneWakeup[]): Promise<void> {
    if (this.failing) throw this.failing;
    this.published.push(...wakeups);
    for (const wakeup of wakeups) {
      const handler = [...this.handlers].find((candidate) =>
        candidate.queues.includes(wakeup.queue),
      );
      handler?.deliver(JSON.stringify({ runId: wakeup.runId, deliveryId: wakeup.deliveryId })).then(
        (outcome) => this.outcomes.push(outcome),
        (error) => this.errors.push(error),
      );
    }
  }

  async subscribe(handler: RunlaneWakeupHandler): Promise<() => Promise<void>> {
    this.handlers.add(handler);
    return async () => void this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
