import { StorageUnavailableError, isTransientStorageError, RunlaneError } from './errors.js';

/**
 * The one narrow interface the engine talks to storage through: run a parameterized
 * statement and get its rows back. The Nest layer adapts a TypeORM DataSource (or an
 * EntityManager inside a caller's transaction) to it.
 */
export interface RunlaneDatabase {
  query<T = Record<string, any>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Runs `work` in one transaction on one connection: committed if it resolves, rolled
   * back if it rejects. Inside a transaction already, `work` joins it.
   */
  transaction<T>(work: (db: RunlaneDatabase) => Promise<T>): Promise<T>;
}

/**
 * Wraps a database so that "PostgreSQL unreachable" failures (connection refused or lost,
 * server restarting) surface as a typed, retryable `StorageUnavailableError`. Every
 * Runlane write is one statement or one transaction, so a failed call wrote nothing
 * unless it failed while committing; an idempotency key makes the retry safe either way.
 */
export function guardDatabase(db: RunlaneDatabase): RunlaneDatabase {
  const guarded: RunlaneDatabase = {
    async query(sql, params) {
      try {
        return await db.query(sql, params);
      } catch (error) {
        throw translate(error);
      }
    },
    async transaction(work) {
      try {
        return await db.transaction((tx) => work(tx === db ? guarded : guardDatabase(tx)));
      } catch (error) {
        throw translate(error);
      }
    },
  };
  return guarded;
}

function translate(error: unknown): unknown {
  if (error instanceof RunlaneError || !isTransientStorageError(error)) return error;
  return new StorageUnavailableError(error);
}
