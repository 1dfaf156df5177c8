import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from './support/test-database.js';

const MAIN = fileURLToPath(new URL('../dist/sample/main.js', import.meta.url));

function runSample(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, '--once'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the sample (the README’s first command)', () => {
  it('boots on embedded PGlite with no DATABASE_URL and runs its main job to completion', async () => {
    const { code, output } = await runSample({ DATABASE_URL: undefined });
    expect(output).toContain('Database: embedded PGlite');
    expect(output).toMatch(/Run 1 completed after 1 attempt\(s\): \{"messageId":"msg_\w+"\}/);
    expect(output).toContain('History: created -> claimed -> completed');
    expect(code).toBe(0);
  }, 120_000);

  it('runs the same job on PostgreSQL when DATABASE_URL is set', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const { code, output } = await runSample({ DATABASE_URL: db.url });
      expect(output).toContain('Database: PostgreSQL');
      expect(output).toContain('History: created -> claimed -> completed');
      expect(code).toBe(0);
    } finally {
      await db.drop();
    }
  }, 120_000);
});
