import { exponentialBackoff } from './backoff.js';
import { randomUUID } from 'node:crypto';
import { ActiveAttempt } from './active-attempt.js';
import type { AttemptResult, Executor } from './executor.js';
import type { Heartbeat } from './heartbeat.js';
import type { RunlaneLogger } from './logger.js';
import type { Run } from './run.types.js';
import { WorkerStoppedError } from './errors.js';

/** Options of a worker: how many attempts it runs at once and how it finds them. */
export interface WorkerOptions {
  /** Attempts in flight at once. Default `10`. */
  concurrency?: number;
  /** Queues to claim from. Default: the queues of every registered task. */
  queues?: string[];
  /** How often an idle worker looks for due runs when no wakeup arrives. Default `'1s'`. */
  pollInterval?: number | string;
  /** How long a claim holds a run before another worker may recover it. Default `'30s'`. */
  leaseDuration?: number | string;
  /** How long `stop()` waits for in-flight attempts before handing them back. Default `'10s'`. */
  shutdownTimeout?: number | string;
  /** Identifies the worker in run events. Default: host name, pid and a random suffix. */
  workerId?: string;
}

/** A running worker. */
export interface WorkerHandle {
  readonly workerId: string;
  /** Attempts whose task code is running right now (what `concurrency` limits). */
  readonly inFlight: number;
  /** Stops claiming, waits for in-flight attempts up to the shutdown timeout, then hands the rest back. */
  stop(): Promise<void>;
  /** Resolves when the worker has stopped. */
  readonly stopped: Promise<void>;
}

/** The parts of the engine a worker drives. */
export interface WorkerDeps {
  claim(limit: number): Promise<Run[]>;
  executor: Executor;
  heartbeat: Heartbeat;
  /** Periodic maintenance that any worker may do (lease recovery). */
  maintain(): Promise<void>;
  maintenanceIntervalMs: number;
  leaseMs: number;
  logger: RunlaneLogger;
  /** Subscribes to wakeups; the callback nudges the worker to claim now. Returns an unsubscribe. */
  subscribe?(wake: () => void): Promise<() => Promise<void>>;
}

