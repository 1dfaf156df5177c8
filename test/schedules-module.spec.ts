import 'reflect-metadata';
import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { z } from 'zod';
import { ManualClock } from '../lib/core/clock.js';
import {
  DuplicateScheduleError,
  InvalidOptionError,
  InvalidScheduleError,
  ScheduleAlreadyExistsError,
} from '../lib/core/errors.js';
import type { RunlaneLogger } from '../lib/core/logger.js';
import { defineTask, task, type TaskDefinition } from '../lib/core/task.types.js';
import { Schedule } from '../lib/decorators/schedule.decorator.js';
import { Task } from '../lib/decorators/task.decorator.js';
import { RunlaneModule } from '../lib/runlane.module.js';
import { RunlaneService } from '../lib/runlane.service.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const digestSchema = z.object({ userId: z.string() });
const sendDigest = defineTask({ id: 'digests.send', schema: digestSchema });

@Injectable()
class DigestTasksV1 {
  @Task(sendDigest)
  @Schedule({
    id: 'digests.daily',
    cron: '0 9 * * *',
    timeZone: 'America/New_York',
    payload: { userId: 'user_123' },
  })
  @Schedule({ id: 'digests.heartbeat', every: '10s', payload: { userId: 'ops' } })
  async send(_payload: z.infer<typeof digestSchema>): Promise<void> {}
}

@Injectable()
class DigestTasksV2 {
  @Task(sendDigest)
  @Schedule({
    id: 'digests.daily',
    cron: '0 7 * * *',
    timeZone: 'America/New_York',
    payload: { userId: 'user_123' },
  })
  async send(_payload: z.infer<typeof digestSchema>): Promise<void> {}
}

class CapturingLogger implements RunlaneLogger {
  readonly lines: string[] = [];
  debug(): void {}
  log(message: string): void {
    this.lines.push(message);
  }
  warn(message: string): void {
    this.lines.push(message);
  }
  error(message: string): void {
    this.lines.push(message);
  }
}

