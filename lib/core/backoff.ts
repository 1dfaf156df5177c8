/**
 * The delay before trying an infrastructure operation again (reconnecting, claiming,
 * recording an outcome) after `failures` consecutive failures: `firstMs * 2^failures`,
 * capped at `maxMs`, spread by ±`jitter` so that many processes do not retry in step.
 * Task retries use the task's own retry policy instead.
 */
export function exponentialBackoff(
  failures: number,
  firstMs: number,
  maxMs: number,
  jitter = 0.2,
): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(0, failures), 30));
  return Math.round(base * (1 - jitter + Math.random() * 2 * jitter));
}
