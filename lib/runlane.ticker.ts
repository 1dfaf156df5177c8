import type { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { parseDuration, type Duration } from './core/duration.js';
import type { RunlaneEngine } from './core/runlane-engine.js';

export const RUNLANE_TICK_INTERVAL_NAME = 'runlane.tick';

/**
 * Drives `tick()` on an interval registered with @nestjs/schedule's SchedulerRegistry
 * (the application's, when it imports ScheduleModule). A tick never overlaps the previous
 * one, and a failed tick is logged and retried at the next interval.
 */
export class RunlaneTicker {
  private running: Promise<void> | undefined;

  private constructor(
    private readonly engine: RunlaneEngine,
    private readonly logger: Logger,
    private readonly unregister: () => void,
  ) {}

  static async start(
    engine: RunlaneEngine,
    interval: Duration,
    moduleRef: ModuleRef,
    logger: Logger,
  ): Promise<RunlaneTicker> {
    const intervalMs = parseDuration(interval, 'Runlane option "tick.interval"');
    const { SchedulerRegistry } = await import('@nestjs/schedule');
    let registry: InstanceType<typeof SchedulerRegistry>;
    try {
      registry = moduleRef.get(SchedulerRegistry, { strict: false });
    } catch {
      registry = new SchedulerRegistry();
    }
    let ticker: RunlaneTicker | undefined = undefined;
    const handle = setInterval(() => ticker?.tick(), Math.max(1, intervalMs));
    handle.unref?.();
    registry.addInterval(RUNLANE_TICK_INTERVAL_NAME, handle);
    ticker = new RunlaneTicker(engine, logger, () =>
      registry.deleteInterval(RUNLANE_TICK_INTERVAL_NAME),
    );
    return ticker;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.engine
      .tick()
      .then(
        (result) => {
          if (result.leasesRecovered > 0)
            this.logger.warn(`Recovered ${result.leasesRecovered} run(s) whose lease expired`);
        },
        (error) =>
          this.logger.warn(`tick() failed; retrying at the next interval: ${String(error)}`),
      )
      .finally(() => (this.running = undefined));
  }

  stop(): void {
    this.unregister();
  }
}
