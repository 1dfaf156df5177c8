// graphile-worker 0.17 with its documented defaults (pollInterval 2000 ms, maxPoolSize 10,
// prepared statements, LISTEN/NOTIFY on new jobs); only the concurrency is the workload's.
import { createRequire } from 'node:module';
import pg from 'pg';
import { makeWorkerUtils, run, runMigrations, Logger } from 'graphile-worker';

const require = createRequire(import.meta.url);
const TASK = 'noop';
const quiet = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
});

export const name = 'graphile-worker';
export const version = require('graphile-worker/package.json').version;
export const settings = {
  pollInterval: '2000 ms (default; new jobs arrive by LISTEN/NOTIFY)',
  maxPoolSize: '10 (default)',
  preparedStatements: 'true (default)',
  localQueue: 'off (default)',
  completeJobBatchDelay: 'off (default)',
  history: 'none: a completed job is deleted',
};
export const pollingBound = false;
export const drainPollingBound = false;
export const tables = [
  'graphile_worker._private_jobs',
  'graphile_worker._private_tasks',
  'graphile_worker._private_job_queues',
];

export async function prepare(db) {
  await runMigrations({ connectionString: db.url, logger: quiet });
}

export async function client(db) {
  const utils = await makeWorkerUtils({ connectionString: db.url, logger: quiet });
  return {
    triggerOne: (payload) => utils.addJob(TASK, payload),
    triggerMany: (payloads) =>
      utils.addJobs(payloads.map((payload) => ({ identifier: TASK, payload }))),
    close: () => utils.release(),
  };
}

export async function startWorker(url, { concurrency, onJob }) {
  const runner = await run({
    connectionString: url,
    concurrency,
    noHandleSignals: true,
    logger: quiet,
    taskList: { [TASK]: async (payload) => onJob?.(payload) },
  });
  return { stop: () => runner.stop() };
}

/** Jobs still in the table: graphile-worker deletes a job when it completes. */
export async function pending(db) {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs');
  return rows[0].n;
}

export async function counts(db) {
  const { rows } = await db.query(
    'SELECT count(*)::int AS jobs FROM graphile_worker._private_jobs',
  );
  return { jobs: rows[0].jobs };
}

async function taskId(db) {
  const { rows } = await db.query(
    `WITH ins AS (INSERT INTO graphile_worker._private_tasks (identifier) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id)
     SELECT id FROM ins UNION ALL SELECT id FROM graphile_worker._private_tasks WHERE identifier = $1`,
    [TASK],
  );
  return rows[0].id;
}

export async function insertBacklog(db, n) {
  const id = await taskId(db);
  await db.query(
    `INSERT INTO graphile_worker._private_jobs (task_id, payload, run_at)
     SELECT $1, json_build_object('i', i), now() - interval '1 hour' FROM generate_series(1, $2::int) AS i`,
    [id, n],
  );
  await db.query('VACUUM ANALYZE graphile_worker._private_jobs');
}

/**
 * The statement graphile-worker 0.17.3's worker sends to get a job (dist/sql/getJobs.js:
 * batch size 1, no forbidden flags, named-queue strategy 2, database time), as a named
 * prepared statement like the worker does.
 */
const GET_JOB_SQL = `\
with j as (
  select jobs.job_queue_id, jobs.priority, jobs.run_at, jobs.id
    from "graphile_worker"._private_jobs as jobs
    where jobs.is_available = true
    and run_at <= now()
    and task_id = any($2::int[])
    and (
      jobs.job_queue_id is null
      or
      jobs.job_queue_id in (
        select id
        from "graphile_worker"._private_job_queues as job_queues
        where job_queues.is_available = true
        for update
        skip locked
      )
    )
    order by priority asc, run_at asc
    limit 1
    for update
    skip locked
),
q as (
  update "graphile_worker"._private_job_queues as job_queues
    set
      locked_by = $1::text,
      locked_at = now()
    from j
    where job_queues.id = j.job_queue_id
)
  update "graphile_worker"._private_jobs as jobs
    set
      attempts = jobs.attempts + 1,
      locked_by = $1::text,
      locked_at = now()
    from j
    where jobs.id = j.id
    returning *`;

export async function claimProbe(db) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const id = await taskId(db);
  return {
    claimOnce: async () =>
      (
        await client.query({
          name: 'bench_get_job',
          text: GET_JOB_SQL,
          values: ['bench-probe', [id]],
        })
      ).rowCount,
    close: () => client.end(),
  };
}
