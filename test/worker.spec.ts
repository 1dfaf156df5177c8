import type { TaskContext } from '../lib/core/task.types.js';
import { task } from '../lib/core/task.types.js';
import { createEngine, eventTypes } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

describe('worker', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('keeps at most `concurrency` attempts in flight and drains the queue', async () => {
    let inFlight = 0;
    let peak = 0;
    const work = task({
      id: 'worker.work',
      queue: 'work',
      run: async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
      },
    });
    const engine = createEngine(db, [work]);
    await engine.triggerBatch(
      work,
      Array.from({ length: 60 }, (_, i) => ({ i })),
    );
    const worker = await engine.worker({ concurrency: 4, pollInterval: 20 });
    await waitFor(async () => {
      const [{ n }] = await db.query(
        `SELECT count(*)::int AS n FROM runlane_runs WHERE queue = 'work' AND status = 'completed'`,
      );
      return n === 60;
    }, 'all runs completed');
    await worker.stop();
    expect(peak).toBe(4);
  });

  it('graceful stop waits for in-flight attempts that finish within the timeout', async () => {
    let finished = 0;
    const short = task({
      id: 'worker.short',
      queue: 'short',
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished += 1;
      },
    });
    const engine = createEngine(db, [short]);
    const { runs } = await engine.triggerBatch(short, [{}, {}]);
    const worker = await engine.worker({ concurrency: 2, pollInterval: 20, shutdownTimeout: '5s' });
    await waitFor(() => worker.inFlight === 2, 'two attempts in flight');
    await worker.stop();
    expect(finished).toBe(2);
    for (const run of runs)
      expect(await engine.getRun(run.id)).toMatchObject({ status: 'completed' });
  });

  it('graceful stop hands unfinished runs back without counting a failure', async () => {
    let aborted: unknown;
    const stuck = task({
      id: 'worker.stuck',
      queue: 'stuck',
      run: (_p: unknown, context: TaskContext) =>
        new Promise<string>((resolve) => {
          context.signal.addEventListener('abort', () => {
            aborted = context.signal.reason;
            resolve('ignored');
          });
        }),
    });
    const engine = createEngine(db, [stuck]);
    const { run } = await engine.trigger(stuck, {});
    const worker = await engine.worker({
      concurrency: 1,
      pollInterval: 20,
      shutdownTimeout: 100,
      workerId: 'stopping-worker',
    });
    await waitFor(() => worker.inFlight === 1, 'attempt in flight');
    await worker.stop();
    expect(aborted).toMatchObject({ code: 'RUNLANE_WORKER_STOPPED' });
    const handedBack = await engine.getRun(run.id);
    expect(handedBack).toMatchObject({
      status: 'queued',
      failures: 0,
      attempts: 1,
      leaseExpiresAt: null,
      error: null,
    });
    expect(await eventTypes(engine, run.id)).toEqual(['created', 'claimed', 'worker_shutdown']);
    const events = await engine.getRunEvents(run.id);
    expect(events[2].data).toMatchObject({ workerId: 'stopping-worker' });

    // Another worker takes it over at once and completes it.
    const next = createEngine(db, [
      task({ id: 'worker.stuck', queue: 'stuck', run: () => 'done' }),
    ]);
    expect(await next.executeNext({ queues: ['stuck'] })).toMatchObject({
      outcome: 'completed',
      attempt: 2,
    });
  });

  it('a task that ignores its signal is still handed back on stop', async () => {
    const deaf = task({
      id: 'worker.deaf',
      queue: 'deaf',
      run: () => new Promise(() => undefined),
    });
    const engine = createEngine(db, [deaf]);
    const { run } = await engine.trigger(deaf, {});
    const worker = await engine.worker({ concurrency: 1, pollInterval: 20, shutdownTimeout: 50 });
    await waitFor(() => worker.inFlight === 1, 'attempt in flight');
    await worker.stop();
    expect(await engine.getRun(run.id)).toMatchObject({ status: 'queued', failures: 0 });
  });
});
