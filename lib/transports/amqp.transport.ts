import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { encodeWakeup, type RunlaneWakeup } from '../core/delivery.js';
import {
  errorText,
  InvalidDeliveryError,
  InvalidOptionError,
  TransportUnavailableError,
  WorkerStoppedError,
} from '../core/errors.js';
import { silentLogger, type RunlaneLogger } from '../core/logger.js';
import { messages } from '../core/runlane.messages.js';
import { Reconnector } from './reconnector.js';
import type { RunlaneTransport, RunlaneWakeupHandler } from './transport.interface.js';

/** Options of `AmqpTransport`. */
export interface AmqpTransportOptions {
  /** The broker, e.g. `'amqp://guest:guest@localhost:5672'`. */
  url: string;
  /**
   * Prefix of the broker queues: Runlane queue `emails` is the durable queue
   * `<prefix>emails`, and its dead letters go to `<prefix>emails.dead`. Default `'runlane.'`.
   */
  queuePrefix?: string;
  /** Unacknowledged deliveries per worker. Default: the worker's concurrency. */
  prefetch?: number;
  /** Shown in the broker's connection list. Default `'runlane'`. */
  connectionName?: string;
  /** First delay before reconnecting after the connection drops; doubles per failure. Default `100` ms. */
  reconnectDelay?: number;
  /** Largest delay between reconnect attempts. Default `10000` ms. */
  maxReconnectDelay?: number;
  /** How long a delivery that failed for a passing reason (storage down) waits before it is requeued. Default `1000` ms. */
  redeliveryDelay?: number;
  /** Gives up connecting after this long. Default `5000` ms. */
  connectTimeout?: number;
  logger?: RunlaneLogger;
}

type AmqpModule = typeof import('amqplib');

interface Subscription {
  handler: RunlaneWakeupHandler;
  channel: Channel | null;
  starting: Promise<void> | null;
  consumerTags: string[];
  /** Deliveries being handled; the channel closes once they are acknowledged. */
  inFlight: number;
  onIdle: (() => void) | null;
}

/**
 * Wakeups over RabbitMQ (AMQP 0-9-1, through `amqplib`, an optional peer dependency).
 * One durable queue per Runlane queue, persistent messages and publisher confirms (a
 * publish resolves only once the broker has the wakeup), consumer prefetch equal to the
 * worker's concurrency, acknowledgement after the attempt recorded its outcome, malformed
 * or forged messages dead-lettered to `<queue>.dead`, and reconnection with backoff after
 * the broker restarts (consumers resume; publishing reconnects on demand).
 */
export class AmqpTransport implements RunlaneTransport {
  readonly name = 'amqp';
  readonly mode = 'outbox' as const;
  private readonly logger: RunlaneLogger;
  private readonly prefix: string;
  private readonly subscriptions = new Set<Subscription>();
  private connection: ChannelModel | null = null;
  private connecting: Promise<ChannelModel> | null = null;
  private publisher: Promise<ConfirmChannel> | null = null;
  private asserted = new Set<string>();
  private readonly reconnector: Reconnector;
  private closed = false;

  constructor(private readonly options: AmqpTransportOptions) {
    if (typeof options?.url !== 'string' || options.url.length === 0) {
      throw new InvalidOptionError(
        messages.invalidOption('AmqpTransport option "url"', 'must be an amqp:// or amqps:// URL'),
      );
    }
    this.prefix = options.queuePrefix ?? 'runlane.';
    this.reconnector = new Reconnector(
      options.reconnectDelay ?? 100,
      options.maxReconnectDelay ?? 10_000,
    );
    this.logger = options.logger ?? silentLogger;
  }

  /** The broker queue of a Runlane queue. */
  queueName(queue: string): string {
    return `${this.prefix}${queue}`;
  }

