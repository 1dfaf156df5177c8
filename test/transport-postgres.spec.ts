import pg from 'pg';
import type { RunlaneEngine } from '../lib/core/runlane-engine.js';
import { task } from '../lib/core/task.types.js';
import type { WorkerHandle } from '../lib/core/worker.js';
import { PostgresTransport } from '../lib/transports/postgres.transport.js';
import {
  postgresConnectionConfig,
  resolveTransport,
} from '../lib/transports/data-source-transport.util.js';
import { NoneTransport } from '../lib/transports/none.transport.js';
import { entityManagerDatabase } from '../lib/typeorm-database.js';
import { silentLogger } from '../lib/core/logger.js';
import { createEngine } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { sleep, waitFor } from './support/wait.js';

describe('the postgres transport', () => {
  let db: TestDatabase;
  let spy: pg.Client;
  const notifications: string[] = [];
  const engines: RunlaneEngine[] = [];
  const workers: WorkerHandle[] = [];
  const started = new Set<string>();
  const work = task({
    id: 'pg-transport.work',
    run: async (_payload: { n: number }, context) => {
      started.add(context.runId);
    },
  });

  async function idleWorker(engine: RunlaneEngine): Promise<void> {
    // A 60s poll: only a wakeup can explain an attempt that starts sooner.
    workers.push(await engine.worker({ pollInterval: '60s', concurrency: 20 }));
    await sleep(200);
  }

  function engineWith(options: Parameters<typeof createEngine>[2] = {}) {
    const engine = createEngine(db, [work], {
      transport: new PostgresTransport({
        connection: db.url,
        reconnectDelay: 50,
        maxReconnectDelay: 500,
      }),
      ...options,
    });
    engines.push(engine);
    return engine;
  }

  /** Notifies a marker after the action and returns the queue notifications received before it. */
  async function notificationsUntilMarker(): Promise<string[]> {
    const marker = `marker-${Math.random()}`;
    await db.query(`SELECT pg_notify('runlane_wakeup', $1)`, [marker]);
    await waitFor(() => notifications.includes(marker), 'the marker notification');
    const before = notifications.slice(0, notifications.indexOf(marker));
    notifications.length = 0;
    return before;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    spy = new pg.Client({ connectionString: db.url });
    await spy.connect();
    spy.on('notification', (message) => notifications.push(message.payload ?? ''));
    await spy.query('LISTEN runlane_wakeup');
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
    started.clear();
    notifications.length = 0;
  });
  afterAll(async () => {
    await spy.end();
    await db.drop();
  });

  it('immediate dispatch: the trigger statement notifies at commit and an idle worker starts the run', async () => {
    const engine = engineWith();
    await idleWorker(engine);
    const { run, dispatch } = await engine.trigger(work, { n: 1 });
    expect(dispatch).toEqual({ status: 'published' });
    await waitFor(() => started.has(run.id), 'the attempt to start');
    expect(await db.query(`SELECT count(*)::int AS count FROM runlane_outbox`)).toEqual([
      { count: 0 },
    ]);
  });

  it('deferred dispatch: no notification until tick() publishes the delivery request, then the run is delivered', async () => {
    const engine = engineWith({ dispatch: 'deferred' });
    await idleWorker(engine);
    notifications.length = 0;
    const { run, dispatch } = await engine.trigger(work, { n: 2 });
    expect(dispatch).toEqual({ status: 'pending' });
    expect(await notificationsUntilMarker()).toEqual([]);
    expect(started.has(run.id)).toBe(false);
    expect(await engine.tick()).toMatchObject({ deliveriesPublished: 1 });
    await waitFor(() => started.has(run.id), 'the attempt to start');
    expect((await engine.getRunEvents(run.id)).map((event) => event.type)).toContain('dispatched');
  });

  it('a rolled-back transaction stores no run and sends no wakeup; a committed one is delivered at commit', async () => {
    const engine = engineWith();
    await idleWorker(engine);
    notifications.length = 0;
    await expect(
      db.dataSource.transaction(async (manager) => {
        await engine.trigger(work, { n: 3 }, { database: entityManagerDatabase(manager) });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await notificationsUntilMarker()).toEqual([]);
    expect(
      await db.query(`SELECT count(*)::int AS count FROM runlane_runs WHERE payload = '{"n": 3}'`),
    ).toEqual([{ count: 0 }]);

    const { run, dispatch } = await db.dataSource.transaction((manager) =>
      engine.trigger(work, { n: 4 }, { database: entityManagerDatabase(manager) }),
    );
    expect(dispatch).toEqual({ status: 'published' });
    await waitFor(() => started.has(run.id), 'the committed run to start');
  });

  it('every run completes when the LISTEN connection is killed mid-load', async () => {
    const engine = engineWith();
    await idleWorker(engine);
    const ids: string[] = [];
    const listenerPids = () =>
      db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'runlane-listener' AND datname = current_database()`,
      );
    const [listener] = await listenerPids();
    expect(listener).toBeDefined();
    for (let n = 0; n < 150; n += 1) {
      if (n === 50) await db.query(`SELECT pg_terminate_backend($1)`, [listener.pid]);
      ids.push((await engine.trigger(work, { n })).run.id);
    }
    await waitFor(async () => {
      const [row] = await db.query(
        `SELECT count(*)::int AS count FROM runlane_runs WHERE id = ANY($1::bigint[]) AND status = 'completed'`,
        [ids],
      );
      return row.count === ids.length;
    }, 'all runs to complete');
    const [reconnected] = await listenerPids();
    expect(reconnected.pid).not.toBe(listener.pid);
  });

  it('the Nest layer builds the listener from the DataSource and falls back to polling for PGlite', () => {
    expect(postgresConnectionConfig(db.dataSource)).toEqual({ connectionString: db.url });
    expect(resolveTransport(undefined, db.dataSource, silentLogger)).toBeInstanceOf(
      PostgresTransport,
    );
    expect(resolveTransport('none', db.dataSource, silentLogger)).toBeInstanceOf(NoneTransport);
    const pglite = { options: { type: 'postgres', driver: class {} } } as never;
    expect(resolveTransport(undefined, pglite, silentLogger)).toBeInstanceOf(NoneTransport);
    expect(resolveTransport('postgres', pglite, silentLogger)).toBeInstanceOf(NoneTransport);
  });

  it('with the none transport nothing is written or published and workers poll', async () => {
    const engine = createEngine(db, [work], { transport: new NoneTransport() });
    engines.push(engine);
    const { run, dispatch } = await engine.trigger(work, { n: 5 });
    expect(dispatch).toEqual({ status: 'polling' });
    expect(
      await db.query(`SELECT count(*)::int AS count FROM runlane_outbox WHERE run_id = $1`, [
        run.id,
      ]),
    ).toEqual([{ count: 0 }]);
    expect(await engine.executeNext()).toMatchObject({ runId: run.id, outcome: 'completed' });
  });
});
