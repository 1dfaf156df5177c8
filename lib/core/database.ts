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
