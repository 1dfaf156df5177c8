/**
 * The statements of the hot paths, together and named. Every statement that changes a
 * run writes its events in the same statement, so state and history never disagree.
 *
 * `$1` is always "now": a timestamp from a controllable clock, or NULL to use
 * PostgreSQL's clock (the default; one clock for every machine).
 */

const NOW = 'coalesce($1::timestamptz, now())';
const MS = "* interval '1 millisecond'";

const WAITING = `('queued', 'retrying', 'released')`;

/**
 * Inserts N runs of one task, their `created` events and, for out-of-band transports,
 * their delivery requests — one round trip.
 * Params: now, payloads (jsonb array), idempotency keys (text[] or NULL), task id,
 * queue, priority, max attempts, source, run at, delay ms, write outbox row, notify channel.
 * Returns each run with `delivery_id`, its delivery request (NULL without an outbox row).
 * Relies on: runlane_runs_idempotency_idx (ON CONFLICT).
 */
export const TRIGGER_SQL = `
WITH input AS (
  SELECT p.value AS payload, k.key AS idempotency_key, p.ord
  FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS p(value, ord)
  LEFT JOIN unnest($3::text[]) WITH ORDINALITY AS k(key, ord) USING (ord)
), inserted AS (
  INSERT INTO runlane_runs
    (task_id, queue, status, priority, payload, max_attempts, idempotency_key, source,
     available_at, wakeup_due, created_at, updated_at)
  SELECT $4, $5, 'queued', $6, input.payload, $7, input.idempotency_key, $8::jsonb,
    coalesce($9::timestamptz, ${NOW} + $10::bigint ${MS}),
    -- A delayed run needs a wakeup when due, unless its outbox row (published when due) is it.
    coalesce($9::timestamptz, ${NOW} + $10::bigint ${MS}) > ${NOW} AND NOT $11::boolean, ${NOW}, ${NOW}
  FROM input
  ORDER BY input.ord
  ON CONFLICT (task_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING id, queue, idempotency_key, available_at, created_at
), created_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, 'created', 0, created_at, jsonb_build_object('source', $8::jsonb->'type')
  FROM inserted ORDER BY id
), delivery_requests AS (
  INSERT INTO runlane_outbox (run_id, queue, available_at, created_at)
  SELECT id, queue, available_at, created_at FROM inserted WHERE $11::boolean
  RETURNING id, run_id
), notified AS (
  SELECT pg_notify($12::text, $5::text)
  WHERE $12::text IS NOT NULL AND EXISTS (SELECT 1 FROM inserted WHERE available_at <= ${NOW})
)
-- Only what the caller does not know already: the rest of each snapshot is its input.
SELECT inserted.id, inserted.idempotency_key, inserted.available_at, inserted.created_at,
  d.id AS delivery_id, n.notified
FROM inserted
LEFT JOIN delivery_requests d ON d.run_id = inserted.id
-- n.notified is selected so that the planner cannot remove this join (and with it the NOTIFY).
LEFT JOIN (SELECT count(*) AS notified FROM notified) n ON true
ORDER BY inserted.id`;

/** The existing run for an idempotency key (the deduplicated path of trigger). */
export const FIND_BY_IDEMPOTENCY_KEY_SQL = `
SELECT * FROM runlane_runs WHERE task_id = $1 AND idempotency_key = ANY($2::text[])`;

/**
 * Claims up to N due runs and marks them running under a new lease; the attempt number
 * becomes the lease token that fences every later write of the attempt.
 * Params: now, pick (queue | queues | run id), task ids, limit, worker id, lease ms.
 * A claim of one named run (a delivered wakeup) waits for the row lock instead of skipping
 * it: the lock may be a short one (an event insert's foreign-key check), and a skipped
 * wakeup would leave the run to the slow poll. The status check is re-done after the wait.
 * Relies on: runlane_runs_claim_idx (queue, priority DESC, available_at, id) WHERE waiting.
 */
