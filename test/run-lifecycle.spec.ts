import { ManualClock } from '../lib/core/clock.js';
import { NonRetryableError } from '../lib/core/errors.js';
import { task } from '../lib/core/task.types.js';
import { createEngine, eventTypes } from './support/engine.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

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
    expect(run.status).toBe('queued');
    const result = await engine.executeNext();
    expect(result).toMatchObject({ runId: run.id, outcome: 'completed', status: 'completed', attempt: 1 });
    const stored = await engine.getRun(run.id);
    expect(stored).toMatchObject({ status: 'completed', result: { echoed: { n: 1 } }, attempts: 1, failures: 0 });
    expect(await eventTypes(engine, run.id)).toEqual(['created', 'claimed', 'completed']);
  });
});