  async publish(wakeups: readonly RunlaneWakeup[]): Promise<void> {
    if (wakeups.length === 0) return;
    try {
      const channel = await this.publisherChannel();
      for (const wakeup of wakeups) {
        const queue = await this.assertQueue(channel, wakeup.queue);
        channel.sendToQueue(queue, encodeWakeup(wakeup), {
          persistent: true,
          contentType: 'application/json',
          messageId: wakeup.deliveryId,
        });
      }
      await channel.waitForConfirms();
    } catch (error) {
      throw new TransportUnavailableError(this.name, error);
    }
  }

  async subscribe(handler: RunlaneWakeupHandler): Promise<() => Promise<void>> {
    if (this.closed)
      throw new TransportUnavailableError(this.name, messages.transportClosed(this.name));
    const subscription: Subscription = {
      handler,
      channel: null,
      starting: null,
      consumerTags: [],
      inFlight: 0,
      onIdle: null,
    };
    this.subscriptions.add(subscription);
    try {
      await this.startConsumer(subscription);
    } catch (error) {
      // The worker starts anyway and polls; consuming resumes once the broker is back.
      this.logger.warn(
        `AMQP transport: consuming failed, retrying in the background: ${errorText(error)}`,
      );
      this.scheduleReconnect();
    }
    return async () => {
      this.subscriptions.delete(subscription);
      const channel = subscription.channel;
      if (!channel) return;
      for (const tag of subscription.consumerTags) await channel.cancel(tag).catch(() => undefined);
      // Attempts in flight acknowledge on this channel when they end; close it after them.
      const close = () => {
        subscription.channel = null;
        void channel.close().catch(() => undefined);
      };
      if (subscription.inFlight === 0) close();
      else subscription.onIdle = close;
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnector.cancel();
    this.subscriptions.clear();
    const connection = this.connection ?? (await this.connecting?.catch(() => null));
    this.connection = null;
    this.publisher = null;
    await connection?.close().catch(() => undefined);
  }

  private async connect(): Promise<ChannelModel> {
    if (this.connection) return this.connection;
    if (this.closed) throw new Error(messages.transportClosed(this.name));
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<ChannelModel> {
    const amqp = await loadAmqp();
    const connection = await amqp.connect(this.options.url, {
      timeout: this.options.connectTimeout ?? 5000,
      clientProperties: { connection_name: this.options.connectionName ?? 'runlane' },
    });
    connection.on('error', (error: Error) =>
      this.logger.warn(`AMQP transport: connection error: ${errorText(error)}`),
    );
    connection.on('close', (error?: Error) => this.dropped(connection, error));
    if (this.closed) {
      await connection.close().catch(() => undefined);
      throw new Error(messages.transportClosed(this.name));
    }
    this.connection = connection;
    this.asserted = new Set();
    if (this.reconnector.failing) this.logger.log('AMQP transport: connected again');
    this.reconnector.succeeded();
    return connection;
  }

  private dropped(connection: ChannelModel, error: Error | undefined): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.publisher = null;
    for (const subscription of this.subscriptions) subscription.channel = null;
    if (this.closed) return;
    this.logger.warn(
      `AMQP transport: the connection dropped${error ? `: ${errorText(error)}` : ''}; reconnecting`,
    );
    if (this.subscriptions.size > 0) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.reconnector.schedule(() => void this.resume());
  }

  /** Restarts every consumer that is not running. */
  private async resume(): Promise<void> {
    try {
      for (const subscription of this.subscriptions) {
        if (!subscription.channel) await this.startConsumer(subscription);
      }
      // Wakeups are durable in the broker, but a run may have become due while no one consumed.
      for (const subscription of this.subscriptions) subscription.handler.wake();
    } catch (error) {
      this.logger.warn(`AMQP transport: reconnecting failed: ${errorText(error)}`);
      this.scheduleReconnect();
    }
  }

  private startConsumer(subscription: Subscription): Promise<void> {
    subscription.starting ??= this.openConsumer(subscription).finally(
      () => (subscription.starting = null),
    );
    return subscription.starting;
  }

  private async openConsumer(subscription: Subscription): Promise<void> {
    const connection = await this.connect();
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) =>
      this.logger.warn(`AMQP transport: consumer channel error: ${errorText(error)}`),
    );
    channel.on('close', () => {
      if (subscription.channel !== channel) return;
      subscription.channel = null;
      if (!this.closed && this.subscriptions.has(subscription)) this.scheduleReconnect();
    });
    subscription.consumerTags = [];
    try {
      const { handler } = subscription;
      await channel.prefetch(this.options.prefetch ?? handler.concurrency);
      for (const queue of handler.queues) {
        const name = await this.assertQueue(channel, queue);
        const { consumerTag } = await channel.consume(name, (message) => {
          if (message) void this.handle(channel, message, subscription);
        });
        subscription.consumerTags.push(consumerTag);
      }
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    if (!this.subscriptions.has(subscription)) {
      await channel.close().catch(() => undefined);
      return;
    }
    subscription.channel = channel;
  }

