// Where the time of Runlane's hot paths goes: PostgreSQL (plan, execute) or Node.
//   node bench/profile.mjs [--cpu]
// 1. For trigger, claim and outcome: EXPLAIN (ANALYZE) planning and execution time on the
//    server, against the client-side median of the same statement sent as the adapter sends
//    it (pg pool, unnamed statement) and as a named prepared statement.
// 2. --cpu: drains 10,000 runs with the worker process under --cpu-prof and sums self time
//    by where it is spent (pg driver, TypeORM, Runlane, Node internals, idle).
import { readdir, readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freshDatabase } from './pg.mjs';
import * as runlane from './systems/runlane.mjs';
import { drain, median } from './workloads.mjs';
import { now } from './systems.mjs';
import { claimSql, RECORD_OUTCOME_SQL, TRIGGER_SQL } from '../dist/lib/core/run-store.sql.js';

const TASK = 'bench.noop';
const N = 300;

function triggerParams(i) {
  return [
    null,
    `[{"i":${i}}]`,
    null,
    TASK,
    'default',
    0,
    3,
    '{"type":"trigger"}',
    null,
    0,
    false,
    null,
  ];
}
const claimParams = () => [null, 'default', [TASK], 1, 'profile', 30_000];
const outcomeParams = (id, attempt) => [
  null,
  id,
  attempt,
  'completed',
  'null',
  null,
  0,
  0,
  null,
  null,
  '[{"type":"completed","data":{}}]',
  '{"workerId":"profile"}',
];

async function explain(client, sql, params) {
  const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
  const plan = rows[0]['QUERY PLAN'][0];
  return { planning: plan['Planning Time'], execution: plan['Execution Time'] };
}

async function statements(db) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const rows = [];
  try {
    // Client-side: unnamed (as dataSourceDatabase sends it) and named (prepared once).
    const timed = async (label, make) => {
      const unnamed = [];
      const named = [];
      const server = [];
      for (let i = 0; i < N; i++) {
        const { sql, params, after } = await make(i);
        let t = now();
        const a = await client.query(sql, params);
        unnamed.push(now() - t);
        await after?.(a.rows);
        const next = await make(i + N);
        t = now();
        const b = await client.query({ name: label, text: next.sql, values: next.params });
        named.push(now() - t);
        await next.after?.(b.rows);
        if (i % 10 === 0) {
          const e = await make(i + 2 * N);
          await client.query('BEGIN');
          server.push(await explain(client, e.sql, e.params));
          await client.query('ROLLBACK');
        }
      }
      rows.push({
        statement: label,
        unnamedMs: median(unnamed),
        namedMs: median(named),
        planningMs: median(server.map((s) => s.planning)),
        executionMs: median(server.map((s) => s.execution)),
      });
    };
    await timed('trigger', (i) => ({ sql: TRIGGER_SQL, params: triggerParams(i) }));
    // The same statement without waiting for the WAL flush at commit: what the flush costs.
    await client.query('SET synchronous_commit = off');
    await timed('trigger, synchronous_commit off', (i) => ({
      sql: TRIGGER_SQL,
      params: triggerParams(i),
    }));
    await client.query('SET synchronous_commit = on');
    await client.query(
      `INSERT INTO runlane_runs (task_id, queue, status, priority, payload, max_attempts, source, available_at, created_at, updated_at)
      SELECT $1, 'default', 'queued', 0, '{}', 3, '{"type":"trigger"}', now() - interval '1 hour', now(), now() FROM generate_series(1, 10000)`,
      [TASK],
    );
    await client.query('VACUUM ANALYZE runlane_runs');
    await timed('claim', () => ({ sql: claimSql('queue'), params: claimParams() }));
    const running = (
      await client.query(
        `SELECT id, attempts FROM runlane_runs WHERE status = 'running' ORDER BY id`,
      )
    ).rows;
    let k = 0;
    await timed('outcome', () => {
      const run = running[k++ % running.length];
      return { sql: RECORD_OUTCOME_SQL, params: outcomeParams(run.id, run.attempts) };
    });
  } finally {
    await client.end();
  }
  return rows;
}

function categorize(url, functionName) {
  if (!url)
    return functionName === '(idle)'
      ? 'idle'
      : functionName === '(garbage collector)'
        ? 'gc'
        : 'node/v8 internals';
  if (url.includes('/node_modules/pg-protocol/') || url.includes('/node_modules/pg/'))
    return 'pg driver';
  if (url.includes('/node_modules/typeorm/')) return 'typeorm';
  if (url.includes('/dist/lib/')) return 'runlane';
  if (url.includes('/node_modules/')) return 'other packages';
  if (url.startsWith('node:')) return 'node core';
  return 'bench';
}

async function cpuProfile() {
  const dir = await mkdtemp(join(tmpdir(), 'runlane-cpu-'));
  const result = await drain(runlane, {
    n: 10_000,
    concurrency: 10,
    capMs: 120_000,
    workerArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8'));
  const self = new Map(profile.nodes.map((n) => [n.id, 0]));
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], self.get(profile.samples[i]) + (profile.timeDeltas[i] ?? 0));
  }
  const byCategory = new Map();
  const byFunction = new Map();
  for (const node of profile.nodes) {
    const us = self.get(node.id);
    const { url, functionName, lineNumber } = node.callFrame;
    const category = categorize(url, functionName);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*dist\//, 'dist/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const total = [...byCategory.values()].reduce((a, b) => a + b, 0);
  return { result, dir, total, byCategory, byFunction };
}

const db = await freshDatabase('runlane_profile');
try {
  await runlane.prepare(db);
  console.log('Runlane hot-path statements (median ms; server = EXPLAIN ANALYZE)');
  console.log(
    'statement | client, unnamed | client, named prepared | server planning | server execution',
  );
  for (const r of await statements(db)) {
    console.log(
      `${r.statement} | ${r.unnamedMs.toFixed(3)} | ${r.namedMs.toFixed(3)} | ${r.planningMs.toFixed(3)} | ${r.executionMs.toFixed(3)}`,
    );
  }
} finally {
  await db.drop();
}

if (process.argv.includes('--cpu')) {
  const { result, dir, total, byCategory, byFunction } = await cpuProfile();
  console.log(`\ndrain under --cpu-prof: ${Math.round(result.perSec)} runs/s; profile in ${dir}`);
  const pct = (us) => `${((100 * us) / total).toFixed(1)}%`;
  for (const [category, us] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${category.padEnd(18)} ${pct(us).padStart(6)}  ${(us / 1000).toFixed(0)} ms`);
  }
  console.log('  top functions by self time:');
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`    ${pct(us).padStart(6)}  ${fn}`);
  }
}
