import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates Runlane's tables and the indexes its hot paths rely on. Add it to your
 * DataSource's `migrations` (or use `runlaneMigrations`).
 */
export class RunlaneInit1733400000000 implements MigrationInterface {
  name = 'RunlaneInit1733400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE runlane_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task_id text NOT NULL,
        queue text NOT NULL,
        status text NOT NULL CONSTRAINT runlane_runs_status_check CHECK (status IN
          ('queued', 'running', 'retrying', 'released', 'completed', 'failed', 'cancelled')),
        priority integer NOT NULL DEFAULT 0,
        payload jsonb NOT NULL,
        result jsonb,
        error jsonb,
        attempts integer NOT NULL DEFAULT 0,
        failures integer NOT NULL DEFAULT 0,
        releases integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        idempotency_key text,
        source jsonb NOT NULL,
        last_release jsonb,
        available_at timestamptz NOT NULL,
        lease_expires_at timestamptz,
        worker_id text,
        cancel_requested_at timestamptz,
        wakeup_due boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE INDEX runlane_runs_claim_idx ON runlane_runs (queue, priority DESC, available_at, id)
      WHERE status IN ('queued', 'retrying', 'released')`);
    await queryRunner.query(`
      CREATE INDEX runlane_runs_running_idx ON runlane_runs (queue, lease_expires_at) WHERE status = 'running'`);
    await queryRunner.query(`
      CREATE INDEX runlane_runs_wakeup_idx ON runlane_runs (available_at) WHERE wakeup_due`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX runlane_runs_idempotency_idx ON runlane_runs (task_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL`);
    await queryRunner.query(`
      CREATE INDEX runlane_runs_created_idx ON runlane_runs USING brin (created_at)`);
    await queryRunner.query(`
      CREATE TABLE runlane_run_events (
        run_id bigint NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        type text NOT NULL,
        attempt integer NOT NULL,
        at timestamptz NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        -- One index serves both the key and the hot read (a run's events in order). No
        -- foreign key: events are written in the same statement as their run's change,
        -- and prune() deletes them with their run.
        CONSTRAINT runlane_run_events_pkey PRIMARY KEY (run_id, id)
      )`);
    await queryRunner.query(`
      CREATE TABLE runlane_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id bigint NOT NULL,
        queue text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CONSTRAINT runlane_outbox_status_check CHECK (status IN ('pending', 'published', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        available_at timestamptz NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL,
        published_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE INDEX runlane_outbox_pending_idx ON runlane_outbox (available_at) WHERE status = 'pending'`);
    await queryRunner.query(`
      CREATE INDEX runlane_outbox_run_idx ON runlane_outbox (run_id)`);
    await queryRunner.query(`
      CREATE TABLE runlane_schedules (
        id text PRIMARY KEY,
        task_id text NOT NULL,
        kind text NOT NULL CONSTRAINT runlane_schedules_kind_check CHECK (kind IN ('cron', 'every', 'at')),
        spec jsonb NOT NULL,
        payload jsonb NOT NULL DEFAULT 'null',
        origin text NOT NULL DEFAULT 'code' CONSTRAINT runlane_schedules_origin_check CHECK (origin IN ('code', 'api')),
        enabled boolean NOT NULL DEFAULT true,
        paused boolean NOT NULL DEFAULT false,
        next_fire_at timestamptz,
        last_fire_at timestamptz,
        last_run_id bigint,
        last_coalesced integer NOT NULL DEFAULT 0,
        coalesced_total integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE INDEX runlane_schedules_due_idx ON runlane_schedules (next_fire_at) WHERE enabled AND NOT paused`);
    await queryRunner.query(`
      CREATE TABLE runlane_queues (
        name text PRIMARY KEY,
        paused boolean NOT NULL DEFAULT false,
        concurrency integer,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS runlane_queues`);
    await queryRunner.query(`DROP TABLE IF EXISTS runlane_schedules`);
    await queryRunner.query(`DROP TABLE IF EXISTS runlane_outbox`);
    await queryRunner.query(`DROP TABLE IF EXISTS runlane_run_events`);
    await queryRunner.query(`DROP TABLE IF EXISTS runlane_runs`);
  }
}
