import type { DataSource, EntityManager } from 'typeorm';
import type { RunlaneDatabase } from './core/database.js';

interface PoolLike {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: any[] }>;
}

/**
 * Adapts a TypeORM DataSource to the engine's storage interface. Statements go straight
 * to the driver's connection pool: every Runlane statement is a single round trip and
 * needs no query runner of its own.
 */
export function dataSourceDatabase(dataSource: DataSource): RunlaneDatabase {
  return {
    async query(sql, params) {
      const pool = (dataSource.driver as unknown as { master?: PoolLike }).master;
      if (pool && typeof pool.query === 'function') {
        const result = await pool.query(sql, params as unknown[]);
        return result.rows;
      }
      return queryRunnerRows(dataSource.createQueryRunner(), sql, params, true);
    },
  };
}

/**
 * Adapts an EntityManager, so that Runlane's writes join the caller's transaction when
 * the manager belongs to one (`dataSource.transaction(manager => ...)`).
 */
export function entityManagerDatabase(manager: EntityManager): RunlaneDatabase {
  const runner = manager.queryRunner;
  if (!runner) return dataSourceDatabase(manager.connection);
  return { query: (sql, params) => queryRunnerRows(runner, sql, params, false) };
}

async function queryRunnerRows(
  runner: ReturnType<DataSource['createQueryRunner']>,
  sql: string,
  params: readonly unknown[] | undefined,
  release: boolean,
): Promise<any[]> {
  try {
    const result = await runner.query(sql, params as unknown[], true);
    return result.records ?? [];
  } finally {
    if (release) await runner.release();
  }
}
