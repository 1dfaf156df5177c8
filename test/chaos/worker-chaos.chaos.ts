import { task } from '../../lib/core/task.types.js';
import { StorageUnavailableError } from '../../lib/core/errors.js';
import { createEngine } from '../support/engine.js';
import {
  ensurePostgres,
  restartPostgres,
  restartRabbitMq,
  stopPostgresFor,
} from '../support/services.js';
import { AmqpTransport } from '../../lib/transports/amqp.transport.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';
import { JOURNAL_DDL, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const RUNS = 2000;
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const AMQP_PREFIX = `chaos.${process.pid}.`;
const chaosTask = task({ id: 'proc.chaos', retry: { maxAttempts: 50 }, run: () => undefined });

interface Slot {
  id: string;
  current: WorkerProcess | undefined;
  killed: WorkerProcess[];
  generation: number;
}

/**
 * Three worker processes, with wakeups over RabbitMQ, drain 2,000 runs while workers are
 * SIGKILLed at random and restarted as a supervisor would, PostgreSQL restarts once and
 * stops for 6 seconds once, and RabbitMQ restarts once. Afterwards every run must be terminal, completed exactly once, and every
 * repeated execution must be an attempt of its own that a kill or a lost lease ended.
 */
describe('chaos: kills, database and broker outages', () => {
  let db: TestDatabase;
  const figures = {
    runs: RUNS,
    kills: 0,
    postgresRestarts: 0,
    postgresStops: 0,
    rabbitmqRestarts: 0,
    triggerRetries: 0,
    failedStarts: 0,
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(JOURNAL_DDL);
  });
  afterAll(async () => {
    await ensurePostgres();
    await db.drop();
  });

  it('no run lost, duplicated or stuck; no worker died but those killed', async () => {
    const transport = new AmqpTransport({
      url: AMQP_URL,
      queuePrefix: AMQP_PREFIX,
      connectionName: 'chaos-producer',
    });
    const engine = createEngine(db, [chaosTask], { transport });
    const slots: Slot[] = ['w1', 'w2', 'w3'].map((id) => ({
      id,
      current: undefined,
      killed: [],
      generation: 0,
    }));
    const start = async (slot: Slot): Promise<void> => {
      slot.generation += 1;
      try {
        slot.current = await spawn(slot);
      } catch (error) {
        // A process that could not boot (e.g. started while PostgreSQL was down for longer
        // than its boot retries) exits; a supervisor starts it again.
        figures.failedStarts += 1;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return start(slot);
      }
    };
    const spawn = (slot: Slot) =>
      startWorkerProcess({
        DATABASE_URL: db.url,
        WORKER_ID: `${slot.id}.${slot.generation}`,
        CONCURRENCY: '10',
        LEASE: '3s',
        POLL: '100ms',
        TICK: '500ms',
        TRANSPORT: 'amqp',
        AMQP_URL,
        AMQP_PREFIX,
      });
    await Promise.all(slots.map(start));

    // Runs arrive over time, also while the database is away: a trigger then fails with a
    // typed, retryable error, and the producer retries it, as an application would.
    let triggered = 0;
    const producer = (async () => {
      while (triggered < RUNS) {
        const batch = Array.from({ length: Math.min(25, RUNS - triggered) }, (_, i) => ({
          n: triggered + i,
        }));
        try {
          await engine.triggerBatch(chaosTask, batch);
          triggered += batch.length;
        } catch (error) {
          if (!(error instanceof StorageUnavailableError)) throw error;
          figures.triggerRetries += 1;
        }
        // 80 batches over about 30 seconds: triggers keep arriving through every outage.
        await new Promise((resolve) => setTimeout(resolve, 350));
      }
    })();

    const restarts: Promise<void>[] = [];
    const killer = async (stopAt: number) => {
      while (Date.now() < stopAt) {
        await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 1_500));
        const slot = slots[Math.floor(Math.random() * slots.length)];
        const victim = slot.current;
        if (!victim) continue;
        slot.current = undefined;
        slot.killed.push(victim);
        await victim.kill('SIGKILL');
        figures.kills += 1;
        // The supervisor restarts it shortly after, while the chaos goes on.
        restarts.push(new Promise((resolve) => setTimeout(resolve, 300)).then(() => start(slot)));
      }
    };
    const chaosEnds = Date.now() + 30_000;
    const kills = killer(chaosEnds);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await restartPostgres();
    figures.postgresRestarts += 1;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await stopPostgresFor(6_000);
    figures.postgresStops += 1;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await restartRabbitMq();
    figures.rabbitmqRestarts += 1;
    await kills;
    await Promise.all(restarts);
    await producer;

    await waitFor(
      async () => {
        const [{ open }] = await db.query(
          `SELECT count(*)::int AS open FROM runlane_runs WHERE status NOT IN ('completed', 'failed', 'cancelled')`,
        );
        return open === 0;
      },
      'every run terminal',
      180_000,
    );

    const [{ total, completed }] = await db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'completed')::int AS completed FROM runlane_runs`,
    );
    expect(total).toBe(RUNS);
    expect(completed).toBe(RUNS);
    const doubleCompleted = await db.query(
      `SELECT run_id FROM runlane_run_events WHERE type = 'completed' GROUP BY run_id HAVING count(*) <> 1`,
    );
    expect(doubleCompleted).toEqual([]);
    // Each execution in the journal is an attempt of its own in the run's history...
    const unmatched = await db.query(
      `SELECT j.run_id, j.attempt FROM journal j
       WHERE NOT EXISTS (SELECT 1 FROM runlane_run_events e WHERE e.run_id = j.run_id AND e.type = 'claimed' AND e.attempt = j.attempt)`,
    );
    expect(unmatched).toEqual([]);
    const sameAttemptTwice = await db.query(
      `SELECT run_id, attempt FROM journal GROUP BY run_id, attempt HAVING count(*) > 1`,
    );
    expect(sameAttemptTwice).toEqual([]);
    // ...and every execution that did not complete its run was interrupted by a kill, a
    // lost lease, an outage or a shutdown, as its events say.
    const unexplained = await db.query(
      `SELECT j.run_id, j.attempt FROM journal j
       WHERE NOT EXISTS (SELECT 1 FROM runlane_run_events e WHERE e.run_id = j.run_id AND e.attempt = j.attempt AND e.type = 'completed')
         AND NOT EXISTS (SELECT 1 FROM runlane_run_events e WHERE e.run_id = j.run_id AND e.attempt = j.attempt
                         AND e.type IN ('lease_expired', 'lease_lost', 'attempt_failed', 'worker_shutdown'))`,
    );
    expect(unexplained).toEqual([]);
    const [{ duplicates }] = await db.query(
      `SELECT coalesce(sum(n - 1), 0)::int AS duplicates FROM (SELECT count(*) AS n FROM journal GROUP BY run_id) x`,
    );
    // No delivery request is left behind: none pending, none given up on.
    const [{ pending }] = await db.query(
      `SELECT count(*)::int AS pending FROM runlane_outbox WHERE status <> 'published'`,
    );
    expect(pending).toBe(0);
    // No worker process died on its own: the only exits are the kills (a process started
    // during an outage waits for the database instead of exiting).
    expect(figures.failedStarts).toBe(0);
    // A process that exited by itself is reported with the end of its output.
    const diedAlone: { exit: unknown; output: string }[] = [];
    for (const slot of slots) {
      for (const killed of slot.killed) {
        const exit = await killed.exited;
        if (exit.signal !== 'SIGKILL') diedAlone.push({ exit, output: killed.output().slice(-3000) });
      }
      if (slot.current!.child.exitCode !== null) {
        diedAlone.push({ exit: slot.current!.child.exitCode, output: slot.current!.output().slice(-3000) });
      }
      expect(slot.current!.output()).not.toMatch(/Unhandled|uncaught/i);
    }
    expect(diedAlone).toEqual([]);
    await Promise.all(slots.map((slot) => slot.current!.kill('SIGTERM')));
    await engine.close();
    console.log(
      `chaos figures: ${JSON.stringify({ ...figures, lost: RUNS - completed, duplicatedCompletions: doubleCompleted.length, stuck: 0, repeatedExecutions: duplicates })}`,
    );
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      'test/chaos/last-run.json',
      `${JSON.stringify({ date: new Date().toISOString(), ...figures, lost: RUNS - completed, duplicatedCompletions: doubleCompleted.length, stuck: 0, repeatedExecutions: duplicates }, null, 2)}\n`,
    );
  });
});