  /** Acknowledges after the attempt; dead-letters what Runlane refuses; requeues the rest later. */
  private async handle(
    channel: Channel,
    message: ConsumeMessage,
    subscription: Subscription,
  ): Promise<void> {
    subscription.inFlight += 1;
    try {
      const delivered = await subscription.handler.deliver(message.content);
      // A run handed back by a stopping worker is due again: let the wakeup go to another worker.
      const handedBack =
        delivered.outcome === 'executed' && delivered.result.outcome === 'handed_back';
      settle(() => (handedBack ? channel.nack(message, false, true) : channel.ack(message)));
    } catch (error) {
      if (error instanceof InvalidDeliveryError) {
        this.logger.warn(`AMQP transport: dead-lettering a refused message: ${error.message}`);
        settle(() => channel.nack(message, false, false));
        return;
      }
      if (!(error instanceof WorkerStoppedError)) {
        this.logger.warn(`AMQP transport: a delivery failed, requeueing it: ${errorText(error)}`);
        await new Promise((resolve) => setTimeout(resolve, this.options.redeliveryDelay ?? 1000));
      }
      settle(() => channel.nack(message, false, true));
    } finally {
      subscription.inFlight -= 1;
      if (subscription.inFlight === 0) subscription.onIdle?.();
    }
  }

  private publisherChannel(): Promise<ConfirmChannel> {
    this.publisher ??= (async () => {
      const connection = await this.connect();
      const channel = await connection.createConfirmChannel();
      channel.on('error', (error: Error) =>
        this.logger.warn(`AMQP transport: publisher channel error: ${errorText(error)}`),
      );
      channel.on('close', () => {
        if (this.publisher === current) this.publisher = null;
      });
      return channel;
    })();
    const current = this.publisher;
    current.catch(() => {
      if (this.publisher === current) this.publisher = null;
    });
    return current;
  }

  /** Declares the durable queue of a Runlane queue and its dead-letter queue, once per connection. */
  private async assertQueue(channel: Channel, queue: string): Promise<string> {
    const name = this.queueName(queue);
    if (!this.asserted.has(name)) {
      await channel.assertQueue(`${name}.dead`, { durable: true });
      await channel.assertQueue(name, {
        durable: true,
        deadLetterExchange: '',
        deadLetterRoutingKey: `${name}.dead`,
      });
      this.asserted.add(name);
    }
    return name;
  }
}

let amqpModule: Promise<AmqpModule> | undefined;

/** amqplib is an optional peer dependency: loaded only when the AMQP transport is used. */
function loadAmqp(): Promise<AmqpModule> {
  amqpModule ??= import('amqplib').then(
    (module) => ((module as { default?: AmqpModule }).default ?? module) as AmqpModule,
    (error) => {
      amqpModule = undefined;
      throw new InvalidOptionError(messages.amqplibMissing(errorText(error)));
    },
  );
  return amqpModule;
}

/** Acknowledging on a channel that closed meanwhile throws; the broker redelivers then. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // The channel is gone: the message returns to the queue and a later wakeup is skipped if stale.
  }
}
