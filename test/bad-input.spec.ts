import { IsEmail, IsString, MinLength } from 'class-validator';
import { z } from 'zod';
import { resolveTask } from '../lib/core/task-registry.js';
import { task } from '../lib/core/task.types.js';
import { RunlaneError } from '../lib/core/errors.js';
import { createEngine } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

class SignupDto {
  @IsEmail()
  email!: string;

  @IsString()
  @MinLength(2)
  name!: string;
}

const zodTask = task({
  id: 'bad.zod',
  schema: z.object({ userId: z.string().min(3) }),
  run: () => 'ok',
});
const dtoTask = task({
  id: 'bad.dto',
  schema: SignupDto,
  run: (payload: SignupDto) => payload instanceof SignupDto,
});
const anyTask = task({ id: 'bad.any', run: () => 'ok' });

describe('bad input gets a typed error and persists nothing', () => {
  let db: TestDatabase;
  const runCount = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM runlane_runs`))[0].n as number;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const engine = () => createEngine(db, [zodTask, dtoTask, anyTask], { payloadSizeLimit: 1024 });

  async function rejects(promise: Promise<unknown>, code: string, text?: RegExp) {
    const before = await runCount();
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RunlaneError);
    expect(error).toMatchObject({ code });
    if (text) expect((error as Error).message).toMatch(text);
    expect(await runCount()).toBe(before);
    return error as RunlaneError & Record<string, unknown>;
  }

  it('a payload failing a Standard Schema (zod) reports each issue with its path', async () => {
    const error = await rejects(
      engine().trigger(zodTask, { userId: 'x' }),
      'RUNLANE_PAYLOAD_INVALID',
      /bad\.zod/,
    );
    expect(error.issues).toEqual([expect.objectContaining({ path: 'userId' })]);
  });

  it('a payload failing a class-validator DTO reports each constraint; a valid one reaches the task as a DTO instance', async () => {
    const error = await rejects(
      engine().trigger(dtoTask, { email: 'not-an-email', name: 'A' }),
      'RUNLANE_PAYLOAD_INVALID',
    );
    expect((error.issues as { path: string }[]).map((issue) => issue.path).sort()).toEqual([
      'email',
      'name',
    ]);
    await rejects(
      engine().trigger(dtoTask, 'a string' as never),
      'RUNLANE_PAYLOAD_INVALID',
      /SignupDto/,
    );
    const e = engine();
    const { run } = await e.trigger(dtoTask, { email: 'ada@example.com', name: 'Ada' });
    await e.executeNext();
    expect(await e.getRun(run.id)).toMatchObject({ status: 'completed', result: true });
  });

  it('an unknown task id', async () => {
    await rejects(engine().trigger('no.such.task', {}), 'RUNLANE_UNKNOWN_TASK', /no\.such\.task/);
  });

  it('payloads that are not JSON: BigInt, circular, function, NaN, Map', async () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    for (const payload of [{ big: 1n }, circular, { fn: () => 1 }, { n: NaN }, { m: new Map() }]) {
      await rejects(engine().trigger(anyTask, payload), 'RUNLANE_PAYLOAD_NOT_JSON', /bad\.any/);
    }
  });

  it('a payload over the size limit', async () => {
    const error = await rejects(
      engine().trigger(anyTask, { blob: 'x'.repeat(2000) }),
      'RUNLANE_PAYLOAD_TOO_LARGE',
    );
    expect(error).toMatchObject({ limit: 1024, taskId: 'bad.any' });
  });

  it('negative or invalid delays, invalid runAt, priority, queue and idempotency keys', async () => {
    const e = engine();
    await rejects(e.trigger(anyTask, {}, { delay: -5 }), 'RUNLANE_INVALID_OPTION', /delay/);
    await rejects(e.trigger(anyTask, {}, { delay: '-5m' }), 'RUNLANE_INVALID_OPTION', /delay/);
    await rejects(
      e.trigger(anyTask, {}, { delay: 'soon' }),
      'RUNLANE_INVALID_OPTION',
      /"soon" is not a valid duration/,
    );
    await rejects(
      e.trigger(anyTask, {}, { runAt: 'tomorrow-ish' }),
      'RUNLANE_INVALID_OPTION',
      /runAt/,
    );
    await rejects(
      e.trigger(anyTask, {}, { delay: '1m', runAt: new Date() }),
      'RUNLANE_INVALID_OPTION',
      /either/,
    );
    await rejects(e.trigger(anyTask, {}, { priority: 1.5 }), 'RUNLANE_INVALID_OPTION', /priority/);
    await rejects(
      e.trigger(anyTask, {}, { queue: 'has spaces' }),
      'RUNLANE_INVALID_OPTION',
      /queue/,
    );
    await rejects(
      e.trigger(anyTask, {}, { idempotencyKey: '' }),
      'RUNLANE_INVALID_OPTION',
      /idempotencyKey/,
    );
    await rejects(
      e.triggerBatch(anyTask, [{}], { idempotencyKey: 'k' } as never),
      'RUNLANE_INVALID_OPTION',
    );
  });

  it('invalid task options fail when the task is resolved, naming the task', () => {
    const run = () => 'x';
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id: 'has space' }, /has space/],
      [{ id: 'opts.timeout', timeout: 'forever' }, /opts\.timeout.*timeout/],
      [{ id: 'opts.retry', retry: { maxAttempts: 0 } }, /opts\.retry.*maxAttempts/],
      [
        { id: 'opts.backoff', retry: { backoff: { delay: '-1s' } } },
        /opts\.backoff.*backoff\.delay/,
      ],
      [{ id: 'opts.jitter', retry: { backoff: { jitter: 3 } } }, /opts\.jitter.*jitter/],
      [{ id: 'opts.schema', schema: { parse: () => 1 } }, /opts\.schema.*schema/],
      [{ id: 'opts.queue', queue: '' }, /opts\.queue.*queue/],
    ];
    for (const [options, text] of cases) {
      expect(() => resolveTask(options as never, run, 'test')).toThrow(text);
    }
  });

  it('run ids that are malformed or unknown', async () => {
    const e = engine();
    await rejects(e.getRun('abc'), 'RUNLANE_INVALID_RUN_ID');
    await rejects(e.getRun('1; DROP TABLE runlane_runs'), 'RUNLANE_INVALID_RUN_ID');
    await rejects(e.getRun('99999999999999999999'), 'RUNLANE_INVALID_RUN_ID');
    await rejects(e.getRun('424242'), 'RUNLANE_RUN_NOT_FOUND', /424242/);
    await rejects(e.getRunEvents('424242'), 'RUNLANE_RUN_NOT_FOUND');
  });

  it('invalid worker options', async () => {
    const e = engine();
    await expect(e.worker({ concurrency: 0 })).rejects.toMatchObject({
      code: 'RUNLANE_INVALID_OPTION',
    });
    await expect(e.worker({ pollInterval: 'often' })).rejects.toThrow(/pollInterval/);
    await expect(e.worker({ queues: [] })).rejects.toThrow(/queues/);
  });
});
