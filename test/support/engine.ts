import type { RunlaneClock } from '../../lib/core/clock.js';
import { RunlaneEngine, type RunlaneEngineOptions } from '../../lib/core/runlane-engine.js';
import { resolveTask, type RegisteredTask } from '../../lib/core/task-registry.js';
import type { TaskDefinition } from '../../lib/core/task.types.js';
import { dataSourceDatabase } from '../../lib/typeorm-database.js';
import type { TestDatabase } from './test-database.js';

/** An engine over a test database with functional tasks. */
export function createEngine(
  db: TestDatabase,
  tasks: TaskDefinition[],
  options: Partial<Omit<RunlaneEngineOptions, 'database' | 'tasks'>> & {
    clock?: RunlaneClock;
  } = {},
): RunlaneEngine {
  const registered: RegisteredTask[] = tasks.map((definition) =>
    resolveTask(
      definition,
      (payload, context) => definition.run(payload, context),
      `test:${definition.id}`,
    ),
  );
  return new RunlaneEngine({
    database: dataSourceDatabase(db.dataSource),
    tasks: registered,
    ...options,
  });
}

/** The event types of a run, in order. */
export async function eventTypes(engine: RunlaneEngine, runId: string): Promise<string[]> {
  return (await engine.getRunEvents(runId)).map((event) => event.type);
}
