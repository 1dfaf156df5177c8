import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { runlaneMigrations } from '../lib/index.js';

/**
 * PostgreSQL from DATABASE_URL, or an embedded in-memory PGlite database when it is
 * unset, so the sample runs with no database server. Runlane's migrations run at boot.
 */
export function databaseOptions(): TypeOrmModuleOptions {
  const common = { autoLoadEntities: true, migrations: runlaneMigrations, migrationsRun: true } as const;
  const url = process.env.DATABASE_URL;
  if (url) return { type: 'postgres', url, ...common };
  return { type: 'postgres', driver: new PGliteDriver().driver, ...common };
}

export const usingPglite = () => !process.env.DATABASE_URL;
