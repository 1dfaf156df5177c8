import { ManualClock } from '../lib/core/clock.js';
import { task } from '../lib/core/task.types.js';
import { createEngine, eventTypes } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

describe('leases', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('tick() recovers an expired lease as a lease_expired failure and the run is retried', async () => {
    const clock = new ManualClock('2030-02-01T00:00:00.000Z');
    const job = task({
      id: 'leases.job',
      retry: { maxAttempts: 3 },
      run: () => 'second time lucky',
    });
    const engine = createEngine(db, [job], { clock, leaseDuration: '30s' });
    const { run } = await engine.trigger(job, {});
    // A worker claims the run and dies without a trace: only its lease remains.
    const [claimed] = await engine.store.claim({
      queues: ['default'],
      taskIds: ['leases.job'],
      limit: 1,
      workerId: 'ghost',
      leaseMs: 30_000,
    });
    expect(claimed).toMatchObject({ id: run.id, status: 'running', workerId: 'ghost' });

    clock.advance(29_999);
    expect(await engine.tick()).toMatchObject({ leasesRecovered: 0 });
    expect(await engine.executeNext()).toBeNull();
    clock.advance(2);
    expect(await engine.tick()).toMatchObject({ leasesRecovered: 1 });
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'retrying',
      failures: 1,
      error: { kind: 'lease_expired' },
    });
    expect(await engine.executeNext()).toMatchObject({ outcome: 'completed', attempt: 2 });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'lease_expired',
      'retry_scheduled',
      'resumed',
      'claimed',
      'completed',
    ]);
    const events = await engine.getRunEvents(run.id);
    expect(events[2]).toMatchObject({ attempt: 1, data: { workerId: 'ghost' } });
  });

  it('an expired lease on the last attempt fails the run', async () => {
    const clock = new ManualClock('2030-02-02T00:00:00.000Z');
    const job = task({ id: 'leases.last', retry: { maxAttempts: 1 }, run: () => 'never' });
    const engine = createEngine(db, [job], { clock });
    const { run } = await engine.trigger(job, {});
    await engine.store.claim({
      queues: ['default'],
      taskIds: ['leases.last'],
      limit: 1,
      workerId: 'ghost',
      leaseMs: 1_000,
    });
    clock.advance(1_001);
    await engine.tick();
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'failed',
      failures: 1,
      error: { kind: 'lease_expired' },
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'lease_expired',
      'failed',
    ]);
  });

  it('a worker that lost its lease cannot complete the run: its outcome is discarded with lease_lost', async () => {
    const clock = new ManualClock('2030-02-03T00:00:00.000Z');
    let releaseStale!: () => void;
    const staleDone = new Promise<void>((resolve) => (releaseStale = resolve));
    const job = task({
      id: 'leases.stale',
      retry: { maxAttempts: 3 },
      run: async (_p: unknown, context) => {
        if (context.attempt === 1) {
          await staleDone;
          return 'stale result';
        }
        return 'fresh result';
      },
    });
    const engine = createEngine(db, [job], { clock, leaseDuration: '1m' });
    const { run } = await engine.trigger(job, {});
    const stale = engine.executeNext();
    await waitFor(async () => (await engine.getRun(run.id)).status === 'running');

    clock.advance(61_000);
    await engine.tick();
    expect(await engine.executeNext()).toMatchObject({ outcome: 'completed', attempt: 2 });
    releaseStale();
    expect(await stale).toMatchObject({ outcome: 'lease_lost', status: null, attempt: 1 });

    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'completed',
      result: 'fresh result',
      attempts: 2,
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'lease_expired',
      'retry_scheduled',
      'resumed',
      'claimed',
      'completed',
      'lease_lost',
    ]);
    const [{ completions }] = await db.query(
      `SELECT count(*)::int AS completions FROM runlane_run_events WHERE run_id = $1 AND type = 'completed'`,
      [run.id],
    );
    expect(completions).toBe(1);
  });

  it('heartbeats extend the leases of all in-flight attempts in one statement', async () => {
    const clock = new ManualClock('2030-02-04T00:00:00.000Z');
    const job = task({ id: 'leases.heartbeat', run: () => 'x' });
    const engine = createEngine(db, [job], { clock });
    await engine.triggerBatch(job, [{}, {}, {}]);
    const claimed = await engine.store.claim({
      queues: ['default'],
      taskIds: ['leases.heartbeat'],
      limit: 3,
      workerId: 'w',
      leaseMs: 10_000,
    });
    expect(claimed).toHaveLength(3);
    clock.advance(9_000);
    const held = await engine.store.heartbeat(
      claimed.map((run) => ({ runId: run.id, attempt: run.attempts })),
      10_000,
    );
    expect([...held.keys()].sort()).toEqual(claimed.map((run) => run.id).sort());
    clock.advance(9_000);
    expect(await engine.tick()).toMatchObject({ leasesRecovered: 0 });
    const stale = await engine.store.heartbeat([{ runId: claimed[0].id, attempt: 99 }], 10_000);
    expect(stale.size).toBe(0);
  });
});
