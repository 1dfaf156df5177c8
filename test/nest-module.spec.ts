import { Inject, Injectable, Module, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { IsString } from 'class-validator';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { Task } from '../lib/decorators/task.decorator.js';
import type { RunlaneModuleOptions } from '../lib/interfaces/runlane-module-options.interface.js';
import { RunlaneModule } from '../lib/runlane.module.js';
import { RunlaneService } from '../lib/runlane.service.js';
import { defineTask, task, type TaskContext } from '../lib/core/task.types.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

class WelcomeEmailDto {
  @IsString()
  userId!: string;
}

const sendWelcomeEmail = defineTask({ id: 'emails.sendWelcome', schema: WelcomeEmailDto });

@Injectable()
class Mailer {
  readonly sent: string[] = [];
  send(to: string) {
    this.sent.push(to);
  }
}

@Injectable()
class EmailTasks {
  constructor(private readonly mailer: Mailer) {}

  @Task(sendWelcomeEmail)
  async sendWelcome(payload: WelcomeEmailDto, context: TaskContext) {
    this.mailer.send(payload.userId);
    return { dto: payload instanceof WelcomeEmailDto, attempt: context.attempt };
  }
}

const functional = task({
  id: 'functional.double',
  schema: z.object({ n: z.number() }),
  run: (payload) => payload.n * 2,
});

describe('RunlaneModule', () => {
  let db: TestDatabase;
  let app: TestingModule | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(async () => {
    await db.drop();
  });

  const typeorm = () =>
    TypeOrmModule.forRoot({ type: 'postgres', url: db.url, autoLoadEntities: true });

  async function boot(options: RunlaneModuleOptions, providers: any[] = [Mailer, EmailTasks]) {
    app = await Test.createTestingModule({
      imports: [typeorm(), RunlaneModule.forRoot(options)],
      providers,
    }).compile();
    await app.init();
    return app;
  }

  it('discovers @Task methods, runs them with the provider’s injected services, and registers functional tasks', async () => {
    await boot({ tasks: [functional] });
    const runlane = app!.get(RunlaneService);
    const { run } = await runlane.trigger(sendWelcomeEmail, { userId: 'user_123' });
    const doubled = await runlane.trigger(functional, { n: 21 });
    await runlane.executeNext();
    await runlane.executeNext();
    expect(app!.get(Mailer).sent).toEqual(['user_123']);
    expect(await runlane.getRun(run.id)).toMatchObject({
      status: 'completed',
      result: { dto: true, attempt: 1 },
    });
    expect(await runlane.getRun(doubled.run.id)).toMatchObject({ status: 'completed', result: 42 });
  });

  it('autoLoadEntities registers Runlane’s entities with the application’s DataSource', async () => {
    await boot({});
    const dataSource = app!.get<DataSource>(getDataSourceToken());
    const tables = dataSource.entityMetadatas.map((metadata) => metadata.tableName).sort();
    expect(tables).toEqual([
      'runlane_outbox',
      'runlane_queues',
      'runlane_run_events',
      'runlane_runs',
      'runlane_schedules',
    ]);
  });

  it('forRoot({ worker: { enabled: true } }) executes runs after bootstrap and stops on shutdown', async () => {
    await boot({ worker: { enabled: true, concurrency: 2, pollInterval: 20 } });
    const runlane = app!.get(RunlaneService);
    const { run } = await runlane.trigger(sendWelcomeEmail, { userId: 'user_456' });
    await waitFor(
      async () => (await runlane.getRun(run.id)).status === 'completed',
      'worker completed the run',
    );
    await app!.close();
    app = undefined;
  });

  it('forRoot({ tick }) drives tick() on an interval registered with @nestjs/schedule', async () => {
    const { ScheduleModule, SchedulerRegistry } = await import('@nestjs/schedule');
    const waiting = task({
      id: 'tick.waiting',
      queue: 'tick-queue',
      run: (_p: unknown, context: TaskContext) =>
        context.releases === 0 ? context.release(100) : 'done',
    });
    app = await Test.createTestingModule({
      imports: [
        typeorm(),
        ScheduleModule.forRoot(),
        RunlaneModule.forRoot({ tasks: [waiting], tick: { interval: 50 } }),
      ],
    }).compile();
    await app.init();
    expect(app.get(SchedulerRegistry).getIntervals()).toContain('runlane.tick');
    const runlane = app.get(RunlaneService);
    const { run } = await runlane.trigger(waiting, {});
    await runlane.executeNext({ queues: ['tick-queue'] });
    // Nobody calls tick(): the interval resumes the released run when its time comes.
    await waitFor(
      async () => (await runlane.getRunEvents(run.id)).some((event) => event.type === 'resumed'),
      'resumed by the ticker',
    );
    await app.close();
    app = undefined;
  });

  it('forRootAsync accepts useFactory with inject, useClass and useExisting', async () => {
    @Injectable()
    class Settings {
      readonly leaseDuration = '45s';
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}
    @Injectable()
    class RunlaneOptionsService {
      createRunlaneOptions(): RunlaneModuleOptions {
        return { tasks: [functional] };
      }
    }
    @Module({ providers: [RunlaneOptionsService], exports: [RunlaneOptionsService] })
    class OptionsModule {}

    const variants = [
      RunlaneModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: (settings: Settings) => ({
          tasks: [functional],
          leaseDuration: settings.leaseDuration,
        }),
      }),
      RunlaneModule.forRootAsync({ useClass: RunlaneOptionsService }),
      RunlaneModule.forRootAsync({ imports: [OptionsModule], useExisting: RunlaneOptionsService }),
    ];
    for (const runlaneModule of variants) {
      const moduleRef = await Test.createTestingModule({
        imports: [typeorm(), runlaneModule],
      }).compile();
      await moduleRef.init();
      const runlane = moduleRef.get(RunlaneService);
      const result = await runlane.runNow(functional, { n: 2 });
      expect(result).toMatchObject({ status: 'completed', result: 4 });
      await moduleRef.close();
    }
  });

  it('a duplicate task id fails boot, naming the task and both places', async () => {
    const clash = task({ id: 'emails.sendWelcome', run: () => undefined });
    await expect(boot({ tasks: [clash] })).rejects.toThrow(
      /task "emails\.sendWelcome" is declared more than once \(EmailTasks\.sendWelcome, RunlaneModule\.forRoot/,
    );
  });

  it('a task on a request-scoped provider fails boot', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class ScopedTasks {
      @Task({ id: 'scoped.task' })
      run() {
        return undefined;
      }
    }
    await expect(boot({}, [ScopedTasks])).rejects.toThrow(
      /"scoped\.task" is declared on ScopedTasks, which is request-scoped/,
    );
  });

  it('a provider depending on a request-scoped provider is refused too', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class RequestContext {}
    @Injectable()
    class ImplicitlyScoped {
      constructor(@Inject(RequestContext) readonly context: RequestContext) {}
      @Task({ id: 'implicit.scoped' })
      run() {
        return undefined;
      }
    }
    await expect(boot({}, [RequestContext, ImplicitlyScoped])).rejects.toThrow(/implicit\.scoped/);
  });

  it('an invalid task option fails boot with a message naming the task', async () => {
    const broken = task({ id: 'broken.retry', retry: { maxAttempts: -1 }, run: () => undefined });
    await expect(boot({ tasks: [broken] })).rejects.toThrow(
      /Runlane task "broken\.retry": retry\.maxAttempts/,
    );
  });

  it('missing tables fail boot with a message saying how to create them', async () => {
    const empty = await createTestDatabase({ migrate: false });
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          TypeOrmModule.forRoot({ type: 'postgres', url: empty.url, autoLoadEntities: true }),
          RunlaneModule.forRoot({}),
        ],
      }).compile();
      await expect(moduleRef.init()).rejects.toMatchObject({
        code: 'RUNLANE_TABLES_MISSING',
        message: expect.stringMatching(/runlane_runs.*runlaneMigrations/s),
      });
      await moduleRef.close();
    } finally {
      await empty.drop();
    }
  });
});
