import {
  Inject,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { exponentialBackoff } from './core/backoff.js';
import { StorageUnavailableError } from './core/errors.js';
import { RunlaneEngine } from './core/runlane-engine.js';
import type { WorkerHandle } from './core/worker.js';
import type { RunlaneModuleOptions } from './interfaces/runlane-module-options.interface.js';
import { RunlaneMetadataAccessor } from './runlane-metadata.accessor.js';
import { RUNLANE_DATA_SOURCE } from './runlane.constants.js';
import { RunlaneExplorer } from './runlane.explorer.js';
import { RunlaneConfigurableModule, RUNLANE_MODULE_OPTIONS } from './runlane.module-definition.js';
import { RunlaneService } from './runlane.service.js';
import { RunlaneTicker } from './runlane.ticker.js';
import { resolveTransport } from './transports/data-source-transport.util.js';
import { dataSourceDatabase } from './typeorm-database.js';

/**
 * Durable background, scheduled and polling jobs on PostgreSQL.
 *
 * @example
 * RunlaneModule.forRoot({ worker: { enabled: true, concurrency: 10 } })
 */
@Module({
  imports: [DiscoveryModule],
  providers: [RunlaneService, RunlaneExplorer, RunlaneMetadataAccessor],
  exports: [RunlaneService],
})
export class RunlaneModule
  extends RunlaneConfigurableModule
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('Runlane');
  private engine: RunlaneEngine | undefined;
  private worker: WorkerHandle | undefined;
  private ticker: RunlaneTicker | undefined;

  constructor(
    @Inject(RUNLANE_MODULE_OPTIONS) private readonly options: RunlaneModuleOptions,
    @Inject(RUNLANE_DATA_SOURCE) private readonly dataSourceName: string | undefined,
    private readonly explorer: RunlaneExplorer,
    private readonly service: RunlaneService,
    private readonly moduleRef: ModuleRef,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    const tasks = this.explorer.explore();
    const dataSource = this.moduleRef.get<DataSource>(getDataSourceToken(this.dataSourceName), {
      strict: false,
    });
    const logger = this.options.logger ?? this.logger;
    this.engine = new RunlaneEngine({
      database: dataSourceDatabase(dataSource),
      tasks,
      clock: this.options.clock,
      logger,
      payloadSizeLimit: this.options.payloadSizeLimit,
      leaseDuration: this.options.leaseDuration,
      heartbeatInterval: this.options.heartbeatInterval,
      transport: resolveTransport(this.options.transport, dataSource, logger),
      dispatch: this.options.dispatch,
      outbox: this.options.outbox,
    });
    const engine = this.engine;
    const schedules = await this.whileStorageReturns('boot', async () => {
      await engine.assertTables();
      await engine.configureQueues(this.options.queues);
      return engine.reconcileSchedules();
    });
    this.service.attach(this.engine);
    this.logger.log(
      `Registered ${tasks.length} task(s): ${tasks.map((task) => task.id).join(', ') || 'none'}`,
    );
    if (schedules.created.length + schedules.updated.length > 0) {
      this.logger.log(
        `Schedules: ${schedules.created.length} created, ${schedules.updated.length} updated`,
      );
    }
  }

  /**
   * Boot steps that read or write storage are retried with backoff while PostgreSQL is
   * unreachable (a process started during a database restart), for about a minute — as
   * TypeOrmModule retries its first connection. Any other error fails boot at once.
   */
  private async whileStorageReturns<T>(step: string, work: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof StorageUnavailableError) || failures >= 12) throw error;
        const delay = exponentialBackoff(failures, 250, 10_000);
        this.logger.warn(
          `PostgreSQL unreachable during ${step}; retrying in ${delay}ms: ${error.message}`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const { enabled, ...workerOptions } = this.options.worker ?? { enabled: false };
    if (enabled && this.engine) {
      this.worker = await this.engine.worker(workerOptions);
      this.logger.log(`Worker ${this.worker.workerId} started`);
    }
    if (this.options.tick && this.engine) {
      this.ticker = await RunlaneTicker.start(
        this.engine,
        this.options.tick.interval,
        this.moduleRef,
        this.logger,
      );
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.ticker?.stop();
    await this.worker?.stop();
    await this.engine?.close();
  }
}
