import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { runlaneEntities } from '../../lib/entities/index.js';
import { runlaneMigrations } from '../../lib/migrations/index.js';

export const BASE_DATABASE_URL =
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  /** Runs SQL on the test database. */
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A fresh database per test file, with Runlane's migrations applied, so files run in parallel safely. */
export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const name = `runlane_t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: BASE_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(BASE_DATABASE_URL, name);
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: runlaneEntities,
    migrations: runlaneMigrations,
    extra: { max: 10 },
  });
  await dataSource.initialize();
  if (options.migrate !== false) await dataSource.runMigrations();
  return {
    name,
    url,
    dataSource,
    query: (sql, params) => dataSource.query(sql, params),
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      const client = new pg.Client({ connectionString: BASE_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
