import type { DeliveryOutcome, RunlaneWakeup } from '../core/delivery.js';

/**
 * How trigger-time writes announce new work for a transport.
 * - `outbox`: a delivery request row is written in the run's statement and published
 *   after commit (or by `tick()`); wakeups name one run each (AMQP, SQS, Kafka, NATS).
 * - `notify`: PostgreSQL `NOTIFY` on `notifyChannel` in the run's statement, delivered at
 *   commit; wakeups name a queue, and workers claim from it.
 * - `none`: nothing is written or published; workers poll.
 */
export type RunlaneTransportMode = 'outbox' | 'notify' | 'none';

/** What a worker hands its transport when it subscribes. */
export interface RunlaneWakeupHandler {
  /** The Runlane queues the worker claims from; consume wakeups of these only. */
  readonly queues: readonly string[];
  /** Attempts the worker runs at once: use it as the consumer prefetch. */
  readonly concurrency: number;
  /** A queue-level wakeup: work may be due on `queue`, the worker claims now. */
  wake(queue?: string): void;
  /**
   * A per-run wakeup: validates the message, claims the run if due and unleased and
   * executes one attempt in the worker. Resolves once the outcome is recorded: acknowledge
   * then. Rejects with `InvalidDeliveryError` for a malformed or forged message:
   * dead-letter it. Any other rejection (storage down, worker stopping): redeliver later.
   */
  deliver(message: unknown): Promise<DeliveryOutcome>;
}

/**
 * Carries wakeups from the process that triggers runs to the workers. Built in:
 * `PostgresTransport` (LISTEN/NOTIFY), `AmqpTransport` (RabbitMQ), `NoneTransport`
 * (workers poll). Implement it to use SQS, Kafka, NATS or anything else: `publish()`
 * sends wakeups, `subscribe()` feeds received ones to `handler.deliver()`.
 *
 * Wakeups are hints: a transport may lose, duplicate or reorder them without losing or
 * duplicating a run. Storage stays the truth; the workers' poll is the safety net.
 */
export interface RunlaneTransport {
  /** Names the transport in logs and in `dispatched` events. */
  readonly name: string;
  /** How new work is announced. Default `'outbox'`. */
  readonly mode?: RunlaneTransportMode;
  /** The channel the trigger statement notifies; required with mode `notify`. */
  readonly notifyChannel?: string;
  /**
   * Publishes a batch of wakeups. Resolves only when every one is accepted durably (for
   * a broker: confirmed); rejects otherwise, and the batch stays pending for `tick()`.
   */
  publish(wakeups: readonly RunlaneWakeup[]): Promise<void>;
  /** Starts feeding wakeups to `handler`; resolves to an unsubscribe function. */
  subscribe(handler: RunlaneWakeupHandler): Promise<() => Promise<void>>;
  /** Releases connections. Runlane closes the transport when the engine closes. */
  close(): Promise<void>;
}
