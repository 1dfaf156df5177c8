import ms from 'ms';
import { InvalidOptionError } from './errors.js';
import { messages } from './runlane.messages.js';

/** Milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'7d'`. */
export type Duration = number | string;

const MAX_DURATION_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/**
 * Parses a duration to whole milliseconds. `where` names the option in the error text,
 * e.g. `task "emails.send": retry.backoff.delay`.
 */
export function parseDuration(value: Duration, where: string): number {
  let parsed: number | undefined;
  if (typeof value === 'number') parsed = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    const trimmed = value.trim();
    parsed = /^\d+(\.\d+)?$/.test(trimmed)
      ? Number(trimmed)
      : (ms(trimmed as ms.StringValue) as number | undefined);
  }
  if (parsed === undefined || !Number.isFinite(parsed) || parsed < 0 || parsed > MAX_DURATION_MS) {
    throw new InvalidOptionError(messages.invalidDuration(where, value));
  }
  return Math.round(parsed);
}
