import type { RunlaneClock } from './clock.js';
import type { RunlaneDatabase } from './database.js';
import { specFromRow, specJson, type ScheduleSpec } from './schedule-spec.js';
import {
  ADVANCE_SCHEDULES_SQL,
  CLAIM_DUE_SCHEDULES_SQL,
  DELETE_SCHEDULE_SQL,
  DISABLE_UNDECLARED_SCHEDULES_SQL,
  GET_SCHEDULE_SQL,
  INSERT_SCHEDULE_SQL,
  LIST_SCHEDULES_SQL,
  LOCK_SCHEDULE_SQL,
  LOCK_SCHEDULES_SQL,
  NOW_SQL,
  SET_PAUSED_SQL,
  UPDATE_SCHEDULE_SQL,
  UPSERT_DECLARED_SCHEDULES_SQL,
} from './schedule-store.sql.js';
import type { RunlaneSchedule, ScheduleKind } from './schedule.types.js';

/** A schedule row as the engine works with it: the public snapshot plus its parsed spec. */
export interface StoredSchedule extends RunlaneSchedule {
  spec: ScheduleSpec;
}

/** A schedule to write: its spec, payload (JSON text) and first fire time. */
export interface ScheduleWrite {
  id: string;
  taskId: string;
  spec: ScheduleSpec;
  payloadJson: string;
  firstFireAt: Date | null;
}

/** One materialized occurrence, as the advance statement records it. */
export interface ScheduleAdvance {
  id: string;
  fireTime: Date;
  next: Date | null;
  coalesced: number;
  idempotencyKey: string;
}

/** Every read and write of schedule state. */
export class ScheduleStore {
  constructor(
    private readonly db: RunlaneDatabase,
    private readonly clock: RunlaneClock,
  ) {}

  private now(): Date | null {
    return this.clock.now() ?? null;
  }

  /** The current time by the engine's clock (the database's unless a clock is given). */
  async currentTime(db: RunlaneDatabase = this.db): Promise<Date> {
    const [row] = await db.query<{ now: Date | string }>(NOW_SQL, [this.now()]);
    return new Date(row.now);
  }

  /** Locks due schedules of `taskIds`; each comes with the time it was found due at. */
  async claimDue(
    db: RunlaneDatabase,
    taskIds: string[],
    limit: number,
  ): Promise<{ schedule: StoredSchedule; now: Date }[]> {
    const rows = await db.query(CLAIM_DUE_SCHEDULES_SQL, [this.now(), taskIds, limit]);
    return rows.map((row) => ({ schedule: toStoredSchedule(row), now: new Date(row.now) }));
  }

  async advance(db: RunlaneDatabase, advances: ScheduleAdvance[]): Promise<void> {
    if (advances.length === 0) return;
    await db.query(ADVANCE_SCHEDULES_SQL, [
      this.now(),
      advances.map((advance) => advance.id),
      advances.map((advance) => advance.fireTime),
      advances.map((advance) => advance.next),
      advances.map((advance) => advance.coalesced),
      advances.map((advance) => advance.idempotencyKey),
    ]);
  }

  /** The origins of the stored rows among `ids`, locked until the transaction ends. */
  async lockOrigins(db: RunlaneDatabase, ids: string[]): Promise<Map<string, string>> {
    const rows = await db.query<{ id: string; origin: string }>(LOCK_SCHEDULES_SQL, [ids]);
    return new Map(rows.map((row) => [row.id, row.origin]));
  }

  /** Upserts declared schedules; returns the ids written, each with whether it was new. */
  async upsertDeclared(
    db: RunlaneDatabase,
    writes: ScheduleWrite[],
  ): Promise<{ id: string; created: boolean }[]> {
    if (writes.length === 0) return [];
    return db.query(UPSERT_DECLARED_SCHEDULES_SQL, [
      this.now(),
      writes.map((write) => write.id),
      writes.map((write) => write.taskId),
      writes.map((write) => write.spec.kind),
      writes.map((write) => JSON.stringify(specJson(write.spec))),
      writes.map((write) => write.payloadJson),
      writes.map((write) => write.firstFireAt),
    ]);
  }

