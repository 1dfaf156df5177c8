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
    await this.engine.assertTables();
    await this.engine.configureQueues(this.options.queues);
    const schedules = await this.engine.reconcileSchedules();
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
