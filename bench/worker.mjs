// The worker process of the drain and latency workloads: one system's worker with a no-op
// job, spawned by the benchmark with an IPC channel.
//   node bench/worker.mjs <system> <database url> <concurrency> <drain|latency>
// It reports `started` (the time its first job started) in drain mode, and the start time
// of every job in latency mode; `stop` from the parent stops it gracefully.
import { loadSystem, now } from './systems.mjs';

const [systemName, url, concurrencyText, mode] = process.argv.slice(2);
const system = await loadSystem(systemName);
let first = true;

const onJob =
  mode === 'latency'
    ? (payload) => process.send({ type: 'job', id: payload.i, t: now() })
    : () => {
        if (first) {
          first = false;
          process.send({ type: 'first', t: now() });
        }
      };

const worker = await system.startWorker(url, { concurrency: Number(concurrencyText), onJob });
process.send({ type: 'ready', t: now() });

process.on('message', async (message) => {
  if (message !== 'stop') return;
  await worker.stop();
  process.disconnect();
  process.exit(0);
});
