// The systems under test and the clock every process of the benchmark shares.
import { performance } from 'node:perf_hooks';

export const SYSTEMS = ['runlane', 'graphile-worker', 'pg-boss'];

export function loadSystem(name) {
  if (!SYSTEMS.includes(name))
    throw new Error(`unknown system ${name}; one of ${SYSTEMS.join(', ')}`);
  return import(`./systems/${name}.mjs`);
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function now() {
  return performance.timeOrigin + performance.now();
}
