// Runlane as an application runs it: RunlaneEngine over a TypeORM DataSource through
// dataSourceDatabase, tasks defined with task(). Imports the compiled package (npm run build).
import { createRequire } from 'node:module';
import { DataSource } from 'typeorm';
import * as runlane from '../../dist/lib/index.js';
import { claimSql } from '../../dist/lib/core/run-store.sql.js';

const { RunlaneEngine, dataSourceDatabase, resolveTask, runlaneEntities, runlaneMigrations, task } =
  runlane;
const require = createRequire(import.meta.url);

const TASK_ID = 'bench.noop';
const QUEUE = 'default';

/** The PostgreSQL transport (LISTEN/NOTIFY), the default; BENCH_RUNLANE_TRANSPORT=none forces polling. */
const PostgresTransport =
  process.env.BENCH_RUNLANE_TRANSPORT === 'none' ? undefined : runlane.PostgresTransport;
export const transport = PostgresTransport ? 'postgres' : 'none';

export const name = 'runlane';
export const version = require('../../package.json').version;
export const settings = {
  adapter: 'RunlaneEngine over a TypeORM DataSource (dataSourceDatabase, pg pool max 10)',
  transport:
    transport === 'postgres'
      ? 'postgres (LISTEN/NOTIFY)'
      : 'none: workers poll (BENCH_RUNLANE_TRANSPORT=none)',
  pollInterval: '1s (default)',
  leaseDuration: '30s (default)',
  heartbeatInterval: '10s (default: a third of the lease)',
  history: 'every run keeps its full event history (created, claimed, completed)',
};
/** Latency is bounded by the poll interval when no transport is configured. */
export const pollingBound = transport === 'none';
/** Throughput is not: a busy worker claims again as soon as a slot frees up. */
export const drainPollingBound = false;

/** Runlane's tables, for the storage figure. */
export const tables = ['runlane_runs', 'runlane_run_events', 'runlane_outbox', 'runlane_queues'];

function noopTask(onJob) {
  const definition = task({ id: TASK_ID, run: (payload) => onJob?.(payload) });
  return resolveTask(definition, (payload, context) => definition.run(payload, context), 'bench');
}

async function open(url, onJob) {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: runlaneEntities,
    migrations: runlaneMigrations,
  });
  await dataSource.initialize();
  const engine = new RunlaneEngine({
    database: dataSourceDatabase(dataSource),
    tasks: [noopTask(onJob)],
    ...(PostgresTransport ? { transport: new PostgresTransport({ connection: url }) } : {}),
  });
  return {
    dataSource,
    engine,
    async close() {
      await engine.close();
      await dataSource.destroy();
    },
  };
}

/** Creates Runlane's tables with the package's migrations. */
export async function prepare(db) {
  const dataSource = new DataSource({
    type: 'postgres',
    url: db.url,
    entities: runlaneEntities,
    migrations: runlaneMigrations,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
}

/** The producer side: trigger one run or a batch. */
export async function client(db) {
  const { engine, close } = await open(db.url);
  const ref = { id: TASK_ID };
  return {
    triggerOne: (payload) => engine.trigger(ref, payload),
    triggerMany: (payloads) => engine.triggerBatch(ref, payloads),
    /** One executeNext(): claim statement, the no-op attempt, the outcome statement. */
    executeNext: () => engine.executeNext(),
    close,
  };
}

/** Runs inside the spawned worker process. */
export async function startWorker(url, { concurrency, onJob }) {
  const { engine, close } = await open(url, onJob);
  const worker = await engine.worker({ concurrency });
  return {
    async stop() {
      await worker.stop();
      await close();
    },
  };
}

/** Runs not yet completed. */
export async function pending(db) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM runlane_runs WHERE status <> 'completed'`,
  );
  return rows[0].n;
}

export async function counts(db) {
  const { rows } = await db.query(`
    SELECT (SELECT count(*) FROM runlane_runs)::int AS runs,
      (SELECT count(*) FROM runlane_runs WHERE status = 'completed')::int AS completed,
      (SELECT count(*) FROM runlane_run_events)::int AS events`);
  return rows[0];
}

/** A backlog of queued runs written straight into the table (not through the API), then analyzed. */
export async function insertBacklog(db, n) {
  await db.query(
    `INSERT INTO runlane_runs (task_id, queue, status, priority, payload, max_attempts, source, available_at, created_at, updated_at)
     SELECT $1, $2, 'queued', 0, jsonb_build_object('i', i), 3, '{"type":"trigger"}', now() - interval '1 hour', now(), now()
     FROM generate_series(1, $3::int) AS i`,
    [TASK_ID, QUEUE, n],
  );
  await db.query('VACUUM ANALYZE runlane_runs');
}

/** One claim statement of one run, as a worker sends it through the adapter. */
export async function claimProbe(db) {
  const dataSource = new DataSource({ type: 'postgres', url: db.url, extra: { max: 1 } });
  await dataSource.initialize();
  const database = dataSourceDatabase(dataSource);
  const sql = claimSql('queue');
  return {
    claimOnce: async () =>
      (await database.query(sql, [null, QUEUE, [TASK_ID], 1, 'bench-probe', 30_000])).length,
    close: () => dataSource.destroy(),
  };
}
