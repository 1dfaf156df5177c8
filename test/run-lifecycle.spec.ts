import { z } from 'zod';
import { ManualClock } from '../lib/core/clock.js';
import { NonRetryableError } from '../lib/core/errors.js';
import type { TaskContext } from '../lib/core/task.types.js';
import { task } from '../lib/core/task.types.js';
import { createEngine, eventTypes } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const START = '2030-01-15T12:00:00.000Z';
const noJitter = { backoff: { delay: '10s', factor: 2, jitter: 0 } } as const;

describe('the run state machine', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('a triggered run is claimed and completed: created, claimed, completed', async () => {
    const echo = task({ id: 'lifecycle.echo', run: (payload: unknown) => ({ echoed: payload }) });
    const engine = createEngine(db, [echo]);
    const { run, deduplicated } = await engine.trigger(echo, { n: 1 });
    expect(deduplicated).toBe(false);
    expect(run).toMatchObject({
      status: 'queued',
      attempts: 0,
      source: { type: 'trigger' },
      queue: 'default',
    });
    const result = await engine.executeNext();
    expect(result).toMatchObject({
      runId: run.id,
      outcome: 'completed',
      status: 'completed',
      attempt: 1,
    });
    const stored = await engine.getRun(run.id);
    expect(stored).toMatchObject({
      status: 'completed',
      result: { echoed: { n: 1 } },
      attempts: 1,
      failures: 0,
    });
    expect(stored.finishedAt).toBeInstanceOf(Date);
    expect(await eventTypes(engine, run.id)).toEqual(['created', 'claimed', 'completed']);
    expect(await engine.executeNext()).toBeNull();
  });

  it('a failed attempt is retried after its backoff, then completes', async () => {
    const clock = new ManualClock(START);
    let calls = 0;
    const flaky = task({
      id: 'lifecycle.flaky',
      retry: { maxAttempts: 3, ...noJitter },
      run: () => {
        calls += 1;
        if (calls === 1) throw new Error('upstream 503');
        return 'ok';
      },
    });
    const engine = createEngine(db, [flaky], { clock });
    const { run } = await engine.trigger(flaky, {});
    expect(await engine.executeNext()).toMatchObject({
      outcome: 'retry_scheduled',
      status: 'retrying',
    });
    const retrying = await engine.getRun(run.id);
    expect(retrying).toMatchObject({
      status: 'retrying',
      failures: 1,
      error: { kind: 'error', message: 'upstream 503' },
    });
    expect(retrying.availableAt.toISOString()).toBe('2030-01-15T12:00:10.000Z');

    clock.advance(9_999);
    expect(await engine.executeNext()).toBeNull();
    clock.advance(1);
    expect(await engine.executeNext()).toMatchObject({ outcome: 'completed', attempt: 2 });
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'completed',
      attempts: 2,
      failures: 1,
      result: 'ok',
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'attempt_failed',
      'retry_scheduled',
      'claimed',
      'completed',
    ]);
    const events = await engine.getRunEvents(run.id);
    expect(events[2]).toMatchObject({
      attempt: 1,
      data: { error: { message: 'upstream 503', kind: 'error' } },
    });
    expect(events[3]).toMatchObject({ attempt: 1, data: { delayMs: 10_000 } });
  });

  it('exponential backoff grows by its factor; attempts exhausted fail the run', async () => {
    const clock = new ManualClock(START);
    const broken = task({
      id: 'lifecycle.broken',
      retry: { maxAttempts: 3, ...noJitter },
      run: () => {
        throw new Error('always');
      },
    });
    const engine = createEngine(db, [broken], { clock });
    const { run } = await engine.trigger(broken, {});
    await engine.executeNext();
    clock.advance(10_000);
    await engine.executeNext();
    const second = await engine.getRun(run.id);
    expect(second.availableAt.getTime() - clock.now().getTime()).toBe(20_000);
    clock.advance(20_000);
    expect(await engine.executeNext()).toMatchObject({ outcome: 'failed', status: 'failed' });
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      failures: 3,
      error: { kind: 'error' },
    });
    expect(await eventTypes(engine, run.id)).toEqual([
      'created',
      'claimed',
      'attempt_failed',
      'retry_scheduled',
      'claimed',
      'attempt_failed',
      'retry_scheduled',
      'claimed',
      'attempt_failed',
      'failed',
    ]);
  });

  it('NonRetryableError and a retryable() predicate saying no fail the run at once', async () => {
    const fatal = task({
      id: 'lifecycle.fatal',
      retry: { maxAttempts: 5 },
      run: () => {
        throw new NonRetryableError('account deleted');
      },
    });
    const picky = task({
      id: 'lifecycle.picky',
      retry: { maxAttempts: 5, retryable: (error) => !(error instanceof TypeError) },
      run: () => {
        throw new TypeError('bad shape');
      },
    });
    const engine = createEngine(db, [fatal, picky]);
    const a = await engine.trigger(fatal, {});
    const b = await engine.trigger(picky, {});
    await engine.executeNext();
    await engine.executeNext();
    expect(await engine.getRun(a.run.id)).toMatchObject({
      status: 'failed',
      failures: 1,
      error: { kind: 'non_retryable', name: 'NonRetryableError', code: 'RUNLANE_NON_RETRYABLE' },
    });
    expect(await engine.getRun(b.run.id)).toMatchObject({
      status: 'failed',
      failures: 1,
      error: { kind: 'non_retryable', name: 'TypeError' },
    });
    expect(await eventTypes(engine, a.run.id)).toEqual([
      'created',
      'claimed',
      'attempt_failed',
      'failed',
    ]);
  });

  it('a timeout aborts context.signal and counts as a failure of kind timeout', async () => {
    let seen: AbortSignal | undefined;
    const slow = task({
      id: 'lifecycle.slow',
      timeout: 50,
      retry: { maxAttempts: 2, ...noJitter },
      run: (_payload: unknown, context: TaskContext) => {
        seen = context.signal;
        return new Promise(() => undefined);
      },
    });
    const engine = createEngine(db, [slow]);
    const { run } = await engine.trigger(slow, {});
    expect(await engine.executeNext()).toMatchObject({
      outcome: 'retry_scheduled',
      error: { kind: 'timeout', name: 'TaskTimeoutError' },
    });
    expect(seen?.aborted).toBe(true);
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'retrying',
      failures: 1,
      error: { kind: 'timeout' },
    });
  });

  it('the task context carries run id, task id, attempt, signal and a logger', async () => {
    let context: TaskContext | undefined;
    const inspect = task({
      id: 'lifecycle.inspect',
      run: (_p: unknown, ctx: TaskContext) => void (context = ctx),
    });
    const engine = createEngine(db, [inspect]);
    const { run } = await engine.trigger(inspect, null);
    await engine.executeNext();
    expect(context).toMatchObject({
      runId: run.id,
      taskId: 'lifecycle.inspect',
      attempt: 1,
      failures: 0,
      releases: 0,
      lastRelease: null,
    });
    expect(context!.signal).toBeInstanceOf(AbortSignal);
    expect(typeof context!.logger.log).toBe('function');
  });

  it('a result that is not JSON fails the run without retrying', async () => {
    const bigint = task({ id: 'lifecycle.bigint', run: () => ({ total: 10n }) });
    const engine = createEngine(db, [bigint]);
    const { run } = await engine.trigger(bigint, {});
    await engine.executeNext();
    expect(await engine.getRun(run.id)).toMatchObject({
      status: 'failed',
      error: { kind: 'result_not_json' },
    });
  });

  it('delay and runAt keep a run waiting until its time (controlled clock)', async () => {
    const clock = new ManualClock(START);
    const later = task({ id: 'lifecycle.later', run: () => 'done' });
    const engine = createEngine(db, [later], { clock });
    const delayed = await engine.trigger(later, {}, { delay: '5m' });
    const scheduled = await engine.trigger(later, {}, { runAt: '2030-01-15T13:00:00.000Z' });
    expect(delayed.run.availableAt.toISOString()).toBe('2030-01-15T12:05:00.000Z');
    expect(await engine.executeNext()).toBeNull();
    clock.advance(5 * 60_000);
    expect(await engine.executeNext()).toMatchObject({ runId: delayed.run.id });
    expect(await engine.executeNext()).toBeNull();
    clock.set('2030-01-15T13:00:00.000Z');
    expect(await engine.executeNext()).toMatchObject({ runId: scheduled.run.id });
  });

  it('within a queue, higher priority runs first, then the earliest', async () => {
    const clock = new ManualClock(START);
    const order: string[] = [];
    const ordered = task({
      id: 'lifecycle.ordered',
      queue: 'ordering',
      run: (p: { name: string }) => void order.push(p.name),
    });
    const engine = createEngine(db, [ordered], { clock });
    await engine.trigger(ordered, { name: 'low-first' });
    clock.advance(1);
    await engine.trigger(ordered, { name: 'high' }, { priority: 10 });
    clock.advance(1);
    await engine.trigger(ordered, { name: 'low-second' });
    while (await engine.executeNext({ queues: ['ordering'] })) {}
    expect(order).toEqual(['high', 'low-first', 'low-second']);
  });

  it('an idempotency key returns the existing run, also under concurrent triggers', async () => {
    const once = task({
      id: 'lifecycle.once',
      schema: z.object({ orderId: z.string() }),
      run: () => 'sent',
    });
    const engine = createEngine(db, [once]);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        engine.trigger(once, { orderId: 'o-1' }, { idempotencyKey: 'order:o-1' }),
      ),
    );
    const ids = new Set(results.map((result) => result.run.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => !result.deduplicated)).toHaveLength(1);
    expect(results.filter((result) => result.deduplicated)).toHaveLength(9);
    const [{ count }] = await db.query(
      `SELECT count(*)::int AS count FROM runlane_runs WHERE task_id = 'lifecycle.once'`,
    );
    expect(count).toBe(1);
    const again = await engine.trigger(once, { orderId: 'o-1' }, { idempotencyKey: 'order:o-1' });
    expect(again).toMatchObject({
      deduplicated: true,
      run: { id: [...ids][0], idempotencyKey: 'order:o-1' },
    });
  });

  it('triggerBatch creates N runs in one call, and none when any payload is invalid', async () => {
    const batch = task({
      id: 'lifecycle.batch',
      schema: z.object({ n: z.number().int() }),
      run: (p: { n: number }) => p.n * 2,
    });
    const engine = createEngine(db, [batch]);
    const { runs } = await engine.triggerBatch(
      batch,
      Array.from({ length: 250 }, (_, n) => ({ n })),
    );
    expect(runs).toHaveLength(250);
    expect(runs.map((run) => run.payload)).toEqual(Array.from({ length: 250 }, (_, n) => ({ n })));
    const [{ events }] = await db.query(
      `SELECT count(*)::int AS events FROM runlane_run_events e JOIN runlane_runs r ON r.id = e.run_id WHERE r.task_id = 'lifecycle.batch' AND e.type = 'created'`,
    );
    expect(events).toBe(250);
    await expect(
      engine.triggerBatch(batch, [{ n: 1 }, { n: 'two' } as never, { n: 3 }]),
    ).rejects.toMatchObject({
      code: 'RUNLANE_PAYLOAD_INVALID',
    });
    const [{ count }] = await db.query(
      `SELECT count(*)::int AS count FROM runlane_runs WHERE task_id = 'lifecycle.batch'`,
    );
    expect(count).toBe(250);
  });

  it('runNow executes exactly one attempt inline and returns the run after it', async () => {
    let calls = 0;
    const inline = task({ id: 'lifecycle.inline', run: (p: { x: number }) => p.x + 1 });
    const failing = task({
      id: 'lifecycle.inlineFailing',
      retry: { maxAttempts: 3, ...noJitter },
      run: () => {
        calls += 1;
        throw new Error('nope');
      },
    });
    const engine = createEngine(db, [inline, failing]);
    const done = await engine.runNow(inline, { x: 41 });
    expect(done).toMatchObject({
      status: 'completed',
      result: 42,
      attempts: 1,
      source: { type: 'runNow' },
    });
    const retrying = await engine.runNow(failing, {});
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, failures: 1 });
    expect(calls).toBe(1);
    expect(await eventTypes(engine, retrying.id)).toEqual([
      'created',
      'claimed',
      'attempt_failed',
      'retry_scheduled',
    ]);
  });
});
