import { DataSource } from 'typeorm';
import { StorageUnavailableError } from '../lib/core/errors.js';
import { task } from '../lib/core/task.types.js';
import { createEngine, eventTypes } from './support/engine.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { JOURNAL_DDL, startWorkerProcess, type WorkerProcess } from './support/worker-process.js';

const journalTask = task({ id: 'proc.journal', run: () => undefined });
const slowTask = task({ id: 'proc.slow', run: () => undefined });

describe('database outages', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(JOURNAL_DDL);
    const target = new URL(db.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterEach(async () => {
    await proxy.restore();
    await Promise.all(processes.splice(0).map((worker) => worker.kill('SIGKILL')));
  });
  afterAll(async () => {
    await proxy.close();
    await db.drop();
  });

  const spawnWorker = async (env: Record<string, string>) => {
    const worker = await startWorkerProcess({
      DATABASE_URL: proxy.url(db.url),
      JOURNAL_URL: db.url,
      ...env,
    });
    processes.push(worker);
    return worker;
  };
  const completed = async (taskId: string) =>
    (
      await db.query(
        `SELECT count(*)::int AS n FROM runlane_runs WHERE task_id = $1 AND status = 'completed'`,
        [taskId],
      )
    )[0].n as number;

  it('an attempt that finishes while the database is away records its outcome when it returns', async () => {
    const engine = createEngine(db, [slowTask]);
    const { run } = await engine.trigger(slowTask, {});
    await spawnWorker({ WORKER_ID: 'patient', LEASE: '20s', SLOW_MS: '1000' });
    await waitFor(
      async () =>
        (await db.query(`SELECT 1 FROM journal WHERE run_id = $1`, [run.id])).length === 1,
      'attempt started',
    );
    await proxy.cut();
    await waitFor(
      async () =>
        (await db.query(`SELECT 1 FROM journal WHERE run_id = $1 AND note = 'finished'`, [run.id]))
          .length === 1,
      'attempt finished',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await engine.getRun(run.id)).toMatchObject({ status: 'running' });
    await proxy.restore();
    await waitFor(
      async () => (await engine.getRun(run.id)).status === 'completed',
      'outcome recorded',
      20_000,
    );
    expect(await engine.getRun(run.id)).toMatchObject({
      attempts: 1,
      failures: 0,
      result: 'slow done',
    });
    expect(await eventTypes(engine, run.id)).toEqual(['created', 'claimed', 'completed']);
  });

  it('a worker process survives a 30-second outage; triggers during it fail fast with a typed, retryable error', async () => {
    const engine = createEngine(db, [journalTask]);
    await engine.triggerBatch(
      journalTask,
      Array.from({ length: 300 }, (_, i) => ({ i })),
    );
    const worker = await spawnWorker({ WORKER_ID: 'survivor', LEASE: '10s', CONCURRENCY: '5' });

    // The application's own connection goes through the proxy too.
    const appSource = new DataSource({
      type: 'postgres',
      url: proxy.url(db.url),
      extra: { max: 2, connectionTimeoutMillis: 2_000 },
    });
    await appSource.initialize();
    const appEngine = createEngine({ ...db, dataSource: appSource }, [journalTask]);

    await waitFor(
      async () => (await completed('proc.journal')) >= 50,
      'some runs completed',
      30_000,
    );
    await proxy.cut();
    const outageStarted = Date.now();
    const before = (await db.query(`SELECT count(*)::int AS n FROM runlane_runs`))[0].n;
    const started = Date.now();
    const error = await appEngine
      .trigger(journalTask, { during: 'outage' })
      .catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error).toMatchObject({ code: 'RUNLANE_STORAGE_UNAVAILABLE', retryable: true });
    expect((await db.query(`SELECT count(*)::int AS n FROM runlane_runs`))[0].n).toBe(before);

    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, 30_000 - (Date.now() - outageStarted))),
    );
    await proxy.restore();
    expect(worker.child.exitCode).toBeNull();
    await appEngine.trigger(journalTask, { after: 'outage' });
    await waitFor(
      async () => (await completed('proc.journal')) === 301,
      'every run completed',
      90_000,
    );
    await appSource.destroy();

    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).not.toMatch(/Unhandled|uncaught/i);
    const doubleCompletions = await db.query(
      `SELECT run_id FROM runlane_run_events WHERE type = 'completed' GROUP BY run_id HAVING count(*) > 1`,
    );
    expect(doubleCompletions).toEqual([]);
    // An execution repeated after the outage belongs to an attempt whose lease expired meanwhile.
    const repeated = await db.query(
      `SELECT run_id FROM journal WHERE note = 'executed' GROUP BY run_id HAVING count(*) > 1`,
    );
    for (const { run_id } of repeated) {
      expect(await eventTypes(engine, String(run_id))).toContain('lease_expired');
    }
  }, 180_000);
});
