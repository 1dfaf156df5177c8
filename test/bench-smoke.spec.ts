import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// The benchmark's smoke run: every workload once, a few hundred runs, all three systems.
// It checks that the benchmark still works and counts right; timings are never asserted.
describe('benchmark smoke run (node bench/run.mjs --smoke)', () => {
  let report: any;
  let output = '';
  let exitCode: number | null = null;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runlane-bench-'));
    try {
      const child = spawn(
        process.execPath,
        ['bench/run.mjs', '--smoke', '--json', join(dir, 'report.json')],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            BENCH_DATABASE_URL:
              process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      exitCode = await new Promise((resolve) => child.on('exit', resolve));
      report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 170_000);

  it('finishes with no problem and reports every system', () => {
    expect({ exitCode, problems: report.problems }).toEqual({ exitCode: 0, problems: [] });
    expect(report.systems.map((s: { name: string }) => s.name).sort()).toEqual([
      'graphile-worker',
      'pg-boss',
      'runlane',
    ]);
    expect(output).toContain('| trigger single');
  });

  it('stores every triggered run, single and batched', () => {
    for (const name of ['runlane', 'graphile-worker', 'pg-boss']) {
      const { single, batch } = report.results[name];
      expect(single).toHaveLength(1);
      expect(single[0].stored).toBe(single[0].expected);
      expect(batch[0].stored).toBe(batch[0].expected);
      expect(single[0].perSec).toBeGreaterThan(0);
      expect(batch[0].perSec).toBeGreaterThan(0);
    }
  });

  it('drains every run, and Runlane keeps three events per run', () => {
    const n = report.plan.drain.n;
    const runlane = report.results.runlane.drain[0];
    expect(runlane).toMatchObject({
      completed: n,
      capped: false,
      counts: { runs: n, completed: n, events: 3 * n },
    });
    expect(report.results['graphile-worker'].drain[0]).toMatchObject({
      completed: n,
      capped: false,
      counts: { jobs: 0 },
    });
    // pg-boss polls (about 5 jobs/s at its defaults): the smoke run caps it and completes the rest by API.
    const boss = report.results['pg-boss'].drain[0];
    expect(boss.completed).toBeGreaterThan(0);
    expect(boss.counts).toEqual({ jobs: n, completed: n });
    for (const name of ['runlane', 'graphile-worker', 'pg-boss']) {
      expect(report.figures[name].storage).toBeGreaterThan(0);
    }
  });

  it('times every latency sample and every claim', () => {
    for (const name of ['runlane', 'graphile-worker', 'pg-boss']) {
      const [latency] = report.results[name].latency;
      expect(latency.received).toBe(latency.samples);
      expect(latency.values.every((v: number) => v > 0)).toBe(true);
      const claims = report.results[name].claim;
      expect(
        claims.map((c: { backlog: number }) => c.backlog).sort((a: number, b: number) => a - b),
      ).toEqual(report.plan.claim.backlogs);
      for (const claim of claims) expect(claim.claimMs).toBeGreaterThan(0);
    }
    expect(report.figures.runlane.executeNextLarge).toBeGreaterThan(0);
  });
});
