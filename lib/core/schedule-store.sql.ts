/**
 * The statements of schedules, together and named. Runs are never written here: a
 * schedule's runs go through the run store's trigger statement like any other run.
 *
 * `$1` is always "now": a timestamp from a controllable clock, or NULL to use
 * PostgreSQL's clock.
 */

const NOW = 'coalesce($1::timestamptz, now())';

/** The time every schedule computation of one operation is based on. Params: now. */
export const NOW_SQL = `SELECT ${NOW} AS now`;

/**
 * Locks up to N due schedules of the given tasks; a schedule another ticker holds is
 * skipped, so tickers never materialize the same schedule at once. Returns "now" beside
 * each row so that fire times are computed against the database clock.
 * Params: now, task ids, limit.
 * Relies on: runlane_schedules_due_idx (next_fire_at) WHERE enabled AND NOT paused.
 */
export const CLAIM_DUE_SCHEDULES_SQL = `
SELECT s.*, ${NOW} AS now FROM runlane_schedules s
WHERE s.enabled AND NOT s.paused
  AND s.next_fire_at <= ${NOW}
  AND s.task_id = ANY($2::text[])
ORDER BY s.next_fire_at, s.id
LIMIT $3
FOR UPDATE SKIP LOCKED`;

/**
 * Records the occurrences just materialized and moves each schedule to its next fire
 * time. The run id is looked up by the occurrence's idempotency key, so it is found
 * whether this tick inserted the run or an earlier, interrupted one did.
 * Params: now, schedule ids, fire times, next fire times, coalesced counts, idempotency keys.
 * Relies on: the primary key; runlane_runs_idempotency_idx.
 */
export const ADVANCE_SCHEDULES_SQL = `
UPDATE runlane_schedules s SET
  next_fire_at = a.next_fire_at,
  last_fire_at = a.fire_time,
  last_run_id = coalesce(
    (SELECT r.id FROM runlane_runs r WHERE r.task_id = s.task_id AND r.idempotency_key = a.idempotency_key),
    s.last_run_id),
  last_coalesced = a.coalesced,
  coalesced_total = s.coalesced_total + a.coalesced,
  updated_at = ${NOW}
FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::text[])
  AS a(id, fire_time, next_fire_at, coalesced, idempotency_key)
WHERE s.id = a.id`;

/** Locks the stored rows of the given ids (boot reconciliation, before the upsert). Params: ids. */
export const LOCK_SCHEDULES_SQL = `
SELECT id, origin FROM runlane_schedules WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/**
 * Upserts the schedules declared in code. A changed timing takes the freshly computed
 * first fire time; so does a schedule declared again after it was disabled (it does not
 * catch up on the time it was gone), except a one-time schedule, which keeps its state.
 * Unchanged rows are not touched; `paused` is operator state and is never changed here.
 * Params: now, ids, task ids, kinds, specs, payloads, first fire times.
 */
export const UPSERT_DECLARED_SCHEDULES_SQL = `
INSERT INTO runlane_schedules AS s
  (id, task_id, kind, spec, payload, origin, enabled, paused, next_fire_at, created_at, updated_at)
SELECT i.id, i.task_id, i.kind, i.spec, i.payload, 'code', true, false, i.first_fire_at, ${NOW}, ${NOW}
FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::timestamptz[])
  AS i(id, task_id, kind, spec, payload, first_fire_at)
ON CONFLICT (id) DO UPDATE SET
  task_id = excluded.task_id,
  kind = excluded.kind,
  spec = excluded.spec,
  payload = excluded.payload,
  enabled = true,
  next_fire_at = CASE
    WHEN s.kind <> excluded.kind OR s.spec <> excluded.spec THEN excluded.next_fire_at
    WHEN NOT s.enabled AND s.kind <> 'at' THEN excluded.next_fire_at
    ELSE s.next_fire_at END,
  updated_at = ${NOW}
WHERE s.origin = 'code' AND (s.task_id <> excluded.task_id OR s.kind <> excluded.kind
  OR s.spec <> excluded.spec OR s.payload <> excluded.payload OR NOT s.enabled)
RETURNING s.id, (xmax = 0) AS created`;

/**
 * Disables the code schedules of this process's tasks that code no longer declares.
 * Schedules of tasks this process does not register belong to other processes and are
 * left alone; runtime schedules are never disabled here.
 * Params: now, task ids, declared ids.
 */
export const DISABLE_UNDECLARED_SCHEDULES_SQL = `
UPDATE runlane_schedules SET enabled = false, updated_at = ${NOW}
WHERE origin = 'code' AND enabled AND task_id = ANY($2::text[]) AND id <> ALL($3::text[])
RETURNING id, task_id`;

/**
 * Creates a runtime schedule; returns nothing when the id is taken.
 * Params: now, id, task id, kind, spec, payload, first fire time.
 */
export const INSERT_SCHEDULE_SQL = `
INSERT INTO runlane_schedules
  (id, task_id, kind, spec, payload, origin, enabled, paused, next_fire_at, created_at, updated_at)
VALUES ($2, $3, $4, $5::jsonb, $6::jsonb, 'api', true, false, $7::timestamptz, ${NOW}, ${NOW})
ON CONFLICT (id) DO NOTHING
RETURNING *`;

/** Params: now, id. Locks the row for a read-modify-write of the schedules API. */
export const LOCK_SCHEDULE_SQL = `
SELECT s.*, ${NOW} AS now FROM runlane_schedules s WHERE s.id = $2 FOR UPDATE`;

/**
 * Replaces a schedule's timing and payload.
 * Params: now, id, kind, spec, payload, next fire time.
 */
export const UPDATE_SCHEDULE_SQL = `
UPDATE runlane_schedules SET kind = $3, spec = $4::jsonb, payload = $5::jsonb,
  next_fire_at = $6::timestamptz, updated_at = ${NOW}
WHERE id = $2
RETURNING *`;

/** Params: now, id, paused, next fire time. */
export const SET_PAUSED_SQL = `
UPDATE runlane_schedules SET paused = $3::boolean, next_fire_at = $4::timestamptz, updated_at = ${NOW}
WHERE id = $2
RETURNING *`;

/** Params: id. The schedule's runs are kept. */
export const DELETE_SCHEDULE_SQL = `DELETE FROM runlane_schedules WHERE id = $1`;

/** Params: id. */
export const GET_SCHEDULE_SQL = `SELECT * FROM runlane_schedules WHERE id = $1`;

/** Params: task id or NULL for all. */
export const LIST_SCHEDULES_SQL = `
SELECT * FROM runlane_schedules WHERE $1::text IS NULL OR task_id = $1 ORDER BY id`;