  async disableUndeclared(
    db: RunlaneDatabase,
    taskIds: string[],
    declaredIds: string[],
  ): Promise<{ id: string; task_id: string }[]> {
    return db.query(DISABLE_UNDECLARED_SCHEDULES_SQL, [this.now(), taskIds, declaredIds]);
  }

  /** Inserts a runtime schedule; `null` when the id is taken. */
  async insert(write: ScheduleWrite): Promise<StoredSchedule | null> {
    const [row] = await this.db.query(INSERT_SCHEDULE_SQL, [
      this.now(),
      write.id,
      write.taskId,
      write.spec.kind,
      JSON.stringify(specJson(write.spec)),
      write.payloadJson,
      write.firstFireAt,
    ]);
    return row ? toStoredSchedule(row) : null;
  }

  /** Locks one schedule for a read-modify-write; `null` when it does not exist. */
  async lock(
    db: RunlaneDatabase,
    id: string,
  ): Promise<{ schedule: StoredSchedule; now: Date } | null> {
    const [row] = await db.query(LOCK_SCHEDULE_SQL, [this.now(), id]);
    return row ? { schedule: toStoredSchedule(row), now: new Date(row.now) } : null;
  }

  async update(
    db: RunlaneDatabase,
    write: Omit<ScheduleWrite, 'taskId'> & { nextFireAt: Date | null },
  ): Promise<StoredSchedule> {
    const [row] = await db.query(UPDATE_SCHEDULE_SQL, [
      this.now(),
      write.id,
      write.spec.kind,
      JSON.stringify(specJson(write.spec)),
      write.payloadJson,
      write.nextFireAt,
    ]);
    return toStoredSchedule(row);
  }

  async setPaused(
    db: RunlaneDatabase,
    id: string,
    paused: boolean,
    nextFireAt: Date | null,
  ): Promise<StoredSchedule> {
    const [row] = await db.query(SET_PAUSED_SQL, [this.now(), id, paused, nextFireAt]);
    return toStoredSchedule(row);
  }

  async delete(db: RunlaneDatabase, id: string): Promise<void> {
    await db.query(DELETE_SCHEDULE_SQL, [id]);
  }

  async get(id: string): Promise<StoredSchedule | null> {
    const [row] = await this.db.query(GET_SCHEDULE_SQL, [id]);
    return row ? toStoredSchedule(row) : null;
  }

  async list(taskId: string | null): Promise<StoredSchedule[]> {
    const rows = await this.db.query(LIST_SCHEDULES_SQL, [taskId]);
    return rows.map(toStoredSchedule);
  }
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}

function toJsonValue(value: unknown): any {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** Maps a `runlane_schedules` row to the engine's view of it. */
export function toStoredSchedule(row: Record<string, any>): StoredSchedule {
  const kind = row.kind as ScheduleKind;
  const spec = specFromRow(kind, toJsonValue(row.spec));
  return {
    id: row.id,
    taskId: row.task_id,
    kind,
    cron: spec.kind === 'cron' ? spec.cron : null,
    timeZone: spec.kind === 'cron' ? spec.timeZone : null,
    every: spec.kind === 'every' ? spec.every : null,
    anchor: spec.kind === 'every' ? new Date(spec.anchor) : null,
    at: spec.kind === 'at' ? new Date(spec.at) : null,
    payload: toJsonValue(row.payload),
    origin: row.origin,
    enabled: row.enabled,
    paused: row.paused,
    nextFireAt: toDate(row.next_fire_at),
    lastFireAt: toDate(row.last_fire_at),
    lastRunId:
      row.last_run_id === null || row.last_run_id === undefined ? null : String(row.last_run_id),
    lastCoalesced: Number(row.last_coalesced),
    coalescedTotal: Number(row.coalesced_total),
    createdAt: toDate(row.created_at)!,
    updatedAt: toDate(row.updated_at)!,
    spec,
  };
}

/** The public snapshot of a stored schedule. */
export function toSchedule(stored: StoredSchedule): RunlaneSchedule {
  const { spec: _spec, ...schedule } = stored;
  return schedule;
}
