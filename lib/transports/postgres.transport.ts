import pg from 'pg';
import type { RunlaneWakeup } from '../core/delivery.js';
import { errorText, InvalidOptionError, TransportUnavailableError } from '../core/errors.js';
import { silentLogger, type RunlaneLogger } from '../core/logger.js';
import { messages } from '../core/runlane.messages.js';
import { Reconnector } from './reconnector.js';
import type { RunlaneTransport, RunlaneWakeupHandler } from './transport.interface.js';

/** Options of `PostgresTransport`. */
export interface PostgresTransportOptions {
  /**
   * The dedicated connection that LISTENs: a connection string or a `pg` client config.
   * The Nest module builds it from the TypeORM DataSource's options.
   */
  connection: string | pg.ClientConfig;
  /** The NOTIFY channel. Default `'runlane_wakeup'`. Every process of one app must agree. */
  channel?: string;
  /** First delay before reconnecting after the connection drops; doubles per failure. Default `100` ms. */
  reconnectDelay?: number;
  /** Largest delay between reconnect attempts. Default `10000` ms. */
  maxReconnectDelay?: number;
  logger?: RunlaneLogger;
}

const CHANNEL_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Wakeups over PostgreSQL LISTEN/NOTIFY: nothing extra to run. A trigger's wakeup is a
 * NOTIFY of the run's queue name: right after the trigger commits, coalesced with the
 * other triggers of the moment (`publish()`), or — for a trigger inside the caller's
 * transaction, and for `tick()`'s statements — inside the writing statement, delivered at
 * commit (never for a rolled-back transaction). Idle workers claim at once; a dropped
 * listener reconnects with backoff, and the workers' poll covers the gap.
 */
export class PostgresTransport implements RunlaneTransport {
  readonly name = 'postgres';
  readonly mode = 'notify' as const;
  readonly notifyChannel: string;
  private readonly logger: RunlaneLogger;
  private readonly handlers = new Set<RunlaneWakeupHandler>();
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly reconnector: Reconnector;
  private closed = false;
  private readonly pendingQueues = new Set<string>();
  private publishWaiters: { resolve(): void; reject(error: unknown): void }[] = [];
  private publishing = false;

  constructor(private readonly options: PostgresTransportOptions) {
    this.notifyChannel = options.channel ?? 'runlane_wakeup';
    if (!CHANNEL_PATTERN.test(this.notifyChannel)) {
      throw new InvalidOptionError(
        messages.invalidOption(
          'PostgresTransport option "channel"',
          'must be a lower-case SQL identifier of at most 63 characters',
        ),
      );
    }
    this.logger = options.logger ?? silentLogger;
    this.reconnector = new Reconnector(
      options.reconnectDelay ?? 100,
      options.maxReconnectDelay ?? 10_000,
    );
  }

  /**
   * Notifies the wakeups' queues over the listener connection. Calls made while a
   * notification is in flight are coalesced into the next one: under load, many triggers
   * share one NOTIFY (each NOTIFY serializes commits in PostgreSQL), and an idle
   * transport notifies at once.
   */
  publish(wakeups: readonly RunlaneWakeup[]): Promise<void> {
    if (wakeups.length === 0) return Promise.resolve();
    for (const wakeup of wakeups) this.pendingQueues.add(wakeup.queue);
    return new Promise((resolve, reject) => {
      this.publishWaiters.push({ resolve, reject });
      if (!this.publishing) void this.flushPublishes();
    });
  }

  private async flushPublishes(): Promise<void> {
    this.publishing = true;
    try {
      while (this.publishWaiters.length > 0) {
        const queues = [...this.pendingQueues];
        const waiters = this.publishWaiters.splice(0);
        this.pendingQueues.clear();
        try {
          const client = await this.connect();
          await client.query('SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q', [
            this.notifyChannel,
            queues,
          ]);
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          const failure = new TransportUnavailableError(this.name, error);
          for (const waiter of waiters) waiter.reject(failure);
        }
      }
    } finally {
      this.publishing = false;
    }
  }

  async subscribe(handler: RunlaneWakeupHandler): Promise<() => Promise<void>> {
    if (this.closed)
      throw new TransportUnavailableError(this.name, messages.transportClosed(this.name));
    this.handlers.add(handler);
    try {
      await this.connect();
    } catch (error) {
      // The worker starts anyway and polls; the listener keeps trying in the background.
      this.logger.warn(
        `PostgreSQL transport: LISTEN failed, retrying in the background: ${errorText(error)}`,
      );
      this.scheduleReconnect();
    }
    return async () => {
      this.handlers.delete(handler);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnector.cancel();
    this.handlers.clear();
    const client = this.client ?? (await this.connecting?.catch(() => null));
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** The listening connection, connecting (and LISTENing) on first use. */
  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closed) return Promise.reject(new Error(messages.transportClosed(this.name)));
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const config =
      typeof this.options.connection === 'string'
        ? { connectionString: this.options.connection }
        : this.options.connection;
    const client = new pg.Client({ application_name: 'runlane-listener', ...config });
    client.on('error', (error) => this.dropped(client, error));
    client.on('end', () => this.dropped(client, new Error('connection ended')));
    client.on('notification', (message) => {
      if (message.channel === this.notifyChannel) this.wake(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.notifyChannel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error(messages.transportClosed(this.name));
    }
    this.client = client;
    if (this.reconnector.failing) {
      this.logger.log(`PostgreSQL transport: listening again on "${this.notifyChannel}"`);
      // Notifications sent while the connection was down are lost: have every worker look now.
      this.wake(undefined);
    }
    this.reconnector.succeeded();
    return client;
  }

  private dropped(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.logger.warn(
      `PostgreSQL transport: the LISTEN connection dropped, reconnecting: ${errorText(error)}`,
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.reconnector.schedule(() => {
      if (this.closed || this.handlers.size === 0) return;
      this.connect().catch((error) => {
        this.logger.warn(`PostgreSQL transport: reconnecting failed: ${errorText(error)}`);
        this.scheduleReconnect();
      });
    });
  }

  private wake(queue: string | undefined): void {
    for (const handler of this.handlers) {
      if (queue === undefined || handler.queues.includes(queue)) handler.wake(queue);
    }
  }
}
