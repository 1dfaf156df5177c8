import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { AmqpTransport, runlaneMigrations, type RunlaneTransportOption } from '../lib/index.js';

/**
 * PostgreSQL from DATABASE_URL, or an embedded in-memory PGlite database when it is
 * unset, so the sample runs with no database server. Runlane's migrations run at boot.
 */
export function databaseOptions(): TypeOrmModuleOptions {
  const common = {
    autoLoadEntities: true,
    migrations: runlaneMigrations,
    migrationsRun: true,
  } as const;
  const url = process.env.DATABASE_URL;
  if (url) return { type: 'postgres', url, ...common };
  return { type: 'postgres', driver: new PGliteDriver().driver, ...common };
}

export const usingPglite = () => !process.env.DATABASE_URL;

/**
 * RUNLANE_TRANSPORT=amqp carries wakeups over RabbitMQ (AMQP_URL, default the local
 * broker); otherwise the default: PostgreSQL LISTEN/NOTIFY, or polling on PGlite.
 */
export function transportOption(): RunlaneTransportOption | undefined {
  if (process.env.RUNLANE_TRANSPORT === 'amqp') {
    return new AmqpTransport({
      url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      connectionName: 'runlane-sample',
    });
  }
  return process.env.RUNLANE_TRANSPORT === 'none' ? 'none' : undefined;
}
