// npm run bench: Runlane against graphile-worker and pg-boss on the same PostgreSQL.
//   node bench/run.mjs [--smoke] [--rounds N] [--only single,batch,drain,latency,claim]
//                      [--json file] [--no-write]
// Workloads alternate between the systems (the order rotates every round) so that machine
// drift hits all alike. The full run writes bench/RESULTS.md; --smoke is the quick check the
// test suite runs and writes nothing unless --json is given.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { serverInfo } from './pg.mjs';
import { loadSystem, SYSTEMS } from './systems.mjs';
import {
  claimCost,
  drain,
  latency,
  median,
  percentile,
  triggerBatch,
  triggerSingle,
} from './workloads.mjs';
import { renderReport, renderTable } from './report.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};

const smoke = flag('smoke');
/** What each workload runs; `peer` overrides apply to polling-bound peers (pg-boss). */
const PLAN = smoke
  ? {
      rounds: 1,
      single: { n: 300, inFlight: 10, warmup: 20 },
      batch: { n: 300, batchSize: 100 },
      drain: { n: 300, concurrency: 10, capMs: 60_000, pollingCapMs: 3_000 },
      latency: { rounds: 1, samples: 20, spacingMs: 20, warmup: 2 },
      pollingLatency: { samples: 5, spacingMs: 250, warmup: 0 },
      claim: { backlogs: [100, 2_000], probes: 10, warmup: 2 },
    }
  : {
      rounds: 3,
      single: { n: 10_000, inFlight: 10 },
      batch: { n: 10_000, batchSize: 1_000 },
      drain: { n: 10_000, concurrency: 10, capMs: 120_000, pollingCapMs: 10_000 },
      latency: { rounds: 2, samples: 250, spacingMs: 15, warmup: 10 },
      pollingLatency: { samples: 30, spacingMs: 250, warmup: 2 },
      claim: { backlogs: [1_000, 1_000_000], probes: 200, warmup: 20 },
    };
PLAN.rounds = Number(option('rounds') ?? PLAN.rounds);
const only = new Set((option('only') ?? 'single,batch,drain,latency,claim').split(','));
const systemNames = (option('systems') ?? SYSTEMS.join(',')).split(',');

const systems = [];
for (const name of systemNames) systems.push(await loadSystem(name));
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);
const problems = [];
const results = Object.fromEntries(
  systems.map((s) => [s.name, { single: [], batch: [], drain: [], latency: [], claim: [] }]),
);

function check(system, what, ok, detail) {
  if (!ok) {
    problems.push(`${system.name} ${what}: ${detail}`);
    console.error(`  ! ${system.name} ${what}: ${detail}`);
  }
}

async function step(label, system, work) {
  const started = Date.now();
  process.stdout.write(`  ${label.padEnd(9)} ${system.name.padEnd(16)}`);
  const result = await work();
  process.stdout.write(` ${summary(result)}  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return result;
}

function summary(result) {
  if (result.values)
    return `p50 ${percentile(result.values, 50).toFixed(1)} ms, ${result.received}/${result.samples} samples`;
  if (result.claimMs !== undefined) {
    return `claim ${result.claimMs.toFixed(3)} ms${result.executeNextMs ? `, executeNext ${result.executeNextMs.toFixed(3)} ms` : ''}`;
  }
  return `${Math.round(result.perSec)}/s${result.capped ? ` (capped: ${result.completed} of ${result.n})` : ''}`;
}

const startedAt = new Date();
const machine = {
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model?.trim() ?? 'unknown'}`,
  memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  loadAverage: os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' '),
  postgres: await serverInfo(),
};

console.log(`Runlane benchmark${smoke ? ' (smoke)' : ''}: ${startedAt.toISOString()}`);
console.log(
  `machine: ${machine.cpus}, ${machine.memory}, Node ${machine.node}, PostgreSQL ${machine.postgres.version}`,
);
for (const system of systems) {
  console.log(`${system.name} ${system.version}`);
  for (const [key, value] of Object.entries(system.settings)) console.log(`  ${key}: ${value}`);
}

