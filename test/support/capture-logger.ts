import type { RunlaneLogger } from '../../lib/core/logger.js';

/** A logger that keeps every line by level, to assert what users would see in their logs. */
export function captureLogger(): RunlaneLogger & {
  lines: Record<'debug' | 'log' | 'warn' | 'error', string[]>;
} {
  const lines = {
    debug: [] as string[],
    log: [] as string[],
    warn: [] as string[],
    error: [] as string[],
  };
  return {
    lines,
    debug: (message) => void lines.debug.push(message),
    log: (message) => void lines.log.push(message),
    warn: (message) => void lines.warn.push(message),
    error: (message) => void lines.error.push(message),
  };
}
