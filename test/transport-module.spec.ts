import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { task } from '../lib/core/task.types.js';
import type { RunlaneModuleOptions } from '../lib/interfaces/runlane-module-options.interface.js';
import { RunlaneModule } from '../lib/runlane.module.js';
import { RunlaneService } from '../lib/runlane.service.js';
import { AmqpTransport } from '../lib/transports/amqp.transport.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('forRoot({ transport }) wires wakeups end to end', () => {
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

  async function boot(queue: string, options: Partial<RunlaneModuleOptions>) {
    const job = task({ id: `module.${queue}`, queue, run: () => 'woken' });
    app = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: db.url, autoLoadEntities: true }),
        // A one-minute poll: only a wakeup explains a run that starts within seconds.
        RunlaneModule.forRoot({
          tasks: [job],
          worker: { enabled: true, pollInterval: '60s' },
          ...options,
        }),
      ],
    }).compile();
    await app.init();
    // Let the worker finish its first (empty) claim and go idle.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { runlane: app.get(RunlaneService), job };
  }

  it('the default transport (PostgreSQL LISTEN/NOTIFY) wakes an idle worker', async () => {
    const { runlane, job } = await boot('module-pg', {});
    const { run, dispatch } = await runlane.trigger(job, {});
    expect(dispatch).toEqual({ status: 'published' });
    await waitFor(
      async () => (await runlane.getRun(run.id)).status === 'completed',
      'woken by NOTIFY',
      10_000,
    );
  });

  it('an AmqpTransport wakes an idle worker through RabbitMQ', async () => {
    const transport = new AmqpTransport({
      url: AMQP_URL,
      queuePrefix: `test.${randomUUID().slice(0, 8)}.`,
    });
    const { runlane, job } = await boot('module-amqp', { transport });
    const { run, dispatch } = await runlane.trigger(job, {});
    expect(dispatch).toEqual({ status: 'published' });
    await waitFor(
      async () => (await runlane.getRun(run.id)).status === 'completed',
      'woken by RabbitMQ',
      10_000,
    );
    // The wakeup can be consumed before the publisher records `dispatched`: both orders are fine.
    const types = (await runlane.getRunEvents(run.id)).map((event) => event.type);
    expect(types.filter((type) => type !== 'dispatched')).toEqual([
      'created',
      'claimed',
      'completed',
    ]);
    await waitFor(
      async () => (await runlane.getRunEvents(run.id)).some((event) => event.type === 'dispatched'),
      'dispatched recorded',
    );
  });
});
