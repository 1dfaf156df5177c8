import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RunlaneService, type Run } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { usingPglite } from './database.js';
import { pollReport } from './tasks/report.tasks.js';
import { sendWelcomeEmail } from './tasks/welcome-email.task.js';

/**
 * The sample's API process. At boot it triggers the main job — a welcome email — waits for
 * the worker to complete it and prints the run's history. With `--once` it then exits;
 * otherwise it keeps serving HTTP on PORT (default 3000).
 */
async function main() {
  const once = process.argv.includes('--once');
  const logger = new Logger('Sample');
  const app = await NestFactory.create(AppModule, { logger: ['log', 'warn', 'error'] });
  app.enableShutdownHooks();
  await app.init();
  if (!once) await app.listen(Number(process.env.PORT ?? 3000));
  logger.log(
    usingPglite()
      ? 'Database: embedded PGlite (set DATABASE_URL to use PostgreSQL)'
      : 'Database: PostgreSQL',
  );

  const runlane = app.get(RunlaneService);
  const { run } = await runlane.trigger(sendWelcomeEmail, { userId: 'user_123' });
  logger.log(`Triggered run ${run.id} (${run.taskId})`);
  const done = await waitForTerminal(runlane, run.id);
  const events = await runlane.getRunEvents(run.id);
  logger.log(
    `Run ${done.id} ${done.status} after ${done.attempts} attempt(s): ${JSON.stringify(done.result)}`,
  );
  logger.log(`History: ${events.map((event) => event.type).join(' -> ')}`);

  const report = await runlane.trigger(pollReport, { reportId: 'rep_42' });
  logger.log(
    `Triggered polling run ${report.run.id} (${report.run.taskId}): it releases itself until the report is ready`,
  );

  if (once) {
    await app.close();
    process.exitCode = done.status === 'completed' ? 0 : 1;
  } else {
    logger.log(
      `Listening on http://localhost:${process.env.PORT ?? 3000} — try POST /users/user_456/welcome, then GET /runs/:id. Ctrl+C stops.`,
    );
  }
}

async function waitForTerminal(runlane: RunlaneService, runId: string): Promise<Run> {
  for (;;) {
    const run = await runlane.getRun(runId);
    if (['completed', 'failed', 'cancelled'].includes(run.status)) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

void main();
