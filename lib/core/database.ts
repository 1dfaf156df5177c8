/**
 * The one narrow interface the engine talks to storage through: run a parameterized
 * statement and get its rows back. The Nest layer adapts a TypeORM DataSource (or an
 * EntityManager inside a caller's transaction) to it.
 */
export interface RunlaneDatabase {
  query<T = Record<string, any>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}
