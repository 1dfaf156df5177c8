import type { RunlaneDatabase } from './database.js';
import {
  DuplicateScheduleError,
  errorText,
  InvalidScheduleError,
  PayloadValidationError,
  ScheduleAlreadyExistsError,
  ScheduleDeclaredInCodeError,
  ScheduleNotFoundError,
} from './errors.js';
import type { RunlaneLogger } from './logger.js';
import { preparePayload } from './payload.js';
import { messages } from './runlane.messages.js';
import {
  firstFireTime,
  fireTimeAfter,
  resolveScheduleSpec,
  type ScheduleSpec,
  type ScheduleTimingInput,
} from './schedule-spec.js';
import { toSchedule, type ScheduleStore, type ScheduleWrite } from './schedule-store.js';
import type {
  CreateScheduleInput,
  RunlaneSchedule,
  UpdateScheduleInput,
} from './schedule.types.js';
import type { RegisteredTask, TaskRegistry } from './task-registry.js';

/** What boot reconciliation did. */
export interface ReconcileResult {
  created: string[];
  updated: string[];
  disabled: string[];
}

const SCHEDULE_OPTIONS = new Set(['id', 'cron', 'timeZone', 'every', 'anchor', 'at', 'payload']);
const SCHEDULE_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * Schedules as code declares them and as the schedules API changes them: validation,
 * boot reconciliation, create / update / delete / pause / resume. Every check happens
 * before anything is stored.
 */
export class ScheduleManager {
  constructor(
    private readonly db: RunlaneDatabase,
    private readonly store: ScheduleStore,
    private readonly registry: TaskRegistry,
    private readonly payloadSizeLimit: number,
    private readonly logger: RunlaneLogger,
  ) {}

  /**
   * Validates every schedule the registered tasks declare, upserts them (a changed timing
   * recomputes the next fire time) and disables the code schedules of these tasks that
   * are no longer declared. Runtime schedules are left alone.
   */
  async reconcile(): Promise<ReconcileResult> {
    const declared = await this.declaredWrites();
    return this.db.transaction(async (db) => {
      const now = await this.store.currentTime(db);
      const origins = await this.store.lockOrigins(
        db,
        declared.map((write) => write.id),
      );
      for (const write of declared) {
        if (origins.get(write.id) === 'api') {
          throw new ScheduleAlreadyExistsError(
            write.id,
            messages.scheduleIdTakenAtRuntime(write.taskId, write.id),
          );
        }
        write.firstFireAt = firstFireTime(write.spec, now);
      }
      const written = await this.store.upsertDeclared(db, declared);
      const disabled = await this.store.disableUndeclared(
        db,
        this.registry.ids(),
        declared.map((write) => write.id),
      );
      for (const row of disabled) this.logger.warn(messages.scheduleDisabled(row.id, row.task_id));
      return {
        created: written.filter((row) => row.created).map((row) => row.id),
        updated: written.filter((row) => !row.created).map((row) => row.id),
        disabled: disabled.map((row) => row.id),
      };
    });
  }

  async create(input: CreateScheduleInput): Promise<RunlaneSchedule> {
    if (typeof input !== 'object' || input === null) {
      throw new InvalidScheduleError(null, String(input), messages.scheduleTimingMissing());
    }
    const { taskId, ...options } = input as CreateScheduleInput & Record<string, unknown>;
    const task = this.registry.get(taskId);
    const write = await this.validate(task, options);
    write.firstFireAt = firstFireTime(write.spec, await this.store.currentTime());
    const stored = await this.store.insert(write);
    if (!stored) {
      const existing = await this.store.get(write.id);
      throw new ScheduleAlreadyExistsError(
        write.id,
        messages.scheduleExists(write.id, existing?.origin ?? 'api'),
      );
    }
    return toSchedule(stored);
  }

  async update(id: string, changes: UpdateScheduleInput): Promise<RunlaneSchedule> {
    return this.db.transaction(async (db) => {
      const { schedule, now } = await this.locked(db, id);
      if (schedule.origin === 'code') throw new ScheduleDeclaredInCodeError(id, 'update');
      const task = this.registry.get(schedule.taskId);
      const changesTiming = ['cron', 'every', 'at', 'timeZone', 'anchor'].some(
        (key) => (changes as Record<string, unknown>)?.[key] !== undefined,
      );
      const timing: ScheduleTimingInput = !changesTiming
        ? storedTiming(schedule.spec)
        : changes.cron === undefined && changes.every === undefined && changes.at === undefined
          ? { ...storedTiming(schedule.spec), ...definedOnly(changes) }
          : definedOnly(changes);
      const payload = changes && 'payload' in changes ? changes.payload : schedule.payload;
      const write = await this.validate(task, { ...timing, id, payload });
      const nextFireAt = sameSpec(write.spec, schedule.spec)
        ? schedule.nextFireAt
        : firstFireTime(write.spec, now);
      return toSchedule(await this.store.update(db, { ...write, nextFireAt }));
    });
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction(async (db) => {
      const { schedule } = await this.locked(db, id);
      if (schedule.origin === 'code') throw new ScheduleDeclaredInCodeError(id, 'delete');
      await this.store.delete(db, id);
    });
  }

