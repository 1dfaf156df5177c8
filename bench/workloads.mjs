// The workloads. Each one runs one system on a fresh database, checks what it stored and
// returns its figures; nothing here knows which system it is driving.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshDatabase, totalRelationSize } from './pg.mjs';
import { now } from './systems.mjs';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function withDatabase(system, label, work) {
  const db = await freshDatabase(`${system.name}_${label}`);
  try {
    await system.prepare(db);
    return await work(db);
  } finally {
    await db.drop();
  }
}

async function withClient(system, db, work) {
  const client = await system.client(db);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** Enqueues `n` no-op runs through the system's batch API. */
async function enqueue(client, n, from = 0) {
  for (let i = from; i < from + n; i += 1000) {
    const size = Math.min(1000, from + n - i);
    await client.triggerMany(Array.from({ length: size }, (_, k) => ({ i: i + k })));
  }
}

/** N single triggers, `inFlight` at a time, after a short warm-up. */
export async function triggerSingle(system, { n, inFlight, warmup = 200 }) {
  return withDatabase(system, 'single', (db) =>
    withClient(system, db, async (client) => {
      let next = 0;
      const loop = async (until) => {
        while (next < until) await client.triggerOne({ i: next++ });
      };
      await Promise.all(Array.from({ length: inFlight }, () => loop(warmup)));
      const started = now();
      await Promise.all(Array.from({ length: inFlight }, () => loop(warmup + n)));
      const ms = now() - started;
      const counts = await system.counts(db);
      return {
        perSec: (n / ms) * 1000,
        ms,
        n,
        stored: counts.runs ?? counts.jobs,
        expected: warmup + n,
      };
    }),
  );
}

/** N runs in calls of `batchSize`, one call at a time, after one warm-up call. */
export async function triggerBatch(system, { n, batchSize }) {
  return withDatabase(system, 'batch', (db) =>
    withClient(system, db, async (client) => {
      const batch = (from) =>
        client.triggerMany(Array.from({ length: batchSize }, (_, k) => ({ i: from + k })));
      await batch(0);
      const started = now();
      for (let from = batchSize; from < batchSize + n; from += batchSize) await batch(from);
      const ms = now() - started;
      const counts = await system.counts(db);
      return {
        perSec: (n / ms) * 1000,
        ms,
        n,
        stored: counts.runs ?? counts.jobs,
        expected: batchSize + n,
      };
    }),
  );
}

/** Spawns the system's worker process; resolves once it reports ready. */
function spawnWorker(system, db, concurrency, mode, onMessage, extraArgs = []) {
  const child = spawn(
    process.execPath,
    [...extraArgs, WORKER, system.name, db.url, String(concurrency), mode],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: process.env,
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'ready') resolve(message.t);
      else onMessage(message);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`${system.name} worker exited (${code ?? signal}):\n${stderr}`)),
    );
  });
  return {
    ready,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Drains `n` queued runs with one worker process: from the start of the first job until the
 * database shows none left (checked every 10 ms), or until `capMs` for a polling-bound peer.
 * Then measures the storage of the completed runs after VACUUM.
 */
export async function drain(system, { n, concurrency, capMs, workerArgs = [] }) {
  return withDatabase(system, 'drain', async (db) => {
    const client = await system.client(db);
    try {
      await enqueue(client, n);
      let first = null;
      const worker = spawnWorker(
        system,
        db,
        concurrency,
        'drain',
        (message) => {
          if (message.type === 'first') first = message.t;
        },
        workerArgs,
      );
      let end;
      let left;
      try {
        await worker.ready;
        const deadline = now() + capMs + 30_000;
        while (first === null && now() < deadline) await sleep(5);
        if (first === null) throw new Error(`${system.name}: no job started`);
        for (;;) {
          left = await system.pending(db);
          end = now();
          if (left === 0 || end - first >= capMs) break;
          await sleep(10);
        }
      } finally {
        await worker.stop();
      }
      const completed = n - left;
      const ms = end - first;
      // Storage per completed run: the rest completed through the API where the drain was capped.
      if (left > 0) await client.completeAll?.();
      const counts = await system.counts(db);
      await db.query('VACUUM');
      const bytes = await totalRelationSize(db, system.tables);
      return {
        perSec: (completed / ms) * 1000,
        ms,
        n,
        completed,
        capped: left > 0,
        counts,
        storageBytesPerRun: bytes / n,
        storageBytes: bytes,
      };
    } finally {
      await client.close();
    }
  });
}

/**
 * Trigger-to-start latency with an idle worker: one trigger every `spacingMs` (open loop),
 * latency = start of the job in the worker process − the moment before trigger was called.
 */
export async function latency(system, { samples, spacingMs, warmup = 10, concurrency = 10 }) {
  return withDatabase(system, 'latency', (db) =>
    withClient(system, db, async (client) => {
      const started = new Map();
      let waiter = null;
      const worker = spawnWorker(system, db, concurrency, 'latency', (message) => {
        if (message.type !== 'job') return;
        started.set(message.id, message.t);
        waiter?.();
      });
      try {
        await worker.ready;
        await sleep(500);
        const total = warmup + samples;
        const triggered = new Map();
        const origin = now();
        for (let i = 0; i < total; i++) {
          await sleep(origin + i * spacingMs - now());
          triggered.set(i, now());
          await client.triggerOne({ i });
        }
        const deadline = now() + 15_000;
        while (started.size < total && now() < deadline) {
          await new Promise((resolve) => {
            waiter = resolve;
            setTimeout(resolve, 100);
          });
        }
        const values = [];
        for (let i = warmup; i < total; i++) {
          if (started.has(i)) values.push(started.get(i) - triggered.get(i));
        }
        return { values, samples, received: values.length };
      } finally {
        await worker.stop();
      }
    }),
  );
}

/**
 * The cost of claiming with `backlog` queued runs written by SQL: median time of one claim
 * statement (and, where the system offers it, of one executeNext()) over `probes` calls.
 */
export async function claimCost(system, { backlog, probes, warmup = 20, budgetMs = 20_000 }) {
  return withDatabase(system, `claim_${backlog}`, async (db) => {
    const insertStarted = now();
    await system.insertBacklog(db, backlog);
    const insertMs = now() - insertStarted;
    const probe = await system.claimProbe(db);
    const claim = [];
    try {
      // A claim that sorts the whole backlog takes ~1 s at 1,000,000 (pg-boss): the probes
      // stop after the time budget, with at least five samples.
      const until = now() + budgetMs;
      for (let i = 0; i < warmup && now() < until; i++) await probe.claimOnce();
      for (let i = 0; i < probes && (i < 5 || now() < until); i++) {
        const t = now();
        const rows = await probe.claimOnce();
        claim.push(now() - t);
        if (rows !== 1) throw new Error(`${system.name}: a claim returned ${rows} rows`);
      }
    } finally {
      await probe.close();
    }
    let executeNext;
    const client = await system.client(db);
    try {
      if (client.executeNext) {
        executeNext = [];
        for (let i = 0; i < warmup; i++) await client.executeNext();
        for (let i = 0; i < probes; i++) {
          const t = now();
          const result = await client.executeNext();
          executeNext.push(now() - t);
          if (result?.outcome !== 'completed')
            throw new Error(`${system.name}: executeNext returned ${JSON.stringify(result)}`);
        }
      }
    } finally {
      await client.close();
    }
    return {
      backlog,
      insertMs,
      claimMs: median(claim),
      executeNextMs: executeNext && median(executeNext),
      probes: claim.length,
    };
  });
}

export function median(values) {
  return percentile(values, 50);
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
