// The results table, the targets of issue 6, and bench/RESULTS.md.

const START = '<!-- bench:results:start (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';
const PEERS = ['graphile-worker', 'pg-boss'];

const int = (x) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const ms = (x) => (x === undefined || Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(0));
const ratio = (a, b) => (a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`);

function rows(report) {
  const f = report.figures;
  const polling = Object.fromEntries(report.systems.map((s) => [s.name, s.pollingBound]));
  const [small, large] = report.plan.claim.backlogs;
  const n = report.plan.drain.n.toLocaleString('en-US');
  const note = (name, key) => {
    if (key === 'drain' && f[name]?.drainCapped) return ' (polling-bound, capped)';
    if (['p50', 'p95', 'p99'].includes(key) && polling[name]) return ' (polling-bound)';
    return '';
  };
  const row = (label, key, format, better) => ({ label, key, format, better });
  return [
    row(
      `trigger single, ${report.plan.single.inFlight} in flight (runs/s)`,
      'single',
      int,
      'higher',
    ),
    row(
      `trigger batch, ${report.plan.batch.batchSize.toLocaleString('en-US')} per call (runs/s)`,
      'batch',
      int,
      'higher',
    ),
    row(
      `drain ${n} runs, 1 worker process, concurrency ${report.plan.drain.concurrency} (runs/s)`,
      'drain',
      int,
      'higher',
    ),
    row('trigger-to-start p50 (ms)', 'p50', ms, 'lower'),
    row('trigger-to-start p95 (ms)', 'p95', ms, 'lower'),
    row('trigger-to-start p99 (ms)', 'p99', ms, 'lower'),
    row(
      `claim statement, backlog ${small.toLocaleString('en-US')} (ms)`,
      'claimSmall',
      ms,
      'lower',
    ),
    row(
      `claim statement, backlog ${large.toLocaleString('en-US')} (ms)`,
      'claimLarge',
      ms,
      'lower',
    ),
    row(
      `executeNext(), backlog ${small.toLocaleString('en-US')} (ms)`,
      'executeNextSmall',
      ms,
      'lower',
    ),
    row(
      `executeNext(), backlog ${large.toLocaleString('en-US')} (ms)`,
      'executeNextLarge',
      ms,
      'lower',
    ),
    row('storage per completed run, after VACUUM (bytes)', 'storage', int, 'lower'),
  ].map((r) => ({ ...r, note }));
}

export function renderTable(report) {
  const names = report.systems.map((s) => s.name);
  const peers = PEERS.filter((p) => names.includes(p) && names.includes('runlane'));
  const header = ['figure', ...names, ...peers.map((p) => `Runlane/${p}`), 'better'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows(report)) {
    const cells = names.map(
      (name) => `${r.format(report.figures[name]?.[r.key])}${r.note(name, r.key)}`,
    );
    const ratios = peers.map((p) =>
      ratio(report.figures.runlane?.[r.key], report.figures[p]?.[r.key]),
    );
    lines.push(`| ${[r.label, ...cells, ...ratios, r.better].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The targets of issue 6, each with the measured ratio. */
export function targets(report) {
  const f = report.figures;
  const r = f.runlane;
  const gw = f['graphile-worker'];
  const boss = f['pg-boss'];
  if (!r || !gw || !boss) return [];
  const fasterSingle = Math.max(gw.single, boss.single);
  const fasterBatch = Math.max(gw.batch, boss.batch);
  const list = [
    ['drain ≥ 1.2× graphile-worker, full event history kept', r.drain / gw.drain, 1.2, 'higher'],
    ['trigger-to-start p50 ≤ graphile-worker', r.p50 / gw.p50, 1.0, 'lower'],
    ['trigger single ≥ 1.2× the faster peer', r.single / fasterSingle, 1.2, 'higher'],
    ['trigger batch ≥ 1.0× the faster peer', r.batch / fasterBatch, 1.0, 'higher'],
    [
      'claim at the large backlog ≤ 1.5× claim at the small one',
      r.claimLarge / r.claimSmall,
      1.5,
      'lower',
    ],
    [
      'executeNext at the large backlog ≤ 1.5× at the small one',
      r.executeNextLarge / r.executeNextSmall,
      1.5,
      'lower',
    ],
  ];
  return list.map(([label, value, goal, better]) => ({
    label,
    value,
    goal,
    met: better === 'higher' ? value >= goal : value <= goal,
  }));
}

export function renderTargets(report) {
  return targets(report)
    .map(
      (t) =>
        `- ${t.met ? 'met' : '**missed**'}: ${t.label} — measured ${Number.isFinite(t.value) ? t.value.toFixed(2) : '–'}×`,
    )
    .join('\n');
}

function settingsList(report) {
  return report.systems
    .map(
      (s) =>
        `- **${s.name} ${s.version}**\n${Object.entries(s.settings)
          .map(([k, v]) => `  - ${k}: ${v}`)
          .join('\n')}`,
    )
    .join('\n');
}

function planList(report) {
  const p = report.plan;
  return [
    `- ${p.rounds} rounds; in every round each workload runs for each system in turn, the order rotating per round; a fresh database per system and workload; figures are the median over rounds`,
    `- trigger single: ${p.single.n.toLocaleString('en-US')} runs, ${p.single.inFlight} in flight, after ${p.single.warmup ?? 200} warm-up triggers`,
    `- trigger batch: ${p.batch.n.toLocaleString('en-US')} runs in calls of ${p.batch.batchSize.toLocaleString('en-US')}, after one warm-up call`,
    `- drain: ${p.drain.n.toLocaleString('en-US')} no-op runs queued through the batch API, one spawned worker process with concurrency ${p.drain.concurrency}; timed from the start of the first job until the database shows none left (checked every 10 ms); a polling-bound peer is stopped after ${p.drain.pollingCapMs / 1000} s and its rate is completed/elapsed`,
    `- latency: open loop, one trigger every ${p.latency.spacingMs} ms to an idle worker process (concurrency 10), ${p.latency.samples} samples × ${p.latency.rounds} rounds pooled (polling-bound peers: ${p.pollingLatency.samples} samples every ${p.pollingLatency.spacingMs} ms per round, since they take ~5 jobs/s); latency = job start in the worker − the moment before trigger() was called, on one clock`,
    `- claim: backlogs of ${p.claim.backlogs.map((b) => b.toLocaleString('en-US')).join(' and ')} queued runs inserted with generate_series straight into each system's table, then VACUUM ANALYZE; median of ${p.claim.probes} claims of one run after ${p.claim.warmup} warm-up claims, on one connection (at most 20 s of claims per system and backlog: pg-boss's claim sorts the whole backlog and takes about a second at 1,000,000); executeNext() is Runlane's claim, no-op attempt and outcome through the API`,
    "- storage: pg_total_relation_size (heap, TOAST, indexes) of each system's tables after the drain completed every run and VACUUM, divided by the runs",
  ].join('\n');
}

export function renderReport(report, previous) {
  const m = report.machine;
  const generated = [
    START,
    `Measured ${report.date} in ${Math.round(report.durationS)} s.`,
    '',
    `Machine: ${m.cpus}, ${m.memory} RAM, ${m.os}, Node ${m.node}; PostgreSQL ${m.postgres.version} on the same host (shared_buffers ${m.postgres.shared_buffers}, synchronous_commit ${m.postgres.synchronous_commit}, stock settings). Load average at the start: ${m.loadAverage} (the machine is shared with other work; the rounds alternate between systems so that it hits all alike).`,
    '',
    renderTable(report),
    '',
    'Ratios are Runlane/peer: above 1 is better for Runlane where higher is better, below 1 where lower is better.',
    '',
    '### Targets (issue 6)',
    '',
    renderTargets(report),
    '',
    '### Settings',
    '',
    settingsList(report),
    '',
    '### Method',
    '',
    planList(report),
    ...(report.problems.length
      ? ['', '### Problems', '', ...report.problems.map((p) => `- ${p}`)]
      : []),
    END,
  ].join('\n');
  if (previous.includes(START) && previous.includes(END)) {
    return (
      previous.slice(0, previous.indexOf(START)) +
      generated +
      previous.slice(previous.indexOf(END) + END.length)
    );
  }
  return `# Benchmark: Runlane, graphile-worker, pg-boss\n\n\`npm run bench\` writes the section between the markers.\n\n${generated}\n`;
}
