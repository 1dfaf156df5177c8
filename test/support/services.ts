import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { BASE_DATABASE_URL } from './test-database.js';

const cluster = () => readdirSync('/etc/postgresql')[0];

function pgCtl(action: 'start' | 'stop' | 'restart'): void {
  execFileSync(
    'pg_ctlcluster',
    [
      '--skip-systemctl-redirect',
      cluster(),
      'main',
      action,
      ...(action === 'start' ? [] : ['-m', 'fast']),
    ],
    {
      stdio: 'ignore',
    },
  );
}

/** Waits until PostgreSQL accepts connections again. */
export async function waitForPostgres(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: BASE_DATABASE_URL });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error('PostgreSQL did not come back');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export async function restartPostgres(): Promise<void> {
  pgCtl('restart');
  await waitForPostgres();
}

/** Stops PostgreSQL for `ms` milliseconds, then starts it again. */
export async function stopPostgresFor(ms: number): Promise<void> {
  pgCtl('stop');
  await new Promise((resolve) => setTimeout(resolve, ms));
  pgCtl('start');
  await waitForPostgres();
}

/** Restarts the RabbitMQ application (the broker drops every connection and comes back). */
export async function restartRabbitMq(): Promise<void> {
  execFileSync('rabbitmqctl', ['stop_app'], { stdio: 'ignore' });
  execFileSync('rabbitmqctl', ['start_app'], { stdio: 'ignore' });
  execFileSync('rabbitmqctl', ['await_startup'], { stdio: 'ignore' });
}

/** Starts PostgreSQL if a failed chaos step left it stopped. */
export async function ensurePostgres(): Promise<void> {
  try {
    await waitForPostgres(2_000);
  } catch {
    pgCtl('start');
    await waitForPostgres();
  }
}