export function claimSql(pick: 'queue' | 'queues' | 'run', limited = false): string {
  const where = pick === 'run' ? 'id = $2::bigint' : 'queue = $2::text';
  // A queue with a global concurrency limit is claimed from inside a transaction that
  // holds its runlane_queues row (LOCK_QUEUE_SQL), so this count sees every other claim.
  const limit = limited
    ? `GREATEST(0, LEAST($4::int, $7::int - (SELECT count(*) FROM runlane_runs WHERE queue = $8::text AND status = 'running')))`
    : '$4';
  // The paused check names the queue, not the row's column, so that PostgreSQL evaluates it
  // once and walks the claim index in order, stopping after `limit` rows; correlated with
  // each row it became an anti-join that read and sorted every due run (a sequential scan
  // of the whole backlog). Several queues: the first runs of each queue by the index, then
  // the first of those.
  const due =
    pick === 'queues'
      ? `
  SELECT r.id FROM unnest($2::text[]) AS wanted(queue)
  CROSS JOIN LATERAL (
    SELECT id, priority, available_at FROM runlane_runs
    WHERE queue = wanted.queue
      AND status IN ${WAITING}
      AND available_at <= ${NOW}
      AND task_id = ANY($3::text[])
      AND NOT EXISTS (SELECT 1 FROM runlane_queues q WHERE q.name = wanted.queue AND q.paused)
    ORDER BY priority DESC, available_at, id
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED
  ) r
  ORDER BY r.priority DESC, r.available_at, r.id
  LIMIT ${limit}`
      : `
  SELECT id FROM runlane_runs
  WHERE ${where}
    AND status IN ${WAITING}
    AND available_at <= ${NOW}
    AND task_id = ANY($3::text[])
    AND NOT EXISTS (SELECT 1 FROM runlane_queues q WHERE q.name = ${pick === 'queue' ? '$2::text' : 'runlane_runs.queue'} AND q.paused)
  ORDER BY priority DESC, available_at, id
  LIMIT ${limit}
  FOR UPDATE${pick === 'run' ? '' : ' SKIP LOCKED'}`;
  return `
WITH due AS (${due}
), claimed AS (
  UPDATE runlane_runs r SET
    status = 'running',
    attempts = r.attempts + 1,
    worker_id = $5,
    wakeup_due = false,
    lease_expires_at = ${NOW} + $6::bigint ${MS},
    started_at = coalesce(r.started_at, ${NOW}),
    updated_at = ${NOW}
  FROM due WHERE r.id = due.id
  RETURNING r.*
), claimed_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, 'claimed', attempts, updated_at, jsonb_build_object('workerId', $5::text)
  FROM claimed ORDER BY id
)
SELECT * FROM claimed ORDER BY priority DESC, available_at, id`;
}

/** Serializes claims on a queue with a concurrency limit; returns its limit. Params: queue. */
export const LOCK_QUEUE_SQL = `
SELECT concurrency FROM runlane_queues WHERE name = $1 AND concurrency IS NOT NULL FOR UPDATE`;

/** The queues with a global concurrency limit. */
export const LIMITED_QUEUES_SQL = `
SELECT name, concurrency FROM runlane_queues WHERE concurrency IS NOT NULL`;

/** Sets a queue's concurrency limit (NULL: none). Params: queue, concurrency. */
export const SET_QUEUE_CONCURRENCY_SQL = `
INSERT INTO runlane_queues (name, concurrency, updated_at) VALUES ($1, $2, now())
ON CONFLICT (name) DO UPDATE SET concurrency = EXCLUDED.concurrency, updated_at = now()`;

/** Pauses or resumes a queue. Params: queue, paused. */
export const SET_QUEUE_PAUSED_SQL = `
INSERT INTO runlane_queues (name, paused, updated_at) VALUES ($1, $2, now())
ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
RETURNING name, paused, concurrency`;

