import type { RunlaneWakeup } from './delivery.js';
import { errorText } from './errors.js';
import type { RunlaneLogger } from './logger.js';
import type { OutboxStore, PublishRetry } from './outbox-store.js';
import type { RunlaneTransport } from '../transports/transport.interface.js';

/** What one publish of delivery requests ended as. */
export interface PublishOutcome {
  published: boolean;
  /** Why publishing failed; the requests stay pending with a backoff. */
  error?: string;
}

/** What one flush of the outbox did. */
export interface FlushResult {
  published: number;
  failed: number;
  /** Requests that reached the publish attempt limit in this flush. */
  dead: number;
}

/**
 * Publishes delivery requests through the transport and records the outcome on the
 * requests and in their runs' events. `flush()` is the outbox flusher duty of `tick()`.
 */
export class Dispatcher {
  constructor(
    private readonly outbox: OutboxStore,
    private readonly transport: RunlaneTransport,
    private readonly retry: PublishRetry,
    private readonly batchSize: number,
    private readonly logger: RunlaneLogger,
  ) {}

  /** Publishes these requests now; never rejects (a failure leaves them pending). */
  async publish(wakeups: RunlaneWakeup[]): Promise<PublishOutcome & { dead: number }> {
    if (wakeups.length === 0) return { published: true, dead: 0 };
    const ids = wakeups.map((wakeup) => wakeup.deliveryId);
    try {
      await this.transport.publish(wakeups);
    } catch (error) {
      const text = errorText(error);
      this.logger.warn(
        `Transport "${this.transport.name}": publishing ${ids.length} wakeup(s) failed; they stay pending: ${text}`,
      );
      const dead = await this.outbox.markFailed(ids, text, this.retry).catch((markError) => {
        this.logger.warn(
          `Could not record the failed publish (the requests stay due): ${errorText(markError)}`,
        );
        return 0;
      });
      if (dead > 0) {
        this.logger.error(
          `Transport "${this.transport.name}": ${dead} delivery request(s) reached ${this.retry.maxAttempts} failed publishes and are dead; workers still find their runs by polling`,
        );
      }
      return { published: false, error: text, dead };
    }
    try {
      await this.outbox.markPublished(ids, this.transport.name);
    } catch (error) {
      // Published but not marked: the flusher publishes them again. Wakeups are hints; a duplicate is harmless.
      this.logger.warn(
        `Could not mark ${ids.length} delivery request(s) published: ${errorText(error)}`,
      );
    }
    return { published: true, dead: 0 };
  }

  /**
   * Publishes due pending requests in batches (`SKIP LOCKED`, so any number of tickers
   * may flush at once) until none is left; stops at the first failed batch, since the
   * transport is then likely down and the rest would fail too.
   */
  async flush(): Promise<FlushResult> {
    const result: FlushResult = { published: 0, failed: 0, dead: 0 };
    for (;;) {
      const batch = await this.outbox.takePending(this.batchSize, PUBLISH_LEASE_MS);
      if (batch.length === 0) return result;
      const outcome = await this.publish(batch);
      if (!outcome.published) {
        result.failed += batch.length;
        result.dead += outcome.dead;
        return result;
      }
      result.published += batch.length;
      if (batch.length < this.batchSize) return result;
    }
  }
}

/** How long a flusher hides the requests it is publishing from other flushers. */
const PUBLISH_LEASE_MS = 60_000;
