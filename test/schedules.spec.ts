import { z } from 'zod';
import { ManualClock } from '../lib/core/clock.js';
import type { RunlaneDatabase } from '../lib/core/database.js';
import { RunlaneEngine } from '../lib/core/runlane-engine.js';
import type { ScheduleOptions } from '../lib/core/schedule.types.js';
import { resolveTask } from '../lib/core/task-registry.js';
import { task } from '../lib/core/task.types.js';
import { dataSourceDatabase } from '../lib/typeorm-database.js';
import { createEngine } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('schedules: materializing occurrences', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** An engine with one task that carries the given schedules, reconciled at `start`. */
  async function scheduled(
    taskId: string,
    schedule: ScheduleOptions | ScheduleOptions[],
    start: string,
  ) {
    const clock = new ManualClock(start);
    const definition = task({ id: taskId, schedule, run: () => undefined });
    const engine = createEngine(db, [definition], { clock });
    await engine.reconcileSchedules();
    return { engine, clock };
  }

  async function fireTimes(taskId: string): Promise<string[]> {
    const rows = await db.query<{ fire_time: string }>(
      `SELECT source->>'fireTime' AS fire_time FROM runlane_runs WHERE task_id = $1 ORDER BY id`,
      [taskId],
    );
    return rows.map((row) => row.fire_time);
  }

  /** Ticks one second before each expected fire time (nothing happens) and at it (one run). */
  async function expectFiresAt(
    engine: RunlaneEngine,
    clock: ManualClock,
    taskId: string,
    expected: string[],
  ) {
    for (const at of expected) {
      clock.set(new Date(Date.parse(at) - 1000));
      expect((await engine.tick()).schedulesMaterialized).toBe(0);
      clock.set(at);
      expect((await engine.tick()).schedulesMaterialized).toBe(1);
    }
    expect(await fireTimes(taskId)).toEqual(expected);
  }

  it("'0 9 * * *' in America/New_York fires at 14:00Z in winter and 13:00Z in summer, across both DST changes", async () => {
    const { engine, clock } = await scheduled(
      'dst.daily',
      { id: 'dst.daily', cron: '0 9 * * *', timeZone: 'America/New_York' },
      '2025-03-07T12:00:00Z',
    );
    // 2025-03-09 is the spring-forward day, 2025-11-02 the fall-back day in New York.
    await expectFiresAt(engine, clock, 'dst.daily', [
      '2025-03-07T14:00:00.000Z',
      '2025-03-08T14:00:00.000Z',
      '2025-03-09T13:00:00.000Z',
      '2025-03-10T13:00:00.000Z',
    ]);
    clock.set('2025-10-31T12:00:00Z');
    await engine.tick(); // the summer boundaries missed in between coalesce into one run
    await db.query(`DELETE FROM runlane_runs WHERE task_id = 'dst.daily'`);
    await expectFiresAt(engine, clock, 'dst.daily', [
      '2025-10-31T13:00:00.000Z',
      '2025-11-01T13:00:00.000Z',
      '2025-11-02T14:00:00.000Z',
      '2025-11-03T14:00:00.000Z',
    ]);
    const schedule = await engine.getSchedule('dst.daily');
    expect(schedule).toMatchObject({
      kind: 'cron',
      cron: '0 9 * * *',
      timeZone: 'America/New_York',
    });
    expect(schedule.nextFireAt?.toISOString()).toBe('2025-11-04T14:00:00.000Z');
  });

  it('02:30 on the spring-forward day does not exist: it fires once, at 03:00 EDT (07:00Z)', async () => {
    const { engine, clock } = await scheduled(
      'dst.springGap',
      { id: 'dst.springGap', cron: '30 2 * * *', timeZone: 'America/New_York' },
      '2025-03-08T00:00:00Z',
    );
    await expectFiresAt(engine, clock, 'dst.springGap', [
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-09T07:00:00.000Z', // 02:30 does not exist; 03:00 EDT is the first valid time after the gap
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('01:30 on the fall-back day exists twice: it fires once, at the first (EDT) occurrence', async () => {
    const { engine, clock } = await scheduled(
      'dst.fallRepeat',
      { id: 'dst.fallRepeat', cron: '30 1 * * *', timeZone: 'America/New_York' },
      '2025-11-01T00:00:00Z',
    );
    await expectFiresAt(engine, clock, 'dst.fallRepeat', [
      '2025-11-01T05:30:00.000Z', // 01:30 EDT
      '2025-11-02T05:30:00.000Z', // 01:30 EDT, the first of the two 01:30s
    ]);
    clock.set('2025-11-02T06:30:00Z'); // 01:30 EST, the second 01:30
    expect((await engine.tick()).schedulesMaterialized).toBe(0);
    expect((await engine.getSchedule('dst.fallRepeat')).nextFireAt?.toISOString()).toBe(
      '2025-11-03T06:30:00.000Z',
    );
  });

  it('an hourly pattern skips the missing hour in spring and fires in both repeated hours in fall', async () => {
    const { engine, clock } = await scheduled(
      'dst.hourly',
      { id: 'dst.hourly', cron: '30 * * * *', timeZone: 'America/New_York' },
      '2025-11-02T04:00:00Z',
    );
    await expectFiresAt(engine, clock, 'dst.hourly', [
      '2025-11-02T04:30:00.000Z', // 00:30 EDT
      '2025-11-02T05:30:00.000Z', // 01:30 EDT
      '2025-11-02T06:30:00.000Z', // 01:30 EST
      '2025-11-02T07:30:00.000Z', // 02:30 EST
    ]);
    const spring = await scheduled(
      'dst.hourlySpring',
      { id: 'dst.hourlySpring', cron: '30 * * * *', timeZone: 'America/New_York' },
      '2025-03-09T05:00:00Z',
    );
    await expectFiresAt(spring.engine, spring.clock, 'dst.hourlySpring', [
      '2025-03-09T05:30:00.000Z', // 00:30 EST
      '2025-03-09T06:30:00.000Z', // 01:30 EST
    ]);
    // 02:30 does not exist that day: the next occurrence is 03:30 EDT.
    expect((await spring.engine.getSchedule('dst.hourlySpring')).nextFireAt?.toISOString()).toBe(
      '2025-03-09T07:30:00.000Z',
    );
  });

  it('an hourly schedule down for three hours materializes one run for the latest boundary and records two coalesced', async () => {
    const { engine, clock } = await scheduled(
      'coalesce.hourly',
      { id: 'coalesce.hourly', cron: '0 * * * *' },
      '2025-05-01T10:30:00Z',
    );
    expect((await engine.getSchedule('coalesce.hourly')).nextFireAt?.toISOString()).toBe(
      '2025-05-01T11:00:00.000Z',
    );
    clock.set('2025-05-01T13:30:00Z'); // 11:00, 12:00 and 13:00 passed while nothing ticked
    const result = await engine.tick();
    expect(result).toMatchObject({ schedulesMaterialized: 1, scheduleFireTimesCoalesced: 2 });
    expect(await fireTimes('coalesce.hourly')).toEqual(['2025-05-01T13:00:00.000Z']);
    const schedule = await engine.getSchedule('coalesce.hourly');
    expect(schedule).toMatchObject({ lastCoalesced: 2, coalescedTotal: 2 });
    expect(schedule.lastFireAt?.toISOString()).toBe('2025-05-01T13:00:00.000Z');
    expect(schedule.nextFireAt?.toISOString()).toBe('2025-05-01T14:00:00.000Z');
    expect(schedule.lastRunId).not.toBeNull();
    expect((await engine.tick()).schedulesMaterialized).toBe(0);
  });

  it('a materialized occurrence is an ordinary queued run with a schedule source, executed by workers, not by tick()', async () => {
    const seen: unknown[] = [];
    const clock = new ManualClock('2025-05-01T08:59:00Z');
    const digest = task({
      id: 'digests.send',
      schema: z.object({ userId: z.string() }),
      schedule: {
        id: 'digests.daily',
        cron: '0 9 * * *',
        timeZone: 'America/New_York',
        payload: { userId: 'user_123' },
      },
      run: (payload) => void seen.push(payload),
    });
    const engine = createEngine(db, [digest], { clock });
    await engine.reconcileSchedules();
    clock.set('2025-05-01T13:00:00Z');
    expect((await engine.tick()).schedulesMaterialized).toBe(1);
    expect(seen).toEqual([]);
    const schedule = await engine.getSchedule('digests.daily');
    const run = await engine.getRun(schedule.lastRunId!);
    expect(run).toMatchObject({
      taskId: 'digests.send',
      status: 'queued',
      payload: { userId: 'user_123' },
      source: {
        type: 'schedule',
        scheduleId: 'digests.daily',
        fireTime: '2025-05-01T13:00:00.000Z',
      },
      idempotencyKey: 'schedule:digests.daily@2025-05-01T13:00:00.000Z',
    });
    expect((await engine.getRunEvents(run.id)).map((event) => [event.type, event.data])).toEqual([
      ['created', { source: 'schedule' }],
    ]);
    expect(await engine.executeNext()).toMatchObject({ runId: run.id, outcome: 'completed' });
    expect(seen).toEqual([{ userId: 'user_123' }]);
  });

  it("every: '15m' fires on its grid: by default the epoch's, otherwise its anchor's", async () => {
    const { engine, clock } = await scheduled(
      'interval.grid',
      [
        { id: 'interval.epoch', every: '15m' },
        { id: 'interval.anchored', every: '15m', anchor: '2025-01-01T00:05:00Z' },
      ],
      '2025-05-01T10:07:00Z',
    );
    expect((await engine.getSchedule('interval.epoch')).nextFireAt?.toISOString()).toBe(
      '2025-05-01T10:15:00.000Z',
    );
    expect((await engine.getSchedule('interval.anchored')).nextFireAt?.toISOString()).toBe(
      '2025-05-01T10:20:00.000Z',
    );
    for (const at of [
      '10:14:59',
      '10:15:00',
      '10:19:59',
      '10:20:00',
      '10:30:00',
      '10:35:00',
      '11:20:00',
    ]) {
      clock.set(`2025-05-01T${at}Z`);
      await engine.tick();
    }
    const rows = await db.query<{ schedule: string; fire_time: string }>(
      `SELECT source->>'scheduleId' AS schedule, source->>'fireTime' AS fire_time FROM runlane_runs
       WHERE task_id = 'interval.grid' ORDER BY id`,
    );
    expect(rows.map((row) => `${row.schedule} ${row.fire_time.slice(11, 16)}`)).toEqual([
      'interval.epoch 10:15',
      'interval.anchored 10:20',
      'interval.epoch 10:30',
      'interval.anchored 10:35',
      'interval.epoch 11:15', // 10:45 and 11:00 coalesced
      'interval.anchored 11:20', // 10:50 and 11:05 coalesced
    ]);
    expect((await engine.getSchedule('interval.epoch')).lastCoalesced).toBe(2);
  });

  it('a one-time schedule fires once, at its time, and is then done', async () => {
    const { engine, clock } = await scheduled(
      'once.task',
      { id: 'once.report', at: '2025-05-01T10:40:00Z' },
      '2025-05-01T10:00:00Z',
    );
    clock.set('2025-05-01T10:39:59Z');
    expect((await engine.tick()).schedulesMaterialized).toBe(0);
    clock.set('2025-05-01T10:41:00Z');
    expect((await engine.tick()).schedulesMaterialized).toBe(1);
    clock.set('2025-06-01T00:00:00Z');
    expect((await engine.tick()).schedulesMaterialized).toBe(0);
    expect(await fireTimes('once.task')).toEqual(['2025-05-01T10:40:00.000Z']);
    const schedule = await engine.getSchedule('once.report');
    expect(schedule.nextFireAt).toBeNull();
    expect(schedule.lastFireAt?.toISOString()).toBe('2025-05-01T10:40:00.000Z');
    await engine.reconcileSchedules(); // the same declaration at the next boot does not fire it again
    expect((await engine.tick()).schedulesMaterialized).toBe(0);
  });

  it('three tickers racing over 500 fire times create exactly one run per occurrence, none missing', async () => {
    const clock = new ManualClock('2025-05-01T00:00:30Z');
    const definition = task({
      id: 'race.minutely',
      schedule: { id: 'race.minutely', cron: '* * * * *' },
      run: () => undefined,
    });
    const tickers = [0, 1, 2].map(() => createEngine(db, [definition], { clock }));
    await tickers[0].reconcileSchedules();
    let materialized = 0;
    for (let minute = 1; minute <= 500; minute += 1) {
      clock.advance(60_000);
      const results = await Promise.all(tickers.map((ticker) => ticker.tick()));
      materialized += results.reduce((sum, result) => sum + result.schedulesMaterialized, 0);
    }
    const times = await fireTimes('race.minutely');
    const expected = Array.from({ length: 500 }, (_, index) =>
      new Date(Date.parse('2025-05-01T00:01:00Z') + index * 60_000).toISOString(),
    );
    expect(times).toHaveLength(500);
    expect([...times].sort()).toEqual(expected);
    expect(materialized).toBe(500);
    expect((await tickers[1].getSchedule('race.minutely')).coalescedTotal).toBe(0);
  });

  it('a tick that crashes before advancing the schedule leaves nothing behind; the next tick creates the run once', async () => {
    const clock = new ManualClock('2025-05-01T00:00:00Z');
    const definition = task({
      id: 'crash.hourly',
      schedule: { id: 'crash.hourly', cron: '0 * * * *' },
      run: () => undefined,
    });
    let crash = true;
    const database = dataSourceDatabase(db.dataSource);
    // Fails the statement that advances the schedule, inside the materializing transaction.
    const crashingDb: RunlaneDatabase = {
      query: (sql, params) => database.query(sql, params),
      transaction: (work) =>
        database.transaction((tx) => {
          const failing: RunlaneDatabase = {
            query: async (sql, params) => {
              if (crash && sql.includes('UPDATE runlane_schedules s SET'))
                throw new Error('simulated crash');
              return tx.query(sql, params);
            },
            transaction: (inner) => inner(failing),
          };
          return work(failing);
        }),
    };
    const registered = resolveTask(definition, () => undefined, 'test:crash.hourly');
    const crashing = new RunlaneEngine({ database: crashingDb, tasks: [registered], clock });
    const healthy = createEngine(db, [definition], { clock });
    await crashing.reconcileSchedules();
    clock.set('2025-05-01T01:00:00Z');
    await expect(crashing.tick()).rejects.toThrow('simulated crash');
    expect(await fireTimes('crash.hourly')).toEqual([]);
    crash = false;
    expect((await crashing.tick()).schedulesMaterialized).toBe(1);
    expect((await healthy.tick()).schedulesMaterialized).toBe(0);
    expect(await fireTimes('crash.hourly')).toEqual(['2025-05-01T01:00:00.000Z']);
  });

  it('a run left for a fire time by an earlier interrupted materialization is found by its key, not doubled', async () => {
    const clock = new ManualClock('2025-05-01T00:00:00Z');
    const definition = task({
      id: 'leftover.hourly',
      schedule: { id: 'leftover.hourly', cron: '0 * * * *' },
      run: () => undefined,
    });
    const engine = createEngine(db, [definition], { clock });
    await engine.reconcileSchedules();
    const leftover = await engine.trigger(definition, undefined, {
      idempotencyKey: 'schedule:leftover.hourly@2025-05-01T01:00:00.000Z',
    });
    clock.set('2025-05-01T01:00:05Z');
    expect((await engine.tick()).schedulesMaterialized).toBe(0);
    const schedule = await engine.getSchedule('leftover.hourly');
    expect(schedule.lastRunId).toBe(leftover.run.id);
    expect(schedule.nextFireAt?.toISOString()).toBe('2025-05-01T02:00:00.000Z');
    const count = await db.query(
      `SELECT count(*)::int AS n FROM runlane_runs WHERE task_id = 'leftover.hourly'`,
    );
    expect(count[0].n).toBe(1);
  });

  it('a paused schedule does not fire; resumed, it fires from now on without making up the paused time', async () => {
    const { engine, clock } = await scheduled(
      'pause.hourly',
      { id: 'pause.hourly', cron: '0 * * * *' },
      '2025-05-01T00:30:00Z',
    );
    expect((await engine.pauseSchedule('pause.hourly')).paused).toBe(true);
    clock.set('2025-05-01T03:30:00Z');
    expect((await engine.tick()).schedulesMaterialized).toBe(0);
    await engine.reconcileSchedules(); // boot keeps operator state
    const resumed = await engine.resumeSchedule('pause.hourly');
    expect(resumed.paused).toBe(false);
    expect(resumed.nextFireAt?.toISOString()).toBe('2025-05-01T04:00:00.000Z');
    clock.set('2025-05-01T04:00:00Z');
    expect((await engine.tick()).schedulesMaterialized).toBe(1);
    expect(await fireTimes('pause.hourly')).toEqual(['2025-05-01T04:00:00.000Z']);
  });

  it('tick() only materializes schedules of tasks this process registers', async () => {
    const clock = new ManualClock('2025-05-01T00:00:00Z');
    const owner = createEngine(
      db,
      [
        task({
          id: 'owned.task',
          schedule: { id: 'owned.every', every: '1m' },
          run: () => undefined,
        }),
      ],
      { clock },
    );
    const stranger = createEngine(db, [task({ id: 'other.task', run: () => undefined })], {
      clock,
    });
    await owner.reconcileSchedules();
    await stranger.reconcileSchedules();
    clock.set('2025-05-01T00:01:00Z');
    expect((await stranger.tick()).schedulesMaterialized).toBe(0);
    expect((await owner.getSchedule('owned.every')).enabled).toBe(true);
    expect((await owner.tick()).schedulesMaterialized).toBe(1);
  });
});