/**
 * Records an attempt's outcome, fenced by the lease token (run id + attempt while
 * running). A cancel requested during the attempt turns any outcome into `cancelled`.
 * A write that lost the fence changes nothing and records `lease_lost` instead.
 * Params: now, run id, attempt, status, result, error, failures +, releases +,
 * last release, delay ms (NULL keeps available_at), events [{type, data}], lease-lost data.
 */
export const RECORD_OUTCOME_SQL = `
WITH updated AS (
  UPDATE runlane_runs SET
    status = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE $4::text END,
    result = CASE WHEN cancel_requested_at IS NOT NULL THEN NULL ELSE $5::jsonb END,
    error = CASE WHEN cancel_requested_at IS NOT NULL THEN NULL ELSE $6::jsonb END,
    failures = failures + CASE WHEN cancel_requested_at IS NOT NULL THEN 0 ELSE $7::int END,
    releases = releases + CASE WHEN cancel_requested_at IS NOT NULL THEN 0 ELSE $8::int END,
    last_release = CASE WHEN $9::jsonb IS NULL THEN last_release ELSE $9::jsonb || jsonb_build_object(
      'releasedAt', ${NOW}, 'availableAt', ${NOW} + $10::bigint ${MS}) END,
    available_at = CASE WHEN $10::bigint IS NULL THEN available_at ELSE ${NOW} + $10::bigint ${MS} END,
    wakeup_due = cancel_requested_at IS NULL AND $4::text IN ${WAITING},
    lease_expires_at = NULL,
    worker_id = NULL,
    finished_at = CASE WHEN cancel_requested_at IS NOT NULL OR $4::text IN ('completed', 'failed', 'cancelled')
      THEN ${NOW} END,
    updated_at = ${NOW}
  WHERE id = $2::bigint AND attempts = $3::int AND status = 'running'
  RETURNING id, status, attempts, available_at, updated_at
), new_events AS (
  SELECT u.id, e.item->>'type' AS type, u.attempts, u.updated_at AS at,
    (e.item->'data') || CASE WHEN e.item->>'type' IN ('retry_scheduled', 'released')
      THEN jsonb_build_object('availableAt', u.available_at) ELSE '{}'::jsonb END AS data, e.ord
  FROM updated u, jsonb_array_elements($11::jsonb) WITH ORDINALITY AS e(item, ord)
  WHERE u.status <> 'cancelled'
  UNION ALL
  SELECT u.id, 'cancelled', u.attempts, u.updated_at, '{}'::jsonb, 1 FROM updated u WHERE u.status = 'cancelled'
  UNION ALL
  SELECT $2::bigint, 'lease_lost', $3::int, ${NOW}, $12::jsonb, 1
  WHERE NOT EXISTS (SELECT 1 FROM updated) AND EXISTS (SELECT 1 FROM runlane_runs WHERE id = $2::bigint)
), inserted_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, type, attempts, at, data FROM new_events ORDER BY ord
)
SELECT u.id, u.status, u.available_at FROM updated u`;

/**
 * Records the completions of several attempts in one statement, each fenced by its own
 * lease token, with its `completed` event (or `cancelled`, or `lease_lost`) — the batched
 * form of RECORD_OUTCOME_SQL for the most common outcome.
 * Params: now, run ids, attempts, results (jsonb array), worker id.
 */
