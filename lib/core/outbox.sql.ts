/**
 * The statements of the outbox: delivery requests (`runlane_outbox` rows) are written by
 * the trigger statement (TRIGGER_SQL), published by a transport, then marked here. Rows
 * move `pending` → `published`, or `pending` → `dead` after too many failed publishes.
 * Published rows stay until their run is pruned: they are what a delivered wakeup is
 * checked against.
 *
 * `$1` is always "now" (see run-store.sql.ts).
 */

const NOW = 'coalesce($1::timestamptz, now())';
const MS = "* interval '1 millisecond'";

/**
 * Takes up to N due pending delivery requests for publishing, hiding them from other
 * flushers for the publish lease (a flusher that dies mid-publish leaves them due again).
 * Params: now, limit, lease ms.
 * Relies on: runlane_outbox_pending_idx (available_at) WHERE status = 'pending'.
 */
export const TAKE_PENDING_SQL = `
WITH due AS (
  SELECT id FROM runlane_outbox
  WHERE status = 'pending' AND available_at <= ${NOW}
  ORDER BY available_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE runlane_outbox o SET available_at = ${NOW} + $3::bigint ${MS}
FROM due WHERE o.id = due.id
RETURNING o.id, o.run_id, o.queue`;

/**
 * Marks delivery requests published and records `dispatched` on their runs.
 * Params: now, delivery ids, transport name.
 * Relies on: the primary keys.
 */
export const MARK_PUBLISHED_SQL = `
WITH published AS (
  UPDATE runlane_outbox SET
    status = 'published', attempts = attempts + 1, published_at = ${NOW}, last_error = NULL
  WHERE id = ANY($2::bigint[]) AND status = 'pending'
  RETURNING id, run_id, attempts
), dispatched_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT p.run_id, 'dispatched', r.attempts, ${NOW},
    jsonb_build_object('deliveryId', p.id::text, 'transport', $3::text, 'publishAttempts', p.attempts)
  FROM published p JOIN runlane_runs r ON r.id = p.run_id
  ORDER BY p.id
)
SELECT count(*)::int AS count FROM published`;

/**
 * Records a failed publish: the request stays pending with an exponential backoff, or
 * becomes `dead` at the attempt limit; each run gets a `dispatch_failed` event.
 * Params: now, delivery ids, error text, max attempts, first delay ms, max delay ms.
 * Relies on: the primary keys.
 */
export const MARK_FAILED_SQL = `
WITH failed AS (
  UPDATE runlane_outbox o SET
    attempts = o.attempts + 1,
    last_error = $3::text,
    status = CASE WHEN o.attempts + 1 >= $4::int THEN 'dead' ELSE 'pending' END,
    available_at = ${NOW} + least($6::float8, $5::float8 * power(2, least(o.attempts, 40))) ${MS}
  WHERE o.id = ANY($2::bigint[]) AND o.status = 'pending'
  RETURNING o.id, o.run_id, o.attempts, o.status, o.available_at
), failed_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT f.run_id, 'dispatch_failed', r.attempts, ${NOW},
    jsonb_build_object('deliveryId', f.id::text, 'publishAttempts', f.attempts, 'error', $3::text,
      'final', f.status = 'dead')
    || CASE WHEN f.status = 'pending' THEN jsonb_build_object('retryAt', f.available_at) ELSE '{}'::jsonb END
  FROM failed f JOIN runlane_runs r ON r.id = f.run_id
  ORDER BY f.id
)
SELECT count(*) FILTER (WHERE status = 'dead')::int AS dead FROM failed`;

/**
 * What a delivered wakeup names: the run's state, and whether that delivery request
 * was issued for that run (a wakeup naming any other is forged).
 * Params: now, run id, delivery id.
 * Relies on: the primary keys.
 */
export const DELIVERY_TARGET_SQL = `
SELECT r.status, r.task_id, r.queue,
  r.available_at <= ${NOW} AS due,
  EXISTS (SELECT 1 FROM runlane_outbox o WHERE o.id = $3::bigint AND o.run_id = r.id) AS requested,
  EXISTS (SELECT 1 FROM runlane_queues q WHERE q.name = r.queue AND q.paused) AS paused
FROM runlane_runs r WHERE r.id = $2::bigint`;
