import { ManualClock } from '../lib/core/clock.js';
import { RunlaneError } from '../lib/core/errors.js';
import type { TaskContext } from '../lib/core/task.types.js';
import { task } from '../lib/core/task.types.js';
import { createEngine, eventTypes } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

describe('operator API', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  describe('cancel', () => {
    it('cancels a waiting run at once; a second call and a terminal run are left unchanged', async () => {
      const job = task({ id: 'ops.cancel', queue: 'ops-cancel', run: () => 'ran' });
      const engine = createEngine(db, [job]);
      const { run } = await engine.trigger(job, {}, { delay: '1h' });
      const first = await engine.cancel(run.id, { reason: 'customer left' });
      expect(first).toMatchObject({ outcome: 'cancelled', run: { status: 'cancelled' } });
      expect(first.run.finishedAt).toBeInstanceOf(Date);
      expect(await engine.cancel(run.id)).toMatchObject({
        outcome: 'unchanged',
        run: { status: 'cancelled' },
      });
      expect(await eventTypes(engine, run.id)).toEqual(['created', 'cancelled']);
      expect((await engine.getRunEvents(run.id))[1].data).toEqual({ reason: 'customer left' });

      const done = await engine.runNow(job, {});
      expect(await engine.cancel(done.id)).toMatchObject({
        outcome: 'unchanged',
        run: { status: 'completed', result: 'ran' },
      });
      expect(await eventTypes(engine, done.id)).toEqual(['created', 'claimed', 'completed']);
    });

    it('a running attempt learns within one heartbeat, its signal aborts, and the run ends cancelled', async () => {
      let reason: unknown;
      const job = task({
        id: 'ops.cancelRunning',
        queue: 'ops-running',
        run: (_p: unknown, context: TaskContext) =>
          new Promise<string>((resolve) =>
            context.signal.addEventListener('abort', () => {
              reason = context.signal.reason;
              resolve('finished anyway');
            }),
          ),
      });
      const engine = createEngine(db, [job], { leaseDuration: '3s', heartbeatInterval: 100 });
      const { run } = await engine.trigger(job, {});
      const worker = await engine.worker({ concurrency: 1, pollInterval: 20 });
      await waitFor(async () => (await engine.getRun(run.id)).status === 'running', 'running');
      expect(await engine.cancel(run.id, { reason: 'operator' })).toMatchObject({
        outcome: 'cancel_requested',
        run: { status: 'running' },
      });
      expect(await engine.cancel(run.id)).toMatchObject({ outcome: 'unchanged' });
      await waitFor(async () => (await engine.getRun(run.id)).status === 'cancelled', 'cancelled');
      await worker.stop();
      expect(reason).toMatchObject({ code: 'RUNLANE_RUN_CANCELLED' });
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

    it('a running attempt that completes after a cancel request still ends cancelled', async () => {
      let finish!: () => void;
      const gate = new Promise<void>((resolve) => (finish = resolve));
      const job = task({
        id: 'ops.cancelIgnored',
        queue: 'ops-ignored',
        run: async () => (await gate, 'done'),
      });
      const engine = createEngine(db, [job]);
      const { run } = await engine.trigger(job, {});
      const attempt = engine.executeNext({ queues: ['ops-ignored'] });
      await waitFor(async () => (await engine.getRun(run.id)).status === 'running', 'running');
      await engine.cancel(run.id);
      finish();
      expect(await attempt).toMatchObject({ outcome: 'cancelled', status: 'cancelled' });
      expect(await engine.getRun(run.id)).toMatchObject({ status: 'cancelled', result: null });
    });
  });

  describe('retry and replay', () => {
    it('retry sends a failed run back to queued with failures reset and history kept', async () => {
      let fail = true;
      const job = task({
        id: 'ops.retry',
        queue: 'ops-retry',
        retry: { maxAttempts: 1 },
        run: () => {
          if (fail) throw new Error('broken');
          return 'fixed';
        },
      });
      const engine = createEngine(db, [job]);
      const failed = await engine.runNow(job, {});
      expect(failed).toMatchObject({ status: 'failed', failures: 1 });
      const retried = await engine.retry(failed.id);
      expect(retried).toMatchObject({
        status: 'queued',
        failures: 0,
        error: null,
        finishedAt: null,
      });
      fail = false;
      expect(await engine.executeNext({ queues: ['ops-retry'] })).toMatchObject({
        outcome: 'completed',
        attempt: 2,
      });
      expect(await eventTypes(engine, failed.id)).toEqual([
        'created',
        'claimed',
        'attempt_failed',
        'failed',
        'retried',
        'claimed',
        'completed',
      ]);
    });

    it('retry of a completed, queued or running run is a typed error that changes nothing', async () => {
      const job = task({ id: 'ops.retryBad', queue: 'ops-retry-bad', run: () => 'ok' });
      const engine = createEngine(db, [job]);
      const done = await engine.runNow(job, {});
      await expect(engine.retry(done.id)).rejects.toMatchObject({
        code: 'RUNLANE_INVALID_RUN_STATE',
        message: expect.stringMatching(/completed/),
      });
      const { run: queued } = await engine.trigger(job, {});
      await expect(engine.retry(queued.id)).rejects.toMatchObject({
        code: 'RUNLANE_INVALID_RUN_STATE',
      });
      expect(await eventTypes(engine, done.id)).toEqual(['created', 'claimed', 'completed']);
    });

    it('replay creates a new run with the same task and payload, source replay', async () => {
      const job = task({ id: 'ops.replay', queue: 'ops-replay', run: (p: { n: number }) => p.n });
      const engine = createEngine(db, [job]);
      const original = await engine.runNow(job, { n: 7 });
      const copy = await engine.replay(original.id);
      expect(copy).toMatchObject({
        taskId: 'ops.replay',
        queue: 'ops-replay',
        payload: { n: 7 },
        status: 'queued',
        source: { type: 'replay', runId: original.id },
      });
      expect(copy.id).not.toBe(original.id);
      expect(await eventTypes(engine, original.id)).toEqual([
        'created',
        'claimed',
        'completed',
        'replayed',
      ]);
      expect((await engine.getRunEvents(original.id))[3].data).toEqual({ runId: copy.id });
      expect(await engine.executeNext({ queues: ['ops-replay'] })).toMatchObject({
        runId: copy.id,
        outcome: 'completed',
      });
    });
  });

  describe('listRuns', () => {
    it('filters by status, task, queue and creation time, newest first, with pages stable under inserts', async () => {
      const clock = new ManualClock('2030-04-01T00:00:00.000Z');
      const a = task({ id: 'ops.listA', queue: 'ops-list', run: () => 'a' });
      const b = task({ id: 'ops.listB', queue: 'ops-list-b', run: () => 'b' });
      const engine = createEngine(db, [a, b], { clock });
      const created: string[] = [];
      for (let i = 0; i < 25; i++) {
        created.push((await engine.trigger(a, { i })).run.id);
        clock.advance(1000);
      }
      await engine.trigger(b, {});
      const page1 = await engine.listRuns({ taskId: 'ops.listA', limit: 10 });
      expect(page1.runs.map((run) => run.id)).toEqual(created.slice(15).reverse());
      // New runs arrive between pages: they do not shift the next page.
      for (let i = 0; i < 5; i++) await engine.trigger(a, { late: i });
      const page2 = await engine.listRuns({
        taskId: 'ops.listA',
        limit: 10,
        cursor: page1.nextCursor!,
      });
      expect(page2.runs.map((run) => run.id)).toEqual(created.slice(5, 15).reverse());
      const page3 = await engine.listRuns({
        taskId: 'ops.listA',
        limit: 10,
        cursor: page2.nextCursor!,
      });
      expect(page3.runs.map((run) => run.id)).toEqual(created.slice(0, 5).reverse());
      expect(page3.nextCursor).toBeNull();

      expect((await engine.listRuns({ queue: 'ops-list-b' })).runs).toHaveLength(1);
      const window = await engine.listRuns({
        taskId: 'ops.listA',
        createdAfter: '2030-04-01T00:00:05.000Z',
        createdBefore: new Date('2030-04-01T00:00:08.000Z'),
      });
      expect(window.runs.map((run) => run.payload)).toEqual([{ i: 7 }, { i: 6 }, { i: 5 }]);
      await engine.executeNext({ queues: ['ops-list'] });
      const completed = await engine.listRuns({ taskId: 'ops.listA', status: ['completed'] });
      expect(completed.runs).toHaveLength(1);
      expect(
        (await engine.listRuns({ taskId: 'ops.listA', status: 'queued', limit: 1000 })).runs,
      ).toHaveLength(29);
    });

    it('invalid filters are typed errors', async () => {
      const engine = createEngine(db, []);
      for (const options of [
        { status: 'done' },
        { status: ['queued', 'nope'] },
        { limit: 0 },
        { limit: 5000 },
        { cursor: 'page-2' },
        { createdAfter: 'yesterday' },
        { taskId: 'bad id' },
        { queue: '' },
      ]) {
        await expect(engine.listRuns(options as never)).rejects.toMatchObject({
          code: 'RUNLANE_INVALID_OPTION',
        });
      }
    });
  });

  it('stats counts runs per queue and status, and the age of the oldest due run', async () => {
    const clock = new ManualClock('2030-05-01T00:00:00.000Z');
    const job = task({
      id: 'ops.stats',
      queue: 'ops-stats',
      run: (_p: unknown, context: TaskContext) =>
        context.attempt === 1 ? context.release('1h') : 'x',
    });
    const engine = createEngine(db, [job], { clock });
    await engine.triggerBatch(job, [{}, {}, {}]);
    clock.advance(30_000);
    await engine.executeNext({ queues: ['ops-stats'] });
    const stats = await engine.stats();
    expect(stats.queues['ops-stats']).toEqual({
      counts: {
        queued: 2,
        running: 0,
        retrying: 0,
        released: 1,
        completed: 0,
        failed: 0,
        cancelled: 0,
      },
      oldestDueAgeMs: 30_000,
    });
  });

  it('prune deletes terminal runs older than the window, with their events', async () => {
    const own = await createTestDatabase();
    try {
      await pruneScenario(own);
    } finally {
      await own.drop();
    }
  });

  async function pruneScenario(db: TestDatabase) {
    const clock = new ManualClock('2030-06-01T00:00:00.000Z');
    const job = task({
      id: 'ops.prune',
      queue: 'ops-prune',
      retry: { maxAttempts: 1 },
      run: (p: { fail?: boolean }) => {
        if (p.fail) throw new Error('x');
        return 'ok';
      },
    });
    const engine = createEngine(db, [job], { clock });
    const old = await engine.runNow(job, {});
    const oldFailed = await engine.runNow(job, { fail: true });
    clock.advance(2 * 86_400_000);
    const recent = await engine.runNow(job, {});
    const waiting = await engine.trigger(job, {}, { delay: '1h' });
    expect(await engine.prune({ olderThan: '1d', statuses: ['completed'] })).toEqual({
      deleted: 1,
    });
    await expect(engine.getRun(old.id)).rejects.toMatchObject({ code: 'RUNLANE_RUN_NOT_FOUND' });
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM runlane_run_events WHERE run_id = $1`,
      [old.id],
    );
    expect(n).toBe(0);
    expect(await engine.prune({ olderThan: '1d' })).toEqual({ deleted: 1 });
    await expect(engine.getRun(oldFailed.id)).rejects.toMatchObject({
      code: 'RUNLANE_RUN_NOT_FOUND',
    });
    expect(await engine.getRun(recent.id)).toMatchObject({ status: 'completed' });
    expect(await engine.getRun(waiting.run.id)).toMatchObject({ status: 'queued' });
    await expect(
      engine.prune({ olderThan: '1d', statuses: ['queued'] as never }),
    ).rejects.toMatchObject({ code: 'RUNLANE_INVALID_OPTION' });
    await expect(engine.prune({ olderThan: 'ages' })).rejects.toMatchObject({
      code: 'RUNLANE_INVALID_OPTION',
    });
  }

  it('unknown or malformed run ids are typed errors for cancel, retry and replay', async () => {
    const engine = createEngine(db, []);
    for (const call of [
      engine.cancel.bind(engine),
      engine.retry.bind(engine),
      engine.replay.bind(engine),
    ]) {
      await expect(call('987654321')).rejects.toMatchObject({ code: 'RUNLANE_RUN_NOT_FOUND' });
      await expect(call('run_1')).rejects.toMatchObject({ code: 'RUNLANE_INVALID_RUN_ID' });
      await expect(call(42 as never)).rejects.toBeInstanceOf(RunlaneError);
    }
  });

  describe('queues', () => {
    it('a paused queue is not claimed from; triggers are still accepted; resume picks up again', async () => {
      const job = task({ id: 'ops.paused', queue: 'ops-paused', run: () => 'ok' });
      const engine = createEngine(db, [job]);
      expect(await engine.pauseQueue('ops-paused')).toMatchObject({
        name: 'ops-paused',
        paused: true,
      });
      const { run } = await engine.trigger(job, {});
      expect(await engine.executeNext({ queues: ['ops-paused'] })).toBeNull();
      expect(await engine.getRun(run.id)).toMatchObject({ status: 'queued' });
      expect(await engine.resumeQueue('ops-paused')).toMatchObject({ paused: false });
      expect(await engine.executeNext({ queues: ['ops-paused'] })).toMatchObject({
        runId: run.id,
        outcome: 'completed',
      });
    });

    it('a queue limit holds across engines; invalid queue options are refused', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const job = task({
        id: 'ops.limited',
        queue: 'ops-limited',
        run: async () => (await gate, 'ok'),
      });
      const engines = [0, 1].map(() => createEngine(db, [job]));
      await engines[0].configureQueues({ 'ops-limited': { concurrency: 1 } });
      await engines[1].configureQueues({});
      await engines[0].triggerBatch(job, [{}, {}, {}]);
      const first = engines[0].executeNext({ queues: ['ops-limited'] });
      await waitFor(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM runlane_runs WHERE queue = 'ops-limited' AND status = 'running'`,
            )
          ).length === 1,
        'one running',
      );
      expect(await engines[1].executeNext({ queues: ['ops-limited'] })).toBeNull();
      release();
      await first;
      expect(await engines[1].executeNext({ queues: ['ops-limited'] })).toMatchObject({
        outcome: 'completed',
      });
      await expect(
        engines[0].configureQueues({ 'ops-limited': { concurrency: 0 } }),
      ).rejects.toMatchObject({ code: 'RUNLANE_INVALID_OPTION' });
      await expect(engines[0].pauseQueue('no spaces allowed')).rejects.toMatchObject({
        code: 'RUNLANE_INVALID_OPTION',
      });
    });
  });
});