export const RECORD_COMPLETIONS_SQL = `
WITH input AS (
  SELECT i.id, i.attempt, r.result
  FROM unnest($2::bigint[], $3::int[]) WITH ORDINALITY AS i(id, attempt, ord)
  JOIN jsonb_array_elements($4::jsonb) WITH ORDINALITY AS r(result, ord) USING (ord)
), updated AS (
  UPDATE runlane_runs r SET
    status = CASE WHEN r.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'completed' END,
    result = CASE WHEN r.cancel_requested_at IS NOT NULL THEN NULL ELSE input.result END,
    error = NULL,
    wakeup_due = false,
    lease_expires_at = NULL,
    worker_id = NULL,
    finished_at = ${NOW},
    updated_at = ${NOW}
  FROM input
  WHERE r.id = input.id AND r.attempts = input.attempt AND r.status = 'running'
  RETURNING r.id, r.status, r.attempts, r.updated_at
), new_events AS (
  SELECT id, CASE status WHEN 'cancelled' THEN 'cancelled' ELSE 'completed' END AS type,
    attempts AS attempt, updated_at AS at, '{}'::jsonb AS data
  FROM updated
  UNION ALL
  SELECT input.id, 'lease_lost', input.attempt, ${NOW},
    jsonb_build_object('workerId', $5::text, 'outcome', 'completed')
  FROM input
  WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = input.id)
    AND EXISTS (SELECT 1 FROM runlane_runs x WHERE x.id = input.id)
), inserted_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, type, attempt, at, data FROM new_events ORDER BY id
)
SELECT id, status FROM updated`;

/**
 * Extends the leases of a worker's in-flight attempts in one statement and reports
 * which are still held and which an operator asked to cancel.
 * Params: now, run ids, attempts, lease ms.
 * Relies on: the primary key.
 */
export const HEARTBEAT_SQL = `
WITH held AS (
  SELECT * FROM unnest($2::bigint[], $3::int[]) AS h(id, attempt)
), extended AS (
  UPDATE runlane_runs r SET lease_expires_at = ${NOW} + $4::bigint ${MS}
  FROM held WHERE r.id = held.id AND r.attempts = held.attempt AND r.status = 'running'
  RETURNING r.id, r.cancel_requested_at IS NOT NULL AS cancel_requested
)
SELECT id, cancel_requested FROM extended`;

/**
 * Recovers runs whose lease expired: the attempt counts as a failure of kind
 * `lease_expired`, and the run is retried at once or failed by its max attempts.
 * Params: now, limit.
 * Relies on: runlane_runs_running_idx (queue, lease_expires_at) WHERE status = 'running'
 * (running runs are few: at most the total concurrency of all workers).
 */
export const RECOVER_EXPIRED_LEASES_SQL = `
WITH expired AS (
  SELECT id, worker_id, lease_expires_at FROM runlane_runs
  WHERE status = 'running' AND lease_expires_at < ${NOW}
  ORDER BY lease_expires_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), recovered AS (
  UPDATE runlane_runs r SET
    status = CASE
      WHEN r.cancel_requested_at IS NOT NULL THEN 'cancelled'
      WHEN r.failures + 1 >= r.max_attempts THEN 'failed'
      ELSE 'retrying' END,
    failures = r.failures + 1,
    error = jsonb_build_object('kind', 'lease_expired', 'name', 'LeaseExpiredError',
      'message', 'The lease of run ' || r.id || ' (attempt ' || r.attempts || ') expired before the attempt recorded an outcome.'),
    available_at = ${NOW},
    wakeup_due = r.cancel_requested_at IS NULL AND r.failures + 1 < r.max_attempts,
    lease_expires_at = NULL,
    worker_id = NULL,
    finished_at = CASE WHEN r.cancel_requested_at IS NOT NULL OR r.failures + 1 >= r.max_attempts THEN ${NOW} END,
    updated_at = ${NOW}
  FROM expired WHERE r.id = expired.id
  RETURNING r.id, r.status, r.attempts, r.updated_at, expired.worker_id, expired.lease_expires_at
), recovered_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, type, attempts, updated_at, data FROM (
    SELECT id, 'lease_expired' AS type, attempts, updated_at, 1 AS ord,
      jsonb_build_object('workerId', worker_id, 'leaseExpiresAt', lease_expires_at) AS data
    FROM recovered
    UNION ALL
    SELECT id, CASE status WHEN 'retrying' THEN 'retry_scheduled' ELSE status END, attempts, updated_at, 2,
      CASE status WHEN 'retrying' THEN jsonb_build_object('delayMs', 0)
        WHEN 'failed' THEN jsonb_build_object('kind', 'lease_expired') ELSE '{}'::jsonb END
    FROM recovered
  ) e ORDER BY id, ord
)
SELECT id, status FROM recovered`;

