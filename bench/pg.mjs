// Database helpers of the benchmark: a fresh database per system and workload, so that no
// system sees another's tables, bloat or statistics.
import { randomUUID } from 'node:crypto';
import pg from 'pg';

export const BASE_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

function urlOf(name) {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(sql) {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database and returns its URL, a small pool for the benchmark's own
 * checks (counts, sizes, backlog inserts) and `drop()`.
 */
export async function freshDatabase(label) {
  const name = `bench_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = urlOf(name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // pool.end() can resolve before an idle client's socket closes; DROP ... WITH (FORCE)
  // then terminates it, which must not crash the benchmark.
  pool.on('error', () => undefined);
  return {
    name,
    url,
    pool,
    query: (sql, params) => pool.query(sql, params),
    async drop() {
      await pool.end().catch(() => undefined);
      // Clients that a system closed may still be disconnecting: a pool that already
      // removed its error listener would crash on being terminated by FORCE. Wait for them.
      for (let i = 0; i < 50; i++) {
        const { rows } = await admin(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${name}'`,
        );
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Sum of pg_total_relation_size (heap, TOAST, indexes) of the given tables and, for a
 * partitioned table (pg-boss's job table), of all its partitions.
 */
export async function totalRelationSize(db, tables) {
  const { rows } = await db.query(
    `WITH given AS (SELECT to_regclass(t) AS rel FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL)
     SELECT coalesce(sum(pg_total_relation_size(rel)), 0)::bigint AS bytes FROM (
       SELECT rel FROM given UNION SELECT p.relid FROM given, pg_partition_tree(given.rel) AS p
     ) AS relations`,
    [tables],
  );
  return Number(rows[0].bytes);
}

/** PostgreSQL's version and the settings that matter to a job queue. */
export async function serverInfo() {
  const { rows } = await admin(`
    SELECT current_setting('server_version') AS version,
      current_setting('shared_buffers') AS shared_buffers,
      current_setting('synchronous_commit') AS synchronous_commit,
      current_setting('max_connections') AS max_connections,
      current_setting('shared_preload_libraries') AS shared_preload_libraries`);
  return rows[0];
}
