import { ManualClock } from '../lib/core/clock.js';
import type { TaskContext } from '../lib/core/task.types.js';
import { task } from '../lib/core/task.types.js';
import { captureLogger } from './support/capture-logger.js';
import { createEngine, eventTypes } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const START = '2030-03-01T09:00:00.000Z';

describe('polling jobs: release is not failure', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('release twice, then complete: three attempts, zero failures, quiet logs', async () => {
    const clock = new ManualClock(START);
    const logger = captureLogger();
    const seen: { releases: number; lastRelease: unknown; payload: unknown }[] = [];
    const pollReport = task({
      id: 'reports.poll',
      retry: { maxAttempts: 1 },
      run: (payload: { reportId: string }, context: TaskContext) => {
        seen.push({ releases: context.releases, lastRelease: context.lastRelease, payload });
        if (context.releases < 2) {
          return context.release('5m', {
            reason: 'provider_not_ready',
            data: { check: context.releases + 1 },
          });
        }
        return { stored: payload.reportId };
      },
    });
    const engine = createEngine(db, [pollReport], { clock, logger });
    const { run } = await engine.trigger(pollReport, { reportId: 'rep_1' });

    expect(await engine.executeNext()).toMatchObject({ outcome: 'released', status: 'released' });
    const released = await engine.getRun(run.id);
    expect(released).toMatchObject({ status: 'released', failures: 0, releases: 1, error: null });
    expect(released.availableAt.toISOString()).toBe('2030-03-01T09:05:00.000Z');
    expect(released.lastRelease).toMatchObject({
      reason: 'provider_not_ready',
      data: { check: 1 },
    });

    // Not picked up before its time...
    clock.advance(5 * 60_000 - 1);
    expect(await engine.tick()).toMatchObject({ runsResumed: 0 });
    expect(await engine.executeNext()).toBeNull();
    // ...and picked up after it.
    clock.advance(1);
    expect(await engine.tick()).toMatchObject({ runsResumed: 1 });
    expect(await engine.executeNext()).toMatchObject({ outcome: 'released', attempt: 2 });
    clock.advance(5 * 60_000);
    expect(await engine.tick()).toMatchObject({ runsResumed: 1 });
    expect(await engine.executeNext()).toMatchObject({ outcome: 'completed', attempt: 3 });

    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'completed',
      attempts: 3,
      failures: 0,
      releases: 2,
      result: { stored: 'rep_1' },
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'released',
      'resumed',
      'claimed',
      'released',
      'resumed',
      'claimed',
      'completed',
    ]);
    const events = await engine.getRunEvents(run.id);
    expect(events[2]).toMatchObject({
      attempt: 1,
      data: {
        reason: 'provider_not_ready',
        data: { check: 1 },
        delayMs: 300_000,
        availableAt: '2030-03-01T09:05:00+00:00',
      },
    });
    expect(seen).toEqual([
      { releases: 0, lastRelease: null, payload: { reportId: 'rep_1' } },
      {
        releases: 1,
        lastRelease: { reason: 'provider_not_ready', data: { check: 1 } },
        payload: { reportId: 'rep_1' },
      },
      {
        releases: 2,
        lastRelease: { reason: 'provider_not_ready', data: { check: 2 } },
        payload: { reportId: 'rep_1' },
      },
    ]);
    expect(logger.lines.warn).toEqual([]);
    expect(logger.lines.error).toEqual([]);
    expect(logger.lines.debug.filter((line) => line.includes('released'))).toHaveLength(2);
  });

  it('a release to a Date waits until that time', async () => {
    const clock = new ManualClock(START);
    const until = task({
      id: 'reports.until',
      run: (_p: unknown, context: TaskContext) =>
        context.releases === 0 ? context.release(new Date('2030-03-01T10:00:00.000Z')) : 'done',
    });
    const engine = createEngine(db, [until], { clock });
    const { run } = await engine.trigger(until, {});
    await engine.executeNext();
    expect((await engine.getRun(run.id)).availableAt.toISOString()).toBe(
      '2030-03-01T10:00:00.000Z',
    );
  });

  it('past maxReleases the run fails with kind release_limit, and the event says which limit', async () => {
    const clock = new ManualClock(START);
    const stubborn = task({
      id: 'reports.stubborn',
      release: { maxReleases: 2 },
      run: (_p: unknown, context: TaskContext) =>
        context.release('1m', { reason: 'still_processing' }),
    });
    const engine = createEngine(db, [stubborn], { clock });
    const { run } = await engine.trigger(stubborn, {});
    for (let i = 0; i < 3; i++) {
      await engine.executeNext();
      clock.advance(60_000);
    }
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'failed',
      failures: 0,
      releases: 2,
      error: { kind: 'release_limit' },
    });
    const events = await engine.getRunEvents(run.id);
    expect(events.map((event) => event.type)).toEqual([
      'created',
      'claimed',
      'released',
      'claimed',
      'released',
      'claimed',
      'failed',
    ]);
    expect(events[6].data).toMatchObject({ kind: 'release_limit', limit: 'maxReleases', value: 2 });
  });

  it('past maxWait the run fails with kind release_limit naming maxWait', async () => {
    const clock = new ManualClock(START);
    const slow = task({
      id: 'reports.maxWait',
      release: { maxWait: '10m' },
      run: (_p: unknown, context: TaskContext) => context.release('15m'),
    });
    const engine = createEngine(db, [slow], { clock });
    const { run } = await engine.trigger(slow, {});
    await engine.executeNext();
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'failed',
      error: { kind: 'release_limit' },
    });
    expect((await engine.getRunEvents(run.id))[2].data).toMatchObject({ limit: 'maxWait' });
  });

  it('negative or absurd release delays are typed errors thrown to the task', async () => {
    const errors: unknown[] = [];
    const bad = task({
      id: 'reports.badRelease',
      retry: { maxAttempts: 1 },
      run: (_p: unknown, context: TaskContext) => {
        for (const delay of ['-5m', -1, '1000y', 'whenever', new Date('nope')]) {
          try {
            context.release(delay as never);
          } catch (error) {
            errors.push(error);
          }
        }
        return 'ok';
      },
    });
    const engine = createEngine(db, [bad]);
    await engine.trigger(bad, {});
    await engine.executeNext();
    expect(errors).toHaveLength(5);
    for (const error of errors) expect(error).toMatchObject({ code: 'RUNLANE_INVALID_OPTION' });
  });

  it('three concurrent tick() loops give each due run exactly one delivery request per wait', async () => {
    const clock = new ManualClock(START);
    const waiter = task({
      id: 'reports.waiter',
      queue: 'waiters',
      run: (_p: unknown, context: TaskContext) =>
        context.releases === 0 ? context.release('1m') : 'done',
    });
    const engines = [0, 1, 2].map(() => createEngine(db, [waiter], { clock }));
    const { runs } = await engines[0].triggerBatch(
      waiter,
      Array.from({ length: 300 }, (_, i) => ({ i })),
      { delay: '1m' },
    );
    const tickers = async () => {
      await Promise.all(
        engines.map(async (engine) => {
          for (let i = 0; i < 5; i++) await engine.tick();
        }),
      );
    };
    // Wait 1: the trigger's delay.
    clock.advance(60_000);
    await tickers();
    while (await engines[0].executeNext({ queues: ['waiters'] })) {}
    // Wait 2: every run released itself for a minute.
    clock.advance(60_000);
    await tickers();
    while (await engines[1].executeNext({ queues: ['waiters'] })) {}

    const counts = await db.query(
      `SELECT r.id, r.status, count(e.id) FILTER (WHERE e.type = 'resumed')::int AS resumed
       FROM runlane_runs r LEFT JOIN runlane_run_events e ON e.run_id = r.id
       WHERE r.task_id = 'reports.waiter' GROUP BY r.id, r.status`,
    );
    expect(counts).toHaveLength(runs.length);
    for (const row of counts) expect(row).toMatchObject({ status: 'completed', resumed: 2 });
  });
});
