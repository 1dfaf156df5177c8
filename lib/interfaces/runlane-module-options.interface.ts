import type { RunlaneClock } from '../core/clock.js';
import type { DispatchPolicy, OutboxOptions } from '../core/delivery.js';
import type { Duration } from '../core/duration.js';
import type { RunlaneLogger } from '../core/logger.js';
import type {
  ReleasePolicyOptions,
  RetryPolicyOptions,
  TaskDefinition,
} from '../core/task.types.js';
import type { WorkerOptions } from '../core/worker.js';
import type { QueueOptions } from '../core/runlane-engine.js';
import type { RunlaneTransportOption } from '../transports/data-source-transport.util.js';

/** Options of `RunlaneModule.forRoot()` / `forRootAsync()`. */
export interface RunlaneModuleOptions {
  /** Tasks declared with the functional `task()` form. `@Task()` methods are discovered on their own. */
  tasks?: TaskDefinition[];
  /** Starts a worker on application bootstrap and stops it on shutdown. Default: no worker. */
  worker?: WorkerOptions & { enabled: boolean };
  /**
   * Runs `tick()` every `interval` (recover expired leases, resume waiting runs whose time
   * came), registered as the interval `runlane.tick` with @nestjs/schedule's
   * SchedulerRegistry. Any number of processes may tick at once. Default: no automatic tick.
   */
  tick?: { interval: Duration };
  /** Per-queue settings, e.g. `{ reports: { concurrency: 2 } }` for a global limit across all workers. */
  queues?: Record<string, QueueOptions>;
  /** Defaults applied to every task that does not set its own. */
  defaults?: {
    queue?: string;
    retry?: RetryPolicyOptions;
    release?: ReleasePolicyOptions;
    timeout?: Duration;
  };
  /** Largest serialized payload accepted, in bytes. Default `1048576` (1 MiB). */
  payloadSizeLimit?: number;
  /** How long a claim holds a run before another worker may recover it. Default `'30s'`. */
  leaseDuration?: Duration;
  /** How often leases are extended. Default: a third of `leaseDuration`. */
  heartbeatInterval?: Duration;
  /** Where time comes from. Default: PostgreSQL's clock. Tests pass a `ManualClock`. */
  clock?: RunlaneClock;
  /** Where Runlane logs. Default: Nest's `Logger` with the context `Runlane`. */
  logger?: RunlaneLogger;
  /**
   * How wakeups reach workers: `'postgres'` (LISTEN/NOTIFY on a dedicated connection built
   * from the DataSource), `'none'` (workers poll), or a transport instance such as
   * `new AmqpTransport({ url })` or your own `RunlaneTransport`. Runlane closes it on
   * shutdown. Default `'postgres'`; with PGlite (or another custom TypeORM driver), `'none'`.
   */
  transport?: RunlaneTransportOption;
  /**
   * When a new run's wakeup goes out: `'immediate'` (after commit) or `'deferred'` (at the
   * next `tick()`); a trigger may override it. Default `'immediate'`.
   */
  dispatch?: DispatchPolicy;
  /** How pending delivery requests are published and retried by `tick()`. */
  outbox?: OutboxOptions;
}
