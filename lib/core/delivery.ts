import type { Duration } from './duration.js';
import { InvalidDeliveryError } from './errors.js';
import type { AttemptResult } from './executor.js';
import { messages } from './runlane.messages.js';

/**
 * When a new run's wakeup goes out.
 * - `immediate` (default): right after the run is committed (PostgreSQL transport: at
 *   commit, by NOTIFY in the trigger statement; other transports: published after the
 *   statement, and left pending for `tick()` when publishing fails).
 * - `deferred`: the delivery request waits in the outbox until `tick()` publishes it.
 */
export type DispatchPolicy = 'immediate' | 'deferred';

/**
 * A wakeup: the message a transport carries for one delivery request. A hint, never the
 * truth: storage decides whether the run is due and unleased.
 */
export interface RunlaneWakeup {
  runId: string;
  /** The delivery request (`runlane_outbox` row) this wakeup was published for. */
  deliveryId: string;
  /** The run's queue; transports route by it (the AMQP transport has one broker queue per Runlane queue). */
  queue: string;
}

/** Why a delivered wakeup did not execute anything. */
export type DeliverySkipReason =
  'not_found' | 'not_due' | 'already_running' | 'terminal' | 'cancelled' | 'unknown_task';

/** What `executeDelivery()` did with a wakeup. */
export type DeliveryOutcome =
  | { outcome: 'executed'; runId: string; result: AttemptResult }
  | {
      outcome: 'skipped';
      runId: string;
      /**
       * `not_found`: no such run (pruned); `not_due`: waiting for a later time or its queue
       * is paused; `already_running`: another worker holds or is taking it; `terminal`:
       * completed or failed; `cancelled`; `unknown_task`: its task is not registered in
       * this process (a worker that has it finds the run by polling).
       */
      reason: DeliverySkipReason;
    };

/** How the outbox retries publishing. */
export interface OutboxOptions {
  /** Delivery requests published per statement by `tick()`. Default `500`. */
  batchSize?: number;
  /** Publish attempts before a delivery request is marked `dead` (workers still find the run by polling). Default `20`. */
  maxAttempts?: number;
  /** Delay after the first failed publish; doubles per failure. Default `'1s'`. */
  retryDelay?: Duration;
  /** Largest delay between publish attempts. Default `'5m'`. */
  maxRetryDelay?: Duration;
}

const ID_PATTERN = /^[1-9]\d{0,18}$/;
const MAX_ID = 9223372036854775807n;

/** The wire form of a wakeup: only the ids, as JSON. */
export function encodeWakeup(wakeup: RunlaneWakeup): Buffer {
  return Buffer.from(JSON.stringify({ runId: wakeup.runId, deliveryId: wakeup.deliveryId }));
}

/**
 * Reads a delivered message: a wakeup object, or its JSON as a string, Buffer or
 * Uint8Array. Anything else throws `InvalidDeliveryError` (`malformed`).
 */
export function decodeWakeup(message: unknown): { runId: string; deliveryId: string } {
  let value = message;
  if (value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw malformed('not JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('not an object');
  }
  const { runId, deliveryId } = value as Record<string, unknown>;
  if (!isId(runId))
    throw malformed(`"runId" ${JSON.stringify(runId) ?? 'undefined'} is not a run id`);
  if (!isId(deliveryId)) {
    throw malformed(
      `"deliveryId" ${JSON.stringify(deliveryId) ?? 'undefined'} is not a delivery id`,
    );
  }
  return { runId, deliveryId };
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value) && BigInt(value) <= MAX_ID;
}

function malformed(detail: string): InvalidDeliveryError {
  return new InvalidDeliveryError('malformed', messages.deliveryMalformed(detail));
}