for (let round = 0; round < PLAN.rounds; round++) {
  console.log(`round ${round + 1} of ${PLAN.rounds}`);
  const order = rotate(systems, round);
  if (only.has('single')) {
    for (const system of order) {
      const r = await step('single', system, () => triggerSingle(system, PLAN.single));
      check(
        system,
        'trigger single',
        r.stored === r.expected,
        `stored ${r.stored}, expected ${r.expected}`,
      );
      results[system.name].single.push(r);
    }
  }
  if (only.has('batch')) {
    for (const system of order) {
      const r = await step('batch', system, () => triggerBatch(system, PLAN.batch));
      check(
        system,
        'trigger batch',
        r.stored === r.expected,
        `stored ${r.stored}, expected ${r.expected}`,
      );
      results[system.name].batch.push(r);
    }
  }
  if (only.has('drain')) {
    for (const system of order) {
      const capMs = system.drainPollingBound ? PLAN.drain.pollingCapMs : PLAN.drain.capMs;
      const r = await step('drain', system, () => drain(system, { ...PLAN.drain, capMs }));
      checkDrain(system, r);
      results[system.name].drain.push(r);
    }
  }
  if (only.has('latency') && round < PLAN.latency.rounds) {
    for (const system of order) {
      const plan = system.drainPollingBound ? PLAN.pollingLatency : PLAN.latency;
      const r = await step('latency', system, () => latency(system, plan));
      check(
        system,
        'latency',
        r.received === r.samples,
        `${r.received} of ${r.samples} samples started`,
      );
      results[system.name].latency.push(r);
    }
  }
}

if (only.has('claim')) {
  console.log('claim cost');
  for (const [i, backlog] of PLAN.claim.backlogs.entries()) {
    for (const system of rotate(systems, i)) {
      const r = await step(`${backlog}`, system, () =>
        claimCost(system, { ...PLAN.claim, backlog }),
      );
      results[system.name].claim.push(r);
    }
  }
}

function checkDrain(system, r) {
  if (!r.capped) check(system, 'drain', r.completed === r.n, `${r.completed} of ${r.n} completed`);
  else check(system, 'drain', r.completed > 0, 'no job completed before the cap');
  if (system.name === 'runlane') {
    check(
      system,
      'drain',
      r.counts.completed === r.n,
      `${r.counts.completed} of ${r.n} runs completed`,
    );
    check(
      system,
      'drain history',
      r.counts.events === 3 * r.n,
      `${r.counts.events} events for ${r.n} runs (created, claimed, completed each)`,
    );
  } else if (system.name === 'graphile-worker') {
    check(system, 'drain', r.counts.jobs === 0, `${r.counts.jobs} jobs left`);
  } else {
    check(
      system,
      'drain',
      r.counts.completed === r.n,
      `${r.counts.completed} of ${r.n} jobs completed`,
    );
  }
}

/** One figure per system and workload: medians over rounds, latency samples pooled. */
function figures(name) {
  const r = results[name];
  const pooled = r.latency.flatMap((x) => x.values);
  const claimAt = (backlog) => r.claim.find((c) => c.backlog === backlog);
  const [small, large] = PLAN.claim.backlogs;
  return {
    single: r.single.length ? median(r.single.map((x) => x.perSec)) : undefined,
    batch: r.batch.length ? median(r.batch.map((x) => x.perSec)) : undefined,
    drain: r.drain.length ? median(r.drain.map((x) => x.perSec)) : undefined,
    drainCapped: r.drain.some((x) => x.capped),
    drainCompleted: r.drain.map((x) => x.completed),
    p50: pooled.length ? percentile(pooled, 50) : undefined,
    p95: pooled.length ? percentile(pooled, 95) : undefined,
    p99: pooled.length ? percentile(pooled, 99) : undefined,
    latencySamples: pooled.length,
    claimSmall: claimAt(small)?.claimMs,
    claimLarge: claimAt(large)?.claimMs,
    executeNextSmall: claimAt(small)?.executeNextMs,
    executeNextLarge: claimAt(large)?.executeNextMs,
    backlogInsertMs: claimAt(large)?.insertMs,
    storage: r.drain.length ? median(r.drain.map((x) => x.storageBytesPerRun)) : undefined,
  };
}

const report = {
  date: startedAt.toISOString(),
  durationS: (Date.now() - startedAt.getTime()) / 1000,
  smoke,
  plan: PLAN,
  machine,
  systems: systems.map((s) => ({
    name: s.name,
    version: s.version,
    settings: s.settings,
    pollingBound: s.pollingBound,
  })),
  figures: Object.fromEntries(systems.map((s) => [s.name, figures(s.name)])),
  results,
  problems,
};

console.log('');
console.log(renderTable(report));
console.log(`took ${report.durationS.toFixed(0)} s`);
if (problems.length) console.error(`problems:\n  ${problems.join('\n  ')}`);

const jsonPath = option('json');
if (jsonPath) await writeFile(jsonPath, JSON.stringify(report, null, 2));
if (!smoke && !flag('no-write') && systems.length === SYSTEMS.length) {
  const path = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  const previous = await readFile(path, 'utf8').catch(() => '');
  await writeFile(path, renderReport(report, previous));
  console.log(`wrote ${path}`);
}
process.exit(problems.length ? 1 : 0);
