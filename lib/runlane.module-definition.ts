import { ConfigurableModuleBuilder } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { runlaneEntities } from './entities/index.js';
import type { RunlaneModuleOptions } from './interfaces/runlane-module-options.interface.js';
import { RUNLANE_DATA_SOURCE } from './runlane.constants.js';

export interface RunlaneModuleExtras {
  /** Registers the module globally. Default `true`. */
  isGlobal?: boolean;
  /** The TypeORM DataSource name, when the app has several. Default: the default DataSource. */
  dataSource?: string;
}

export const {
  ConfigurableModuleClass: RunlaneConfigurableModule,
  MODULE_OPTIONS_TOKEN: RUNLANE_MODULE_OPTIONS,
  OPTIONS_TYPE: RUNLANE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RUNLANE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RunlaneModuleOptions>({ moduleName: 'Runlane' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createRunlaneOptions')
  .setExtras<RunlaneModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    imports: [
      ...(definition.imports ?? []),
      TypeOrmModule.forFeature(runlaneEntities, extras.dataSource),
    ],
    providers: [
      ...(definition.providers ?? []),
      { provide: RUNLANE_DATA_SOURCE, useValue: extras.dataSource },
    ],
  }))
  .build();
