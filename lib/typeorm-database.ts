import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { RunlaneDatabase } from './core/database.js';

interface PoolLike {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: any[] }>;
}

/**
 * Adapts a TypeORM DataSource to the engine's storage interface. Single statements go
 * straight to the driver's connection pool (every Runlane hot-path statement is one
 * round trip and needs no query runner of its own); transactions use a query runner.
 */
export function dataSourceDatabase(dataSource: DataSource): RunlaneDatabase {
  return {
    async query(sql, params) {
      const pool = (dataSource.driver as unknown as { master?: PoolLike }).master;
      if (pool && typeof pool.query === 'function') {
        const result = await pool.query(sql, params as unknown[]);
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

async function runnerRows(runner: QueryRunner, sql: string, params: readonly unknown[] | undefined): Promise<any[]> {
  const result = await runner.query(sql, params as unknown[], true);
  return result.records ?? [];
}