export const GET_RUN_SQL = `SELECT * FROM runlane_runs WHERE id = $1::bigint`;

export const GET_RUN_EVENTS_SQL = `
SELECT * FROM runlane_run_events WHERE run_id = $1::bigint ORDER BY id`;

export const TABLES_PRESENT_SQL = `
SELECT t.name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NOT NULL`;

/**
 * Requests delivery for waiting runs whose time has come (released, retrying, delayed,
 * handed back): clears their wakeup flag, records a `resumed` event and a delivery
 * request. SKIP LOCKED makes concurrent tickers split the work: one request per wait.
 * Params: now, limit, write outbox row, notify channel.
 * Relies on: runlane_runs_wakeup_idx (available_at) WHERE wakeup_due.
 */
export const RESUME_DUE_SQL = `
WITH due AS (
  SELECT id FROM runlane_runs
  WHERE wakeup_due AND available_at <= ${NOW} AND status IN ${WAITING}
  ORDER BY available_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), resumed AS (
  UPDATE runlane_runs r SET wakeup_due = false
  FROM due WHERE r.id = due.id
  RETURNING r.id, r.queue, r.status, r.attempts
), resumed_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, 'resumed', attempts, ${NOW}, jsonb_build_object('from', status) FROM resumed ORDER BY id
), delivery_requests AS (
  INSERT INTO runlane_outbox (run_id, queue, available_at, created_at)
  SELECT id, queue, ${NOW}, ${NOW} FROM resumed WHERE $3::boolean
), notified AS (
  SELECT pg_notify($4::text, queue) FROM (SELECT DISTINCT queue FROM resumed) q WHERE $4::text IS NOT NULL
)
SELECT resumed.id, n.notified FROM resumed LEFT JOIN (SELECT count(*) AS notified FROM notified) n ON true`;

/**
 * Cancels a run: a waiting run at once, a running one by request (its worker learns at
 * the next heartbeat). Terminal runs and repeated requests change nothing.
 * Params: now, run id, reason.
 */
export const CANCEL_SQL = `
WITH target AS (
  SELECT id, status, cancel_requested_at FROM runlane_runs WHERE id = $2::bigint FOR UPDATE
), changed AS (
  UPDATE runlane_runs r SET
    status = CASE WHEN t.status = 'running' THEN 'running' ELSE 'cancelled' END,
    cancel_requested_at = ${NOW},
    wakeup_due = false,
    finished_at = CASE WHEN t.status = 'running' THEN NULL ELSE ${NOW} END,
    updated_at = ${NOW}
  FROM target t
  WHERE r.id = t.id AND (t.status IN ${WAITING} OR (t.status = 'running' AND t.cancel_requested_at IS NULL))
  RETURNING r.*
), changed_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, CASE status WHEN 'cancelled' THEN 'cancelled' ELSE 'cancel_requested' END, attempts, ${NOW},
    jsonb_strip_nulls(jsonb_build_object('reason', $3::text))
  FROM changed
)
SELECT true AS changed, changed.* FROM changed
UNION ALL
SELECT false, r.* FROM runlane_runs r WHERE r.id = $2::bigint AND NOT EXISTS (SELECT 1 FROM changed)`;

/**
 * Sends a failed or cancelled run back to `queued` with its failures reset; history is kept.
 * Params: now, run id, write outbox row, notify channel.
 */