  /** Stops a schedule from firing until it is resumed. Works on code and runtime schedules. */
  async pause(id: string): Promise<RunlaneSchedule> {
    return this.db.transaction(async (db) => {
      const { schedule } = await this.locked(db, id);
      if (schedule.paused) return toSchedule(schedule);
      return toSchedule(await this.store.setPaused(db, id, true, schedule.nextFireAt));
    });
  }

  /**
   * Resumes a paused schedule from now on: fire times that passed while it was paused
   * are not made up. A one-time schedule that has not fired yet fires at the next tick.
   */
  async resume(id: string): Promise<RunlaneSchedule> {
    return this.db.transaction(async (db) => {
      const { schedule, now } = await this.locked(db, id);
      if (!schedule.paused) return toSchedule(schedule);
      const next =
        schedule.spec.kind === 'at' ? schedule.nextFireAt : fireTimeAfter(schedule.spec, now);
      return toSchedule(await this.store.setPaused(db, id, false, next));
    });
  }

  async get(id: string): Promise<RunlaneSchedule> {
    const stored = typeof id === 'string' ? await this.store.get(id) : null;
    if (!stored) throw new ScheduleNotFoundError(String(id));
    return toSchedule(stored);
  }

  async list(filter: { taskId?: string } = {}): Promise<RunlaneSchedule[]> {
    return (await this.store.list(filter.taskId ?? null)).map(toSchedule);
  }

  private async locked(db: RunlaneDatabase, id: string) {
    const found = typeof id === 'string' ? await this.store.lock(db, id) : null;
    if (!found) throw new ScheduleNotFoundError(String(id));
    return found;
  }

  /** Validates every declared schedule; ids must be unique across all tasks. */
  private async declaredWrites(): Promise<ScheduleWrite[]> {
    const writes: ScheduleWrite[] = [];
    const seen = new Map<string, string>();
    for (const task of this.registry.all()) {
      for (const options of task.schedules ?? []) {
        const write = await this.validate(task, options as unknown as Record<string, unknown>);
        const where = `task "${task.id}" at ${task.declaredAt}`;
        const first = seen.get(write.id);
        if (first) throw new DuplicateScheduleError(write.id, [first, where]);
        seen.set(write.id, where);
        writes.push(write);
      }
    }
    return writes;
  }

  private async validate(
    task: RegisteredTask,
    options: Record<string, unknown>,
  ): Promise<ScheduleWrite> {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidScheduleError(task.id, String(options), messages.scheduleTimingMissing());
    }
    const id = options.id;
    if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) {
      throw new InvalidScheduleError(task.id, String(id), messages.scheduleInvalidId(id));
    }
    const problem = (detail: string) => new InvalidScheduleError(task.id, id, detail);
    const unknown = Object.keys(options).filter(
      (key) => !SCHEDULE_OPTIONS.has(key) && options[key] !== undefined,
    );
    if (unknown.length > 0) throw problem(messages.scheduleUnknownOptions(unknown));
    const spec = resolveScheduleSpec(options, problem);
    let payloadJson: string;
    try {
      payloadJson = await preparePayload(
        task.id,
        task.schema,
        options.payload ?? null,
        this.payloadSizeLimit,
      );
    } catch (error) {
      const issues = error instanceof PayloadValidationError ? error.issues : [];
      const summary =
        issues.length > 0
          ? issues
              .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
              .join('; ')
          : errorText(error);
      throw new InvalidScheduleError(
        task.id,
        id,
        messages.schedulePayloadInvalid(summary),
        issues,
        { cause: error },
      );
    }
    return { id, taskId: task.id, spec, payloadJson, firstFireAt: null };
  }
}

function storedTiming(spec: ScheduleSpec): ScheduleTimingInput {
  const { kind: _kind, ...timing } = spec;
  return timing;
}

function definedOnly(changes: UpdateScheduleInput): ScheduleTimingInput {
  const timing: Record<string, unknown> = {};
  for (const key of ['cron', 'timeZone', 'every', 'anchor', 'at'] as const) {
    if (changes[key] !== undefined) timing[key] = changes[key];
  }
  return timing;
}

function sameSpec(a: ScheduleSpec, b: ScheduleSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
