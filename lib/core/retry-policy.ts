import { NonRetryableError } from './errors.js';
import type { RetryPolicyOptions } from './task.types.js';
import { parseDuration } from './duration.js';
import { InvalidOptionError } from './errors.js';
import { messages } from './runlane.messages.js';

/** A retry policy with every default filled in and every duration parsed. */
export interface RetryPolicy {
  maxAttempts: number;
  backoff: {
    type: 'exponential' | 'fixed';
    delayMs: number;
    factor: number;
    maxDelayMs: number;
    jitter: number;
  };
  retryable?: (error: unknown) => boolean;
}

export const DEFAULT_RETRY: Required<Omit<RetryPolicyOptions, 'retryable'>> = {
  maxAttempts: 3,
  backoff: { type: 'exponential', delay: '1s', factor: 2, maxDelay: '1h', jitter: 0.2 },
};

export function resolveRetryPolicy(
  where: string,
  options: RetryPolicyOptions | undefined,
  defaults: RetryPolicyOptions = DEFAULT_RETRY,
): RetryPolicy {
  const maxAttempts = options?.maxAttempts ?? defaults.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1_000_000) {
    throw new InvalidOptionError(
      messages.invalidOption(
        `${where}: retry.maxAttempts`,
        `must be an integer from 1 to 1000000, got ${JSON.stringify(maxAttempts)}`,
      ),
    );
  }
  const backoff = { ...DEFAULT_RETRY.backoff, ...defaults.backoff, ...options?.backoff };
  if (backoff.type !== 'exponential' && backoff.type !== 'fixed') {
    throw new InvalidOptionError(
      messages.invalidOption(
        `${where}: retry.backoff.type`,
        `must be "exponential" or "fixed", got ${JSON.stringify(backoff.type)}`,
      ),
    );
  }
  const factor = backoff.factor ?? 2;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
    throw new InvalidOptionError(
      messages.invalidOption(
        `${where}: retry.backoff.factor`,
        `must be a number >= 1, got ${JSON.stringify(factor)}`,
      ),
    );
  }
  const jitter = backoff.jitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new InvalidOptionError(
      messages.invalidOption(
        `${where}: retry.backoff.jitter`,
        `must be a number from 0 to 1, got ${JSON.stringify(jitter)}`,
      ),
    );
  }
  const retryable = options?.retryable ?? defaults.retryable;
  if (retryable !== undefined && typeof retryable !== 'function') {
    throw new InvalidOptionError(
      messages.invalidOption(`${where}: retry.retryable`, 'must be a function'),
    );
  }
  return {
    maxAttempts,
    backoff: {
      type: backoff.type,
      delayMs: parseDuration(backoff.delay ?? '1s', `${where}: retry.backoff.delay`),
      factor,
      maxDelayMs: parseDuration(backoff.maxDelay ?? '1h', `${where}: retry.backoff.maxDelay`),
      jitter,
    },
    retryable,
  };
}

/** The delay before the next attempt after the `failures`-th failure (1-based). */
export function backoffDelay(policy: RetryPolicy, failures: number, random = Math.random): number {
  const { type, delayMs, factor, maxDelayMs, jitter } = policy.backoff;
  const base = type === 'fixed' ? delayMs : delayMs * Math.pow(factor, Math.max(0, failures - 1));
  const capped = Math.min(base, maxDelayMs);
  return Math.round(capped - capped * jitter * random());
}

/** Whether an error thrown by a task may be retried under the policy. */
export function isRetryable(policy: RetryPolicy, error: unknown): boolean {
  if (error instanceof NonRetryableError) return false;
  return policy.retryable ? policy.retryable(error) !== false : true;
}
