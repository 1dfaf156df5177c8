import { ManualClock } from '../lib/core/clock.js';
import { InvalidDeliveryError } from '../lib/core/errors.js';
import type { RunlaneEngine } from '../lib/core/runlane-engine.js';
import { task } from '../lib/core/task.types.js';
import type { WorkerHandle } from '../lib/core/worker.js';
import { entityManagerDatabase } from '../lib/typeorm-database.js';
import { createEngine, eventTypes } from './support/engine.js';
import { MemoryTransport } from './support/memory.transport.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait.js';

describe('delivery through the outbox', () => {
  let db: TestDatabase;
  const engines: RunlaneEngine[] = [];
  const workers: WorkerHandle[] = [];
  const executed: string[] = [];
  const echo = task({
    id: 'delivery.echo',
    run: async (payload: { n: number }, context) => {
      executed.push(context.runId);
      return { n: payload.n };
    },
  });

  function engineWith(
    transport: MemoryTransport,
    options: Parameters<typeof createEngine>[2] = {},
  ) {
    const engine = createEngine(db, [echo], { transport, ...options });
    engines.push(engine);
    return engine;
  }

  async function outboxRows(runId: string) {
    return db.query(
      `SELECT id::text, status, attempts, last_error FROM runlane_outbox WHERE run_id = $1 ORDER BY id`,
      [runId],
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
    await db.query(`TRUNCATE runlane_runs, runlane_run_events, runlane_outbox`);
    executed.length = 0;
  });
  afterAll(async () => {
    await db.drop();
  });

  it('immediate dispatch publishes after the insert and a polling-idle worker executes the run', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport);
    workers.push(await engine.worker({ pollInterval: '60s' }));
    const { run, dispatch } = await engine.trigger(echo, { n: 1 });
    expect(dispatch).toEqual({ status: 'published' });
    await waitFor(
      async () => (await engine.getRun(run.id)).status === 'completed',
      'the run to complete',
    );
    expect(transport.published).toEqual([
      { runId: run.id, deliveryId: expect.any(String), queue: 'default' },
    ]);
    expect(await outboxRows(run.id)).toEqual([
      expect.objectContaining({ status: 'published', attempts: 1 }),
    ]);
    // `dispatched` is recorded after the publish, so the worker may claim the run before it.
    expect((await eventTypes(engine, run.id)).sort()).toEqual([
      'claimed',
      'completed',
      'created',
      'dispatched',
    ]);
    expect(transport.outcomes).toEqual([
      expect.objectContaining({ outcome: 'executed', runId: run.id }),
    ]);
  });

  it('deferred dispatch publishes nothing until tick(), then the run is delivered', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport, { dispatch: 'deferred' });
    workers.push(await engine.worker({ pollInterval: '60s' }));
    const { run, dispatch } = await engine.trigger(echo, { n: 2 });
    expect(dispatch).toEqual({ status: 'pending' });
    expect(transport.published).toEqual([]);
    expect(await outboxRows(run.id)).toEqual([expect.objectContaining({ status: 'pending' })]);
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 1, deliveriesFailed: 0 });
    await waitFor(
      async () => (await engine.getRun(run.id)).status === 'completed',
      'the run to complete',
    );
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 0 });
  });

  it('a trigger may defer dispatch when the module dispatches immediately', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport);
    const { dispatch } = await engine.trigger(echo, { n: 3 }, { dispatch: 'deferred' });
    expect(dispatch).toEqual({ status: 'pending' });
    expect(transport.published).toEqual([]);
    await expect(
      engine.trigger(echo, { n: 3 }, { dispatch: 'later' as never }),
    ).rejects.toMatchObject({
      code: 'RUNLANE_INVALID_OPTION',
    });
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 1 });
  });

  it('a failed publish leaves the trigger successful and the request pending with a backoff; tick() publishes it once the broker is back', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const transport = new MemoryTransport();
    const engine = engineWith(transport, { clock, outbox: { retryDelay: '10s' } });
    transport.failing = new Error('connect ECONNREFUSED 127.0.0.1:5672');
    const { run, dispatch } = await engine.trigger(echo, { n: 4 });
    expect(run.status).toBe('queued');
    expect(dispatch).toEqual({ status: 'pending', error: expect.stringContaining('ECONNREFUSED') });
    const failed = (await engine.getRunEvents(run.id)).find(
      (event) => event.type === 'dispatch_failed',
    )!;
    expect(failed.data).toMatchObject({
      publishAttempts: 1,
      final: false,
      retryAt: '2030-01-01T00:00:10+00:00',
    });

    transport.failing = null;
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 0 });
    clock.advance(10_000);
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 1 });
    expect(transport.published.map((wakeup) => wakeup.runId)).toEqual([run.id]);
    expect(
      await engine.executeDelivery({
        runId: run.id,
        deliveryId: transport.published[0].deliveryId,
      }),
    ).toMatchObject({
      outcome: 'executed',
      result: { outcome: 'completed' },
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'dispatch_failed',
      'dispatched',
      'claimed',
      'completed',
    ]);
  });

  it('publishing gives up after the attempt limit: the request is dead, the run still completes by polling', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const transport = new MemoryTransport();
    const engine = engineWith(transport, {
      clock,
      outbox: { maxAttempts: 3, retryDelay: '1s', maxRetryDelay: '2s' },
    });
    transport.failing = new Error('broker gone');
    const { run } = await engine.trigger(echo, { n: 5 });
    clock.advance(1_000);
    expect(await engine.tick()).toMatchObject({ deliveriesFailed: 1 });
    clock.advance(2_000);
    expect(await engine.tick()).toMatchObject({ deliveriesFailed: 1 });
    clock.advance(60_000);
    expect(await engine.tick()).toMatchObject({ deliveriesFailed: 0, deliveriesPublished: 0 });
    expect(await outboxRows(run.id)).toEqual([
      expect.objectContaining({ status: 'dead', attempts: 3, last_error: 'broker gone' }),
    ]);
    const failures = (await engine.getRunEvents(run.id)).filter(
      (event) => event.type === 'dispatch_failed',
    );
    expect(failures.map((event) => event.data.final)).toEqual([false, false, true]);
    expect(await engine.executeNext()).toMatchObject({ runId: run.id, outcome: 'completed' });
  });

  it('many tickers flush the outbox at once without publishing a request twice', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport, { dispatch: 'deferred', outbox: { batchSize: 7 } });
    const { runs } = await engine.triggerBatch(
      echo,
      Array.from({ length: 60 }, (_, n) => ({ n })),
    );
    const ticks = await Promise.all([engine.tick(), engine.tick(), engine.tick()]);
    expect(ticks.reduce((sum, tick) => sum + tick.deliveriesPublished, 0)).toBe(60);
    expect(new Set(transport.published.map((wakeup) => wakeup.runId))).toEqual(
      new Set(runs.map((run) => run.id)),
    );
    expect(transport.published).toHaveLength(60);
  });

  it('a delayed run keeps its delivery request pending until it is due', async () => {
    const clock = new ManualClock('2030-01-01T00:00:00Z');
    const transport = new MemoryTransport();
    const engine = engineWith(transport, { clock });
    const { run, dispatch } = await engine.trigger(echo, { n: 6 }, { delay: '5m' });
    expect(dispatch).toEqual({ status: 'pending' });
    const [row] = await outboxRows(run.id);
    expect(await engine.executeDelivery({ runId: run.id, deliveryId: row.id })).toEqual({
      outcome: 'skipped',
      runId: run.id,
      reason: 'not_due',
    });
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 0 });
    clock.advance(5 * 60_000);
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 1 });
  });

  it('the same wakeup delivered three times executes the run once', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport, { dispatch: 'deferred' });
    const { run } = await engine.trigger(echo, { n: 7 });
    const [row] = await outboxRows(run.id);
    const wakeup = JSON.stringify({ runId: run.id, deliveryId: row.id });
    const outcomes = await Promise.all([1, 2, 3].map(() => engine.executeDelivery(wakeup)));
    expect(outcomes.filter((outcome) => outcome.outcome === 'executed')).toHaveLength(1);
    for (const outcome of outcomes.filter((candidate) => candidate.outcome === 'skipped')) {
      expect(['already_running', 'terminal']).toContain((outcome as { reason: string }).reason);
    }
    expect(executed).toEqual([run.id]);
    expect(await engine.executeDelivery(Buffer.from(wakeup))).toEqual({
      outcome: 'skipped',
      runId: run.id,
      reason: 'terminal',
    });
    expect((await engine.getRun(run.id)).attempts).toBe(1);
  });

  it('a wakeup for a cancelled, running or deleted run is skipped with its reason', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport, { dispatch: 'deferred' });
    const wakeupOf = async (runId: string) => ({
      runId,
      deliveryId: (await outboxRows(runId))[0].id,
    });

    const cancelled = (await engine.trigger(echo, { n: 8 })).run;
    await db.query(
      `UPDATE runlane_runs SET status = 'cancelled', finished_at = now() WHERE id = $1`,
      [cancelled.id],
    );
    expect(await engine.executeDelivery(await wakeupOf(cancelled.id))).toMatchObject({
      outcome: 'skipped',
      reason: 'cancelled',
    });

    const running = (await engine.trigger(echo, { n: 9 })).run;
    const runningWakeup = await wakeupOf(running.id);
    await db.query(
      `UPDATE runlane_runs SET status = 'running', attempts = 1, lease_expires_at = now() + interval '1 minute' WHERE id = $1`,
      [running.id],
    );
    expect(await engine.executeDelivery(runningWakeup)).toMatchObject({
      outcome: 'skipped',
      reason: 'already_running',
    });

    const deleted = (await engine.trigger(echo, { n: 10 })).run;
    const deletedWakeup = await wakeupOf(deleted.id);
    await db.query(`DELETE FROM runlane_runs WHERE id = $1`, [deleted.id]);
    expect(await engine.executeDelivery(deletedWakeup)).toEqual({
      outcome: 'skipped',
      runId: deleted.id,
      reason: 'not_found',
    });
    expect(executed).toEqual([]);
  });

  it('malformed and forged wakeups throw InvalidDeliveryError and change nothing', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport, { dispatch: 'deferred' });
    const { run } = await engine.trigger(echo, { n: 11 });
    const other = (await engine.trigger(echo, { n: 12 })).run;
    const otherDelivery = (await outboxRows(other.id))[0].id;
    for (const garbage of [
      '',
      'not json',
      '[]',
      'null',
      '{"runId": 1, "deliveryId": "1"}',
      { runId: run.id },
      { runId: '-1', deliveryId: '1' },
      42,
    ]) {
      await expect(engine.executeDelivery(garbage)).rejects.toMatchObject({
        code: 'RUNLANE_DELIVERY_MALFORMED',
        reason: 'malformed',
      });
    }
    const forged = engine.executeDelivery({ runId: run.id, deliveryId: otherDelivery });
    await expect(forged).rejects.toBeInstanceOf(InvalidDeliveryError);
    await expect(
      engine.executeDelivery({ runId: run.id, deliveryId: otherDelivery }),
    ).rejects.toMatchObject({ code: 'RUNLANE_DELIVERY_FORGED' });
    expect(await engine.getRun(run.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await eventTypes(engine, run.id)).toEqual(['created']);
    expect(executed).toEqual([]);
  });

  it('in a rolled-back transaction nothing is stored or published; after a commit tick() delivers the run', async () => {
    const transport = new MemoryTransport();
    const engine = engineWith(transport);
    workers.push(await engine.worker({ pollInterval: '60s' }));
    const before = Number((await db.query(`SELECT count(*) FROM runlane_runs`))[0].count);
    await expect(
      db.dataSource.transaction(async (manager) => {
        await engine.trigger(echo, { n: 13 }, { database: entityManagerDatabase(manager) });
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    expect(Number((await db.query(`SELECT count(*) FROM runlane_runs`))[0].count)).toBe(before);
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 0 });
    expect(transport.published).toEqual([]);

    const committed = await db.dataSource.transaction((manager) =>
      engine.trigger(echo, { n: 14 }, { database: entityManagerDatabase(manager) }),
    );
    expect(committed.dispatch).toEqual({ status: 'pending' });
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 1 });
    await waitFor(
      async () => (await engine.getRun(committed.run.id)).status === 'completed',
      'the committed run to complete',
    );
  });

  it('closing the engine closes its transport', async () => {
    const transport = new MemoryTransport();
    const engine = createEngine(db, [echo], { transport });
    await engine.close();
    expect(transport.closed).toBe(true);
  });
});