export const RETRY_SQL = `
WITH changed AS (
  UPDATE runlane_runs SET
    status = 'queued', failures = 0, releases = 0, error = NULL, result = NULL,
    cancel_requested_at = NULL, finished_at = NULL, wakeup_due = false,
    available_at = ${NOW}, updated_at = ${NOW}
  WHERE id = $2::bigint AND status IN ('failed', 'cancelled')
  RETURNING *
), changed_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT id, 'retried', attempts, ${NOW}, '{}'::jsonb FROM changed
), delivery_requests AS (
  INSERT INTO runlane_outbox (run_id, queue, available_at, created_at)
  SELECT id, queue, ${NOW}, ${NOW} FROM changed WHERE $3::boolean
), notified AS (
  SELECT pg_notify($4::text, queue) FROM changed WHERE $4::text IS NOT NULL
)
SELECT true AS changed, changed.*, n.notified FROM changed LEFT JOIN (SELECT count(*) AS notified FROM notified) n ON true
UNION ALL
SELECT false, r.*, 0 FROM runlane_runs r WHERE r.id = $2::bigint AND NOT EXISTS (SELECT 1 FROM changed)`;

/**
 * Creates a new run with the task, payload, queue and priority of an existing one, source
 * `{ type: 'replay', runId }`; the original records `replayed`.
 * Params: now, run id, write outbox row, notify channel.
 */
export const REPLAY_SQL = `
WITH original AS (
  SELECT * FROM runlane_runs WHERE id = $2::bigint
), inserted AS (
  INSERT INTO runlane_runs
    (task_id, queue, status, priority, payload, max_attempts, source, available_at, created_at, updated_at)
  SELECT task_id, queue, 'queued', priority, payload, max_attempts,
    jsonb_build_object('type', 'replay', 'runId', id::text), ${NOW}, ${NOW}, ${NOW}
  FROM original
  RETURNING *
), new_events AS (
  INSERT INTO runlane_run_events (run_id, type, attempt, at, data)
  SELECT i.id, 'created', 0, ${NOW}, jsonb_build_object('source', 'replay', 'replayOf', o.id::text)
  FROM inserted i, original o
  UNION ALL
  SELECT o.id, 'replayed', o.attempts, ${NOW}, jsonb_build_object('runId', i.id::text)
  FROM inserted i, original o
), delivery_requests AS (
  INSERT INTO runlane_outbox (run_id, queue, available_at, created_at)
  SELECT id, queue, ${NOW}, ${NOW} FROM inserted WHERE $3::boolean
), notified AS (
  SELECT pg_notify($4::text, queue) FROM inserted WHERE $4::text IS NOT NULL
)
SELECT inserted.*, n.notified FROM inserted LEFT JOIN (SELECT count(*) AS notified FROM notified) n ON true`;

/** Counts per queue and status, and the age of the oldest due waiting run per queue. Params: now. */
export const STATS_SQL = `
SELECT queue, status, count(*)::bigint AS count, NULL::timestamptz AS oldest_due
FROM runlane_runs GROUP BY queue, status
UNION ALL
SELECT queue, NULL, NULL, min(available_at)
FROM runlane_runs WHERE status IN ${WAITING} AND available_at <= ${NOW}
GROUP BY queue`;

/**
 * Deletes terminal runs that finished more than `olderThan` ago, with their events and
 * delivery requests. Params: now, statuses, limit, older than ms.
 */
export const PRUNE_SQL = `
WITH doomed AS (
  SELECT id FROM runlane_runs
  WHERE status = ANY($2::text[]) AND finished_at < ${NOW} - $4::bigint ${MS}
  LIMIT $3
  FOR UPDATE SKIP LOCKED
), doomed_events AS (
  DELETE FROM runlane_run_events e USING doomed WHERE e.run_id = doomed.id
), doomed_deliveries AS (
  DELETE FROM runlane_outbox o USING doomed WHERE o.run_id = doomed.id
)
DELETE FROM runlane_runs r USING doomed WHERE r.id = doomed.id RETURNING r.id`;
