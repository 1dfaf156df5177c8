import { z } from 'zod';
import { ManualClock } from '../lib/core/clock.js';
import {
  InvalidScheduleError,
  ScheduleAlreadyExistsError,
  ScheduleDeclaredInCodeError,
  ScheduleNotFoundError,
  UnknownTaskError,
} from '../lib/core/errors.js';
import type { RunlaneEngine } from '../lib/core/runlane-engine.js';
import type { CreateScheduleInput } from '../lib/core/schedule.types.js';
import { task } from '../lib/core/task.types.js';
import { createEngine } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const reportSchema = z.object({ customerId: z.string() });

describe('the schedules API', () => {
  let db: TestDatabase;
  let engine: RunlaneEngine;
  const clock = new ManualClock('2025-05-01T10:00:00Z');
  const buildReport = task({ id: 'reports.build', schema: reportSchema, run: () => undefined });
  const nightly = task({
    id: 'reports.nightly',
    schedule: { id: 'reports.nightly', cron: '0 2 * * *' },
    run: () => undefined,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    engine = createEngine(db, [buildReport, nightly], { clock });
    await engine.reconcileSchedules();
  });
  afterAll(async () => {
    await db.drop();
  });

  async function storedRows(): Promise<unknown[]> {
    return db.query(`SELECT * FROM runlane_schedules ORDER BY id`);
  }

  it('creates a per-customer schedule that fires like a declared one and lists with next and last fire times', async () => {
    const created = await engine.createSchedule({
      id: 'reports.customer-1',
      taskId: 'reports.build',
      cron: '0 6 * * 1',
      timeZone: 'Europe/Paris',
      payload: { customerId: 'c1' },
    });
    expect(created).toMatchObject({
      id: 'reports.customer-1',
      origin: 'api',
      kind: 'cron',
      timeZone: 'Europe/Paris',
      paused: false,
      lastFireAt: null,
    });
    expect(created.nextFireAt?.toISOString()).toBe('2025-05-05T04:00:00.000Z'); // Monday 06:00 CEST
    clock.set('2025-05-05T04:00:00Z');
    // The declared nightly schedule fires too: its four missed 02:00s coalesce into one run.
    expect(await engine.tick()).toMatchObject({
      schedulesMaterialized: 2,
      scheduleFireTimesCoalesced: 3,
    });
    const listed = await engine.listSchedules({ taskId: 'reports.build' });
    expect(listed).toHaveLength(1);
    expect(listed[0].lastFireAt?.toISOString()).toBe('2025-05-05T04:00:00.000Z');
    expect(listed[0].nextFireAt?.toISOString()).toBe('2025-05-12T04:00:00.000Z');
    expect((await engine.getRun(listed[0].lastRunId!)).payload).toEqual({ customerId: 'c1' });
    expect((await engine.listSchedules()).map((schedule) => schedule.id)).toEqual([
      'reports.customer-1',
      'reports.nightly',
    ]);
  });

  it('updates the timing (recomputing the next fire time) or only the payload (keeping it)', async () => {
    clock.set('2025-05-06T00:00:00Z');
    await engine.createSchedule({
      id: 'reports.customer-2',
      taskId: 'reports.build',
      every: '1h',
      payload: { customerId: 'c2' },
    });
    const payloadOnly = await engine.updateSchedule('reports.customer-2', {
      payload: { customerId: 'c2b' },
    });
    expect(payloadOnly).toMatchObject({
      kind: 'every',
      every: 3_600_000,
      payload: { customerId: 'c2b' },
    });
    expect(payloadOnly.nextFireAt?.toISOString()).toBe('2025-05-06T01:00:00.000Z');
    const retimed = await engine.updateSchedule('reports.customer-2', {
      cron: '30 8 * * *',
      timeZone: 'Asia/Tokyo',
    });
    expect(retimed).toMatchObject({
      kind: 'cron',
      cron: '30 8 * * *',
      timeZone: 'Asia/Tokyo',
      every: null,
      payload: { customerId: 'c2b' },
    });
    expect(retimed.nextFireAt?.toISOString()).toBe('2025-05-06T23:30:00.000Z');
    const rezoned = await engine.updateSchedule('reports.customer-2', { timeZone: 'UTC' });
    expect(rezoned.cron).toBe('30 8 * * *');
    expect(rezoned.nextFireAt?.toISOString()).toBe('2025-05-06T08:30:00.000Z');
  });

  it('pauses, resumes and deletes; runs a deleted schedule created are kept', async () => {
    clock.set('2025-05-07T00:00:00Z');
    await engine.createSchedule({
      id: 'reports.customer-3',
      taskId: 'reports.build',
      every: '10m',
      payload: { customerId: 'c3' },
    });
    clock.set('2025-05-07T00:10:00Z');
    await engine.tick();
    expect((await engine.pauseSchedule('reports.customer-3')).paused).toBe(true);
    clock.set('2025-05-07T01:00:00Z');
    await engine.tick();
    expect((await engine.getSchedule('reports.customer-3')).lastFireAt?.toISOString()).toBe(
      '2025-05-07T00:10:00.000Z',
    );
    expect((await engine.resumeSchedule('reports.customer-3')).nextFireAt?.toISOString()).toBe(
      '2025-05-07T01:10:00.000Z',
    );
    const { lastRunId } = await engine.getSchedule('reports.customer-3');
    await engine.deleteSchedule('reports.customer-3');
    await expect(engine.getSchedule('reports.customer-3')).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
    expect((await engine.getRun(lastRunId!)).source).toMatchObject({
      type: 'schedule',
      scheduleId: 'reports.customer-3',
    });
  });

  describe('bad input is a typed error and stores nothing', () => {
    const base = { id: 'reports.bad', taskId: 'reports.build', payload: { customerId: 'c9' } };
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'an invalid cron',
        { cron: 'every monday' },
        'option "cron" "every monday" is not a valid cron pattern',
      ],
      [
        'an unknown time zone',
        { cron: '0 9 * * *', timeZone: 'Mars/Olympus_Mons' },
        'is not a known IANA time zone',
      ],
      ['a zero interval', { every: '0s' }, 'option "every" must be a duration greater than zero'],
      [
        'a negative interval',
        { every: -1000 },
        'option "every" must be a duration greater than zero',
      ],
      ['an invalid "at"', { at: 'tomorrow' }, 'option "at" must be a Date or an ISO 8601 string'],
      [
        'a time zone on an interval',
        { every: '1h', timeZone: 'UTC' },
        'option "timeZone" applies to cron schedules only',
      ],
      [
        'a payload failing the schema',
        { every: '1h', payload: { customer: 'c9' } },
        "its payload fails the task's schema: customerId:",
      ],
      ['an invalid id', { id: 'has spaces', every: '1h' }, 'the id must be 1-200 characters'],
    ];
    it.each(cases)('%s', async (_name, spec, detail) => {
      const before = await storedRows();
      const error = await engine
        .createSchedule({ ...base, ...spec } as CreateScheduleInput)
        .catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(InvalidScheduleError);
      expect((error as Error).message).toContain(detail);
      expect((error as Error).message).toContain('Runlane task "reports.build", schedule ');
      expect(await storedRows()).toEqual(before);
    });

    it('a payload failing the schema carries its issues', async () => {
      const error = (await engine
        .createSchedule({ ...base, every: '1h', payload: { customerId: 7 } })
        .catch((caught: Error) => caught)) as InvalidScheduleError;
      expect(error.issues).toEqual([expect.objectContaining({ path: 'customerId' })]);
    });

    it('an unknown task, a taken id, a missing schedule', async () => {
      await expect(
        engine.createSchedule({ ...base, taskId: 'reports.nope', every: '1h' }),
      ).rejects.toBeInstanceOf(UnknownTaskError);
      await expect(
        engine.createSchedule({ ...base, id: 'reports.nightly', every: '1h' }),
      ).rejects.toThrow('Runlane schedule "reports.nightly" already exists (declared in code).');
      await expect(
        engine.createSchedule({ ...base, id: 'reports.nightly', every: '1h' }),
      ).rejects.toBeInstanceOf(ScheduleAlreadyExistsError);
      for (const call of [
        () => engine.getSchedule('reports.missing'),
        () => engine.updateSchedule('reports.missing', { every: '1h' }),
        () => engine.pauseSchedule('reports.missing'),
        () => engine.resumeSchedule('reports.missing'),
        () => engine.deleteSchedule('reports.missing'),
      ]) {
        await expect(call()).rejects.toBeInstanceOf(ScheduleNotFoundError);
      }
    });

    it('an update with a bad timing leaves the schedule as it was', async () => {
      await engine.createSchedule({ ...base, id: 'reports.keep', every: '1h' });
      const before = await storedRows();
      await expect(
        engine.updateSchedule('reports.keep', { cron: '99 * * * *' }),
      ).rejects.toBeInstanceOf(InvalidScheduleError);
      await expect(
        engine.updateSchedule('reports.keep', { payload: { customerId: null } }),
      ).rejects.toBeInstanceOf(InvalidScheduleError);
      expect(await storedRows()).toEqual(before);
    });

    it('a schedule declared in code is changed in code, not through the API', async () => {
      const before = await storedRows();
      await expect(
        engine.updateSchedule('reports.nightly', { cron: '0 3 * * *' }),
      ).rejects.toBeInstanceOf(ScheduleDeclaredInCodeError);
      await expect(engine.deleteSchedule('reports.nightly')).rejects.toBeInstanceOf(
        ScheduleDeclaredInCodeError,
      );
      expect(await storedRows()).toEqual(before);
    });
  });
});
