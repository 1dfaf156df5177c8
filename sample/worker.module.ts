import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RunlaneModule } from '../lib/index.js';
import { TasksModule } from './app.module.js';
import { databaseOptions, transportOption } from './database.js';

/** Worker-only process: no HTTP server, just the worker executing the sample's tasks. */
@Module({
  imports: [
    TypeOrmModule.forRoot(databaseOptions()),
    ScheduleModule.forRoot(),
    RunlaneModule.forRoot({
      transport: transportOption(),
      worker: { enabled: true, concurrency: 10 },
      tick: { interval: '1s' },
    }),
    TasksModule,
  ],
})
export class WorkerModule {}