export function defaultWorkerId(): string {
  return `${process.env.HOSTNAME ?? 'worker'}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Keeps up to `concurrency` attempts in flight: claims as many due runs as it has free
 * slots in one statement, sleeps until a wakeup, a finished attempt or the poll interval,
 * and repeats.
 */
export class Worker implements WorkerHandle {
  private readonly attempts = new Map<ActiveAttempt, Promise<void>>();
  /** Attempts whose task code is running: what `concurrency` limits. */
  private executing = 0;
  /** Slots held by delivered wakeups between their claim and their attempt. */
  private reserved = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private running = true;
  private wakeSleep: (() => void) | undefined;
  private nudged = false;
  private lastMaintenance = 0;
  private stopping: Promise<void> | undefined;
  private loopDone!: Promise<void>;
  private unsubscribe: (() => Promise<void>) | undefined;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(
    readonly workerId: string,
    private readonly deps: WorkerDeps,
    private readonly concurrency: number,
    private readonly pollIntervalMs: number,
    private readonly shutdownTimeoutMs: number,
  ) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  get inFlight(): number {
    return this.executing;
  }

  async start(): Promise<void> {
    if (this.deps.subscribe) {
      this.unsubscribe = await this.deps.subscribe(() => this.wake());
    }
    let firstPass!: () => void;
    const lookedOnce = new Promise<void>((resolve) => (firstPass = resolve));
    this.loopDone = this.loop(firstPass).finally(firstPass);
    // The handle is returned once the worker has looked for due runs (and started them) once.
    await lookedOnce;
  }

  /** Claim now instead of waiting for the poll interval. */
  wake(): void {
    this.nudged = true;
    this.wakeSleep?.();
  }

  private async loop(firstPass: () => void): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.maybeMaintain();
        const free = this.concurrency - this.executing - this.reserved;
        let claimed = 0;
        if (free > 0) {
          this.nudged = false;
          const runs = await this.deps.claim(free);
          claimed = runs.length;
          for (const run of runs) this.startAttempt(run);
        }
        firstPass();
        failures = 0;
        if (claimed > 0 && claimed === free) continue;
        if (this.nudged && this.executing < this.concurrency) continue;
        await this.sleep(this.pollIntervalMs);
      } catch (error) {
        firstPass();
        failures += 1;
        const backoff = exponentialBackoff(failures, this.pollIntervalMs, 30_000);
        this.deps.logger.warn(
          `Worker ${this.workerId}: claiming failed, retrying in ${backoff}ms: ${String(error)}`,
        );
        await this.sleep(backoff);
      }
    }
  }

  private async maybeMaintain(): Promise<void> {
    const now = Date.now();
    if (now - this.lastMaintenance < this.deps.maintenanceIntervalMs) return;
    this.lastMaintenance = now;
    try {
      await this.deps.maintain();
    } catch (error) {
      this.deps.logger.warn(`Worker ${this.workerId}: lease recovery failed: ${String(error)}`);
    }
  }

  /**
   * Executes a run named by a delivered wakeup in one of this worker's slots: waits for a
   * free slot, runs `claim` (which claims that run only if it is due and unleased) and
   * executes the attempt. `null` when the claim took nothing.
   */
  async executeDelivered(claim: () => Promise<Run | null>): Promise<AttemptResult | null> {
    while (this.running && this.executing + this.reserved >= this.concurrency) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    if (!this.running) throw new WorkerStoppedError();
    this.reserved += 1;
    let run: Run | null;
    try {
      run = await claim();
    } finally {
      this.reserved -= 1;
    }
    if (!run) {
      this.slotWaiters.shift()?.();
      return null;
    }
    return this.startAttempt(run);
  }

  private startAttempt(run: Run): Promise<AttemptResult> {
    const attempt = new ActiveAttempt(run, this.deps.leaseMs);
    this.deps.heartbeat.track(attempt);
    // The slot frees when the task's code ends: the next claim overlaps the outcome write,
    // which keeps the attempt's lease (and heartbeat) until it is recorded.
    this.executing += 1;
    let slotHeld = true;
    const freeSlot = () => {
      if (!slotHeld) return;
      slotHeld = false;
      this.executing -= 1;
      this.slotWaiters.shift()?.();
      this.wake();
    };
    attempt.onTaskSettled = freeSlot;
    const execution = this.deps.executor.execute(attempt);
    const settled = execution
      .then(
        () => undefined,
        (error) =>
          this.deps.logger.error(
            `Worker ${this.workerId}: run ${run.id} attempt ${run.attempts} could not record its outcome: ${String(error)}`,
          ),
      )
      .finally(() => {
        this.deps.heartbeat.untrack(attempt);
        this.attempts.delete(attempt);
        freeSlot();
      });
    this.attempts.set(attempt, settled);
    return execution;
  }

  private sleep(ms: number): Promise<void> {
    // stop() may have come during a claim, before this sleep could be woken.
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = () => {
        this.wakeSleep = undefined;
        done();
      };
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.running = false;
    this.wakeSleep?.();
    for (const waiter of this.slotWaiters.splice(0)) waiter();
    try {
      await this.unsubscribe?.();
      await this.loopDone;
      if (this.attempts.size > 0) {
        await this.waitForAttempts(this.shutdownTimeoutMs);
      }
      const leftover = [...this.attempts];
      if (leftover.length > 0) {
        this.deps.logger.warn(
          `Worker ${this.workerId}: handing back ${leftover.length} unfinished run(s)`,
        );
        for (const [attempt] of leftover) attempt.abort(new WorkerStoppedError());
        await Promise.all(leftover.map(([, settled]) => settled));
      }
    } finally {
      this.deps.heartbeat.stop();
      this.resolveStopped();
    }
  }

  private async waitForAttempts(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.attempts.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))),
      );
    }
  }
}
