import { task } from '../lib/core/task.types.js';
import { createEngine, eventTypes } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { JOURNAL_DDL, startWorkerProcess, type WorkerProcess } from './support/worker-process.js';

// The test process only triggers and inspects; the tasks run in the worker processes.
const journalTask = task({ id: 'proc.journal', run: () => undefined });
const blockTask = task({ id: 'proc.block', run: () => undefined });
const stallTask = task({ id: 'proc.stall', run: () => undefined });
const reportTask = task({ id: 'proc.report', queue: 'reports', run: () => undefined });
const cancellableTask = task({ id: 'proc.cancellable', run: () => undefined });
const stallLimitedTask = task({ id: 'proc.stallLimited', queue: 'limited', run: () => undefined });

describe('worker processes', () => {
  let db: TestDatabase;
  const processes: WorkerProcess[] = [];
  const spawnWorker = async (env: Record<string, string>) => {
    const worker = await startWorkerProcess({ DATABASE_URL: db.url, ...env });
    processes.push(worker);
    return worker;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(JOURNAL_DDL);
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((worker) => worker.kill('SIGKILL')));
  });
  afterAll(async () => {
    await db.drop();
  });

  it('two worker processes drain 500 runs: each completed exactly once, concurrency never exceeded', async () => {
    const engine = createEngine(db, [journalTask]);
    // Both workers are up before the runs exist, so that both compete for them.
    const [a, b] = await Promise.all([
      spawnWorker({ WORKER_ID: 'a', CONCURRENCY: '5' }),
      spawnWorker({ WORKER_ID: 'b', CONCURRENCY: '5' }),
    ]);
    await engine.triggerBatch(
      journalTask,
      Array.from({ length: 500 }, (_, i) => ({ i })),
    );
    await waitFor(
      async () => {
        const [{ n }] = await db.query(
          `SELECT count(*)::int AS n FROM runlane_runs WHERE task_id = 'proc.journal' AND status = 'completed'`,
        );
        return n === 500;
      },
      '500 runs completed',
      60_000,
    );

    const executions = await db.query(
      `SELECT run_id, count(*)::int AS n FROM journal GROUP BY run_id HAVING count(*) <> 1`,
    );
    expect(executions).toEqual([]);
    const [{ executed }] = await db.query(
      `SELECT count(DISTINCT run_id)::int AS executed FROM journal`,
    );
    expect(executed).toBe(500);
    const completions = await db.query(
      `SELECT run_id FROM runlane_run_events WHERE type = 'completed' GROUP BY run_id HAVING count(*) <> 1`,
    );
    expect(completions).toEqual([]);
    const perWorker = await db.query(
      `SELECT worker, max(in_flight)::int AS peak, count(*)::int AS n FROM journal GROUP BY worker ORDER BY worker`,
    );
    expect(perWorker.map((row) => row.worker)).toEqual(['a', 'b']);
    for (const row of perWorker) expect(row.peak).toBeLessThanOrEqual(5);
    const results = await db.query(
      `SELECT DISTINCT result->>'worker' AS worker FROM runlane_runs WHERE task_id = 'proc.journal'`,
    );
    expect(results.map((row) => row.worker).sort()).toEqual(['a', 'b']);
    expect(a.output() + b.output()).not.toMatch(/Unhandled|TypeError|ERROR/);
  });

  it('a worker killed with SIGKILL mid-attempt: the run is recovered after lease expiry and completed by another', async () => {
    const engine = createEngine(db, [blockTask]);
    const { run } = await engine.trigger(blockTask, {});
    const doomed = await spawnWorker({ WORKER_ID: 'doomed', LEASE: '2s', QUEUES: 'default' });
    await waitFor(
      async () =>
        (await db.query(`SELECT 1 FROM journal WHERE run_id = $1`, [run.id])).length === 1,
      'attempt started',
    );
    expect(await doomed.kill('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    expect(await engine.getRun(run.id)).toMatchObject({ status: 'running', workerId: 'doomed' });

    await spawnWorker({ WORKER_ID: 'rescuer', LEASE: '2s' });
    await waitFor(
      async () => (await engine.getRun(run.id)).status === 'completed',
      'run completed',
      20_000,
    );
    expect(await engine.getRun(run.id)).toMatchObject({
      attempts: 2,
      failures: 1,
      result: { worker: 'rescuer' },
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'lease_expired',
      'retry_scheduled',
      'claimed',
      'completed',
    ]);
    const journal = await db.query(
      `SELECT worker, attempt FROM journal WHERE run_id = $1 ORDER BY id`,
      [run.id],
    );
    expect(journal).toEqual([
      { worker: 'doomed', attempt: 1 },
      { worker: 'rescuer', attempt: 2 },
    ]);
  });

  it('a stalled worker (event loop blocked past its lease) has its late outcome discarded', async () => {
    const engine = createEngine(db, [stallTask]);
    // Both workers are up before the run exists; whichever claims attempt 1 stalls.
    const workers = await Promise.all([
      spawnWorker({ WORKER_ID: 'w1', LEASE: '1s', STALL_MS: '5000', CONCURRENCY: '1' }),
      spawnWorker({ WORKER_ID: 'w2', LEASE: '1s', STALL_MS: '5000', CONCURRENCY: '1' }),
    ]);
    const { run } = await engine.trigger(stallTask, {});
    await waitFor(
      async () => (await eventTypes(engine, run.id)).includes('lease_lost'),
      'stale outcome rejected',
      20_000,
    );
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'completed',
      result: 'fresh',
      attempts: 2,
    });
    const events = await engine.getRunEvents(run.id);
    expect(events.map((event) => event.type)).toEqual([
      'created',
      'claimed',
      'lease_expired',
      'retry_scheduled',
      'claimed',
      'completed',
      'lease_lost',
    ]);
    const journal = await db.query(
      `SELECT worker, attempt FROM journal WHERE run_id = $1 ORDER BY id`,
      [run.id],
    );
    expect(journal.map((row) => row.attempt)).toEqual([1, 2]);
    const [stalled, healthy] = journal.map((row) => row.worker);
    expect(stalled).not.toBe(healthy);
    expect(events[4]).toMatchObject({ attempt: 2, data: { workerId: healthy } });
    expect(events[6]).toMatchObject({
      attempt: 1,
      data: { workerId: stalled, outcome: 'completed' },
    });
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  });

  it('cancel of a running attempt in a worker process: the task sees its signal aborted; the run ends cancelled', async () => {
    const engine = createEngine(db, [cancellableTask]);
    const { run } = await engine.trigger(cancellableTask, {});
    await spawnWorker({ WORKER_ID: 'canceller', LEASE: '3s' });
    await waitFor(
      async () =>
        (await db.query(`SELECT 1 FROM journal WHERE run_id = $1`, [run.id])).length === 1,
      'attempt started',
    );
    expect(await engine.cancel(run.id, { reason: 'no longer needed' })).toMatchObject({
      outcome: 'cancel_requested',
    });
    await waitFor(
      async () => (await engine.getRun(run.id)).status === 'cancelled',
      'run cancelled',
      15_000,
    );
    const notes = await db.query(`SELECT note FROM journal WHERE run_id = $1 ORDER BY id`, [
      run.id,
    ]);
    expect(notes.map((row) => row.note)).toEqual(['started', 'aborted:RUNLANE_RUN_CANCELLED']);
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'cancelled',
      result: null,
      failures: 0,
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'cancel_requested',
      'cancelled',
    ]);
  });

  it('a queue limit of 2 holds across two worker processes of concurrency 5', async () => {
    const engine = createEngine(db, [reportTask]);
    await engine.configureQueues({ reports: { concurrency: 2 } });
    await engine.triggerBatch(
      reportTask,
      Array.from({ length: 40 }, (_, i) => ({ i })),
    );
    await Promise.all([
      spawnWorker({
        WORKER_ID: 'r1',
        CONCURRENCY: '5',
        QUEUE_LIMITS: 'reports:2',
        QUEUES: 'reports',
        POLL: '20ms',
      }),
      spawnWorker({
        WORKER_ID: 'r2',
        CONCURRENCY: '5',
        QUEUE_LIMITS: 'reports:2',
        QUEUES: 'reports',
        POLL: '20ms',
      }),
    ]);
    let peak = 0;
    let samples = 0;
    await waitFor(
      async () => {
        const [{ running, completed }] = await db.query(
          `SELECT count(*) FILTER (WHERE status = 'running')::int AS running,
                count(*) FILTER (WHERE status = 'completed')::int AS completed
         FROM runlane_runs WHERE queue = 'reports'`,
        );
        peak = Math.max(peak, running);
        samples += 1;
        return completed === 40;
      },
      'all reports completed',
      60_000,
    );
    expect(samples).toBeGreaterThan(10);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);

    // The journal's start/end marks give the exact overlap, not just sampled moments.
    const marks = await db.query(
      `SELECT note, at FROM journal j JOIN runlane_runs r ON r.id = j.run_id WHERE r.queue = 'reports' ORDER BY at, note DESC`,
    );
    let open = 0;
    let maxOpen = 0;
    for (const mark of marks) {
      open += mark.note === 'start' ? 1 : -1;
      maxOpen = Math.max(maxOpen, open);
    }
    expect(maxOpen).toBeLessThanOrEqual(2);
    const workers = await db.query(
      `SELECT DISTINCT worker FROM journal j JOIN runlane_runs r ON r.id = j.run_id WHERE r.queue = 'reports'`,
    );
    expect(workers).toHaveLength(2);
  });

  it('a stalled worker on a queue limited to 1: its late outcome is rejected and the limit is never exceeded meanwhile', async () => {
    const engine = createEngine(db, [stallLimitedTask]);
    await engine.configureQueues({ limited: { concurrency: 1 } });
    const env = {
      LEASE: '1s',
      STALL_MS: '5000',
      CONCURRENCY: '3',
      QUEUES: 'limited',
      QUEUE_LIMITS: 'limited:1',
    };
    await Promise.all([
      spawnWorker({ WORKER_ID: 'l1', ...env }),
      spawnWorker({ WORKER_ID: 'l2', ...env }),
    ]);
    const { run } = await engine.trigger(stallLimitedTask, {});
    const second = await engine.trigger(stallLimitedTask, {});
    let peak = 0;
    await waitFor(
      async () => {
        const [{ running }] = await db.query(
          `SELECT count(*)::int AS running FROM runlane_runs WHERE queue = 'limited' AND status = 'running'`,
        );
        peak = Math.max(peak, running);
        const types = await eventTypes(engine, run.id);
        const done = (await engine.getRun(second.run.id)).status === 'completed';
        return types.includes('lease_lost') && done;
      },
      'stale outcome rejected and both runs completed',
      30_000,
    );
    expect(peak).toBe(1);
    expect(await engine.getRun(run.id)).toMatchObject({ status: 'completed', result: 'fresh' });
    const events = await engine.getRunEvents(run.id);
    expect(events.filter((event) => event.type === 'completed')).toHaveLength(1);
    expect(events.find((event) => event.type === 'lease_lost')).toMatchObject({ attempt: 1 });
  });
});
