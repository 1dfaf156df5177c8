import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { RunlaneLogger } from '../core/logger.js';
import { NoneTransport } from './none.transport.js';
import { PostgresTransport } from './postgres.transport.js';
import type { RunlaneTransport } from './transport.interface.js';

/** The `transport` option: a built-in by name, or any `RunlaneTransport` instance (e.g. `new AmqpTransport(...)`). */
export type RunlaneTransportOption = 'postgres' | 'none' | RunlaneTransport;

/**
 * Resolves the `transport` option against the app's DataSource. `postgres` (the default)
 * LISTENs on a dedicated connection built from the DataSource's options. A DataSource
 * that `pg` cannot reach on its own (PGlite through `typeorm-pglite`, or any custom
 * `driver`) falls back to `none`: workers poll.
 */
export function resolveTransport(
  option: RunlaneTransportOption | undefined,
  dataSource: DataSource,
  logger: RunlaneLogger,
): RunlaneTransport {
  if (option !== undefined && typeof option === 'object') return option;
  if (option === 'none') return new NoneTransport();
  const connection = postgresConnectionConfig(dataSource);
  if (!connection) {
    if (option === 'postgres') {
      logger.warn(
        'Runlane: the "postgres" transport needs a DataSource of type "postgres" reached through "pg"; this one (PGlite or a custom driver) cannot LISTEN on a separate connection. Workers poll instead.',
      );
    } else {
      logger.log(
        'Runlane: embedded or custom-driver DataSource: no wakeup transport, workers poll.',
      );
    }
    return new NoneTransport();
  }
  return new PostgresTransport({ connection, logger });
}

/** The `pg` client config of a TypeORM postgres DataSource; `null` when it does not go through `pg`. */
export function postgresConnectionConfig(dataSource: DataSource): pg.ClientConfig | null {
  const options = dataSource.options as Record<string, any>;
  if (options.type !== 'postgres' || options.driver) return null;
  const credentials = options.replication?.master ?? options;
  return {
    ...(credentials.url ? { connectionString: credentials.url } : {}),
    ...(credentials.host ? { host: credentials.host } : {}),
    ...(credentials.port ? { port: credentials.port } : {}),
    ...(credentials.username ? { user: credentials.username } : {}),
    ...(credentials.password ? { password: credentials.password } : {}),
    ...(credentials.database ? { database: credentials.database } : {}),
    ...(credentials.ssl !== undefined ? { ssl: credentials.ssl } : {}),
    ...(options.connectTimeoutMS ? { connectionTimeoutMillis: options.connectTimeoutMS } : {}),
  };
}