describe('schedules through the Nest module', () => {
  let db: TestDatabase;
  const clock = new ManualClock('2025-01-15T12:00:00Z');
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  async function boot(options: {
    providers?: Type[];
    tasks?: TaskDefinition[];
    logger?: RunlaneLogger;
  }): Promise<INestApplicationContext> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: db.url,
          autoLoadEntities: true,
          logging: false,
        }),
        RunlaneModule.forRoot({
          tasks: options.tasks ?? [],
          clock,
          logger: options.logger ?? new CapturingLogger(),
        }),
      ],
      providers: options.providers ?? [],
    }).compile();
    return moduleRef.init();
  }

  async function bootFails(options: Parameters<typeof boot>[0]): Promise<Error> {
    try {
      const app = await boot(options);
      await app.close();
    } catch (error) {
      return error as Error;
    }
    throw new Error('boot succeeded');
  }

  async function storedSchedules(): Promise<
    { id: string; enabled: boolean; spec: any; next_fire_at: Date | null }[]
  > {
    return db.query(`SELECT id, enabled, spec, next_fire_at FROM runlane_schedules ORDER BY id`);
  }

  it('boot stores the @Schedule declarations; changing a cron updates the stored schedule; removing one disables it', async () => {
    const first = await boot({ providers: [DigestTasksV1] });
    const service = first.get(RunlaneService);
    const daily = await service.getSchedule('digests.daily');
    expect(daily).toMatchObject({
      taskId: 'digests.send',
      kind: 'cron',
      cron: '0 9 * * *',
      origin: 'code',
      enabled: true,
    });
    expect(daily.nextFireAt?.toISOString()).toBe('2025-01-15T14:00:00.000Z');
    expect((await service.listSchedules()).map((schedule) => schedule.id)).toEqual([
      'digests.daily',
      'digests.heartbeat',
    ]);
    await first.close();

    const logger = new CapturingLogger();
    const second = await boot({ providers: [DigestTasksV2], logger });
    const changed = await second.get(RunlaneService).getSchedule('digests.daily');
    expect(changed).toMatchObject({ cron: '0 7 * * *', enabled: true });
    expect(changed.nextFireAt?.toISOString()).toBe('2025-01-16T12:00:00.000Z'); // 07:00 EST; today's 12:00Z is not after now
    const removed = await second.get(RunlaneService).getSchedule('digests.heartbeat');
    expect(removed.enabled).toBe(false);
    expect(
      logger.lines.some(
        (line) => line.includes('"digests.heartbeat"') && line.includes('disabled'),
      ),
    ).toBe(true);
    clock.set('2025-01-16T12:00:00Z');
    expect(await second.get(RunlaneService).tick()).toMatchObject({ schedulesMaterialized: 1 });
    await second.close();
    clock.set('2025-01-15T12:00:00Z');

    const third = await boot({ providers: [DigestTasksV1] });
    expect((await third.get(RunlaneService).getSchedule('digests.heartbeat')).enabled).toBe(true);
    expect((await third.get(RunlaneService).getSchedule('digests.daily')).cron).toBe('0 9 * * *');
    await third.close();
  });

  it('runtime schedules survive boot reconciliation; a declared schedule may not take a runtime schedule id', async () => {
    const app = await boot({ providers: [DigestTasksV1] });
    const service = app.get(RunlaneService);
    await service.createSchedule({
      id: 'digests.customer-42',
      taskId: 'digests.send',
      every: '1h',
      payload: { userId: 'c42' },
    });
    await app.close();
    const again = await boot({ providers: [DigestTasksV1] });
    expect(await again.get(RunlaneService).getSchedule('digests.customer-42')).toMatchObject({
      origin: 'api',
      enabled: true,
    });
    await again.close();

    @Injectable()
    class Collides {
      @Task({ id: 'collides.task' })
      @Schedule({ id: 'digests.customer-42', every: '1m' })
      run(): void {}
    }
    const error = await bootFails({ providers: [DigestTasksV1, Collides] });
    expect(error).toBeInstanceOf(ScheduleAlreadyExistsError);
    expect(error.message).toContain('task "collides.task", schedule "digests.customer-42"');
  });

  it('task({ schedule }) declares schedules in the functional form, one or several', async () => {
    const one = task({
      id: 'functional.one',
      schedule: { id: 'functional.one', every: '5m' },
      run: () => undefined,
    });
    const many = task({
      id: 'functional.many',
      schedule: [
        { id: 'functional.many.a', at: '2025-02-01T00:00:00Z' },
        { id: 'functional.many.b', cron: '0 0 * * 1' },
      ],
      run: () => undefined,
    });
    const app = await boot({ tasks: [one, many] });
    const ids = (await app.get(RunlaneService).listSchedules()).map((schedule) => schedule.id);
    expect(ids).toEqual(
      expect.arrayContaining(['functional.one', 'functional.many.a', 'functional.many.b']),
    );
    expect(
      (await app.get(RunlaneService).getSchedule('functional.many.a')).nextFireAt?.toISOString(),
    ).toBe('2025-02-01T00:00:00.000Z');
    await app.close();
  });

  describe('boot fails, naming the task and the schedule, and stores nothing', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'an invalid cron',
        { cron: '0 25 * * *' },
        'option "cron" "0 25 * * *" is not a valid cron pattern',
      ],
      [
        'a cron of 7 fields',
        { cron: '0 0 9 * * * 2030' },
        'is not a valid cron pattern of 5 or 6 fields',
      ],
      [
        'an unknown time zone',
        { cron: '0 9 * * *', timeZone: 'America/Atlantis' },
        '"America/Atlantis" is not a known IANA time zone',
      ],
      ['a zero interval', { every: 0 }, 'option "every" must be a duration greater than zero'],
      [
        'a negative interval',
        { every: '-5m' },
        'option "every" must be a duration greater than zero',
      ],
      [
        'a payload failing the schema',
        { every: '1m', payload: { userId: 42 } },
        "its payload fails the task's schema: userId:",
      ],
      [
        'an "at" without a zone',
        { at: '2025-03-01T09:00:00' },
        'option "at" must be a Date or an ISO 8601 string with "Z" or a UTC offset',
      ],
      ['no timing', {}, 'needs one of "cron", "every" or "at"'],
      [
        'two timings',
        { cron: '* * * * *', every: '1m' },
        'takes one of "cron", "every" or "at", not "cron" and "every"',
      ],
      [
        'a misspelt option',
        { cron: '* * * * *', timezone: 'Europe/Paris' },
        'unknown option(s) "timezone"',
      ],
    ];
    it.each(cases)('%s', async (_name, spec, detail) => {
      const before = await storedSchedules();
      const broken = task({
        id: 'broken.task',
        schema: digestSchema,
        schedule: [
          { id: 'broken.fine', every: '1m', payload: { userId: 'ok' } },
          { id: 'broken.schedule', payload: { userId: 'ok' }, ...spec } as any,
        ],
        run: () => undefined,
      });
      const error = await bootFails({ tasks: [broken] });
      expect(error).toBeInstanceOf(InvalidScheduleError);
      expect(error.message).toContain('Runlane task "broken.task", schedule "broken.schedule": ');
      expect(error.message).toContain(detail);
      expect(await storedSchedules()).toEqual(before);
    });

    it('a schedule id used twice', async () => {
      const a = task({
        id: 'twice.a',
        schedule: { id: 'twice.same', every: '1m' },
        run: () => undefined,
      });
      const b = task({
        id: 'twice.b',
        schedule: { id: 'twice.same', cron: '0 * * * *' },
        run: () => undefined,
      });
      const error = await bootFails({ tasks: [a, b] });
      expect(error).toBeInstanceOf(DuplicateScheduleError);
      expect(error.message).toContain(
        'Runlane schedule "twice.same" is declared more than once (task "twice.a" at',
      );
      expect(error.message).toContain('task "twice.b" at');
      expect((await storedSchedules()).some((row) => row.id === 'twice.same')).toBe(false);
    });

    it('@Schedule() without @Task()', async () => {
      @Injectable()
      class Orphan {
        @Schedule({ id: 'orphan.schedule', every: '1m' })
        run(): void {}
      }
      const error = await bootFails({ providers: [Orphan] });
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error.message).toBe('@Schedule() on Orphan.run needs @Task() on the same method.');
    });
  });
});
