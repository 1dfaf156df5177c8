import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RunlaneModule } from '../lib/index.js';
import { databaseOptions, transportOption } from './database.js';
import { ScheduleModule } from '@nestjs/schedule';
import { MailerService } from './mailer.service.js';
import { ReportProviderService } from './report-provider.service.js';
import { RunsController } from './runs.controller.js';
import { DigestTasks } from './tasks/digest.tasks.js';
import { EmailTasks } from './tasks/email.tasks.js';
import { ReportTasks } from './tasks/report.tasks.js';

/** The tasks and their dependencies, shared by the API process and the worker-only process. */
@Module({ providers: [MailerService, ReportProviderService, EmailTasks, ReportTasks, DigestTasks] })
export class TasksModule {}

/** API process: HTTP endpoints that trigger runs, plus an in-process worker unless RUNLANE_WORKER=off. */
@Module({
  imports: [
    TypeOrmModule.forRoot(databaseOptions()),
    ScheduleModule.forRoot(),
    RunlaneModule.forRoot({
      transport: transportOption(),
      worker: {
        enabled: process.env.RUNLANE_WORKER !== 'off',
        concurrency: 5,
        pollInterval: '200ms',
      },
      tick: { interval: '1s' },
      queues: { reports: { concurrency: 2 } },
    }),
    TasksModule,
  ],
  controllers: [RunsController],
})
export class AppModule {}
