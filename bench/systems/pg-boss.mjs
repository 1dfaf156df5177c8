// pg-boss 10 with its documented defaults: work() fetches batchSize 1 every
// pollingIntervalSeconds 2 (it polls; v10 has no LISTEN/NOTIFY), pool max 10, maintenance
// and scheduling on. Concurrency 10 is ten work() subscriptions, v10's way ("each call to
// work() adds a new worker").
import { createRequire } from 'node:module';
import PgBoss from 'pg-boss';

const require = createRequire(import.meta.url);
const QUEUE = 'noop';

export const name = 'pg-boss';
export const version = require('pg-boss/package.json').version;
export const settings = {
  work: 'ten work() calls, each batchSize 1 (default), pollingIntervalSeconds 2 (default)',
  max: '10 (default pool)',
  queue: 'createQueue("noop") with the default policy "standard"',
  maintenance: 'supervise, schedule, migrate on (defaults)',
  history:
    'completed jobs stay in pgboss.job until archived (archiveCompletedAfterSeconds default 12 h)',
};
export const pollingBound = true;
/** Each work() takes batchSize jobs per polling interval: ~5 jobs/s with ten of them. */
export const drainPollingBound = true;
export const tables = ['pgboss.job', 'pgboss.archive', 'pgboss.queue'];

async function start(url) {
  const boss = new PgBoss({ connectionString: url });
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${error.message}\n`));
  await boss.start();
  return boss;
}

export async function prepare(db) {
  const boss = await start(db.url);
  await boss.createQueue(QUEUE);
  await boss.stop({ graceful: false, wait: true });
}

export async function client(db) {
  const boss = await start(db.url);
  return {
    triggerOne: (payload) => boss.send(QUEUE, payload),
    triggerMany: (payloads) => boss.insert(payloads.map((data) => ({ name: QUEUE, data }))),
    /**
     * Completes every job left through the API (for the storage figure): the queued ones in
     * fetched batches, and the ones a stopped worker left active.
     */
    async completeAll() {
      for (;;) {
        const jobs = await boss.fetch(QUEUE, { batchSize: 1000 });
        if (jobs.length === 0) break;
        await boss.complete(
          QUEUE,
          jobs.map((job) => job.id),
        );
      }
      const { rows } = await db.query(
        `SELECT id FROM pgboss.job WHERE name = $1 AND state = 'active'`,
        [QUEUE],
      );
      if (rows.length > 0)
        await boss.complete(
          QUEUE,
          rows.map((row) => row.id),
        );
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}

export async function startWorker(url, { concurrency, onJob }) {
  const boss = await start(url);
  for (let i = 0; i < concurrency; i++) {
    await boss.work(QUEUE, async ([job]) => onJob?.(job.data));
  }
  // Graceful: the jobs in flight finish (they are no-ops) instead of being failed.
  return { stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }) };
}

export async function pending(db) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'`,
    [QUEUE],
  );
  return rows[0].n;
}

export async function counts(db) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS jobs, count(*) FILTER (WHERE state = 'completed')::int AS completed FROM pgboss.job WHERE name = $1`,
    [QUEUE],
  );
  return rows[0];
}

/** Straight into the queue's partition of pgboss.job, with pg-boss's column defaults. */
export async function insertBacklog(db, n) {
  await db.query(
    `INSERT INTO pgboss.job (name, data, start_after, created_on, policy)
     SELECT $1, jsonb_build_object('i', i), now() - interval '1 hour', now() - interval '1 hour', 'standard'
     FROM generate_series(1, $2::int) AS i`,
    [QUEUE, n],
  );
  await db.query('VACUUM ANALYZE pgboss.job');
}

/** boss.fetch(): pg-boss's one claim statement, batch size 1. */
export async function claimProbe(db) {
  const boss = new PgBoss({
    connectionString: db.url,
    max: 1,
    supervise: false,
    schedule: false,
    migrate: false,
  });
  await boss.start();
  return {
    claimOnce: async () => (await boss.fetch(QUEUE)).length,
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}
