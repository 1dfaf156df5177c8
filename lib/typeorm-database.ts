import { createHash } from 'node:crypto';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { RunlaneDatabase } from './core/database.js';

interface PoolLike {
  /** Set by node-postgres' Pool only; other drivers behind `master` (PGlite) take text. */
  Client?: unknown;
  query(
    statement: string | { name: string; text: string; values?: unknown[] },
    params?: readonly unknown[],
  ): Promise<{ rows: any[] }>;
}

/**
 * Engine statements are few and fixed, so each is sent as a named prepared statement:
 * PostgreSQL parses and plans it once per connection instead of at every call, which is
 * half the server time of a hot-path statement. Names come from the text; the cap guards
 * against a caller that builds unbounded statement texts.
 */
const MAX_PREPARED_STATEMENTS = 256;
const statementNames = new Map<string, string>();

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED_STATEMENTS) {
    name = `runlane_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Adapts a TypeORM DataSource to the engine's storage interface. Single statements go
 * straight to the driver's connection pool as named prepared statements (every Runlane
 * hot-path statement is one round trip and needs no query runner of its own);
 * transactions use a query runner.
 */
export function dataSourceDatabase(dataSource: DataSource): RunlaneDatabase {
  return {
    async query(sql, params) {
      const pool = (dataSource.driver as unknown as { master?: PoolLike }).master;
      if (pool && typeof pool.query === 'function') {
        const name = pool.Client ? statementName(sql) : undefined;
        const values = params as unknown[] | undefined;
        const result = await (name
          ? pool.query({ name, text: sql, values })
          : pool.query(sql, values));
        return result.rows;
      }
      const runner = dataSource.createQueryRunner();
      try {
        return await runnerRows(runner, sql, params);
      } finally {
        await runner.release();
      }
    },
    async transaction(work) {
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        const result = await work(queryRunnerDatabase(runner));
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      } finally {
        await runner.release();
      }
    },
  };
}

/**
 * Adapts an EntityManager, so that Runlane's writes join the caller's transaction when
 * the manager belongs to one (`dataSource.transaction(manager => ...)`).
 */
export function entityManagerDatabase(manager: EntityManager): RunlaneDatabase {
  const runner = manager.queryRunner;
  if (!runner || !runner.isTransactionActive) return dataSourceDatabase(manager.connection);
  return queryRunnerDatabase(runner);
}

/** Statements on one query runner that is already in a transaction. */
function queryRunnerDatabase(runner: QueryRunner): RunlaneDatabase {
  const db: RunlaneDatabase = {
    query: (sql, params) => runnerRows(runner, sql, params),
    transaction: (work) => work(db),
  };
  return db;
}

async function runnerRows(
  runner: QueryRunner,
  sql: string,
  params: readonly unknown[] | undefined,
): Promise<any[]> {
  const result = await runner.query(sql, params as unknown[], true);
  return result.records ?? [];
}
