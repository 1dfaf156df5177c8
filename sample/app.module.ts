import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RunlaneModule } from '../lib/index.js';
import { databaseOptions } from './database.js';
import { MailerService } from './mailer.service.js';
import { RunsController } from './runs.controller.js';
import { EmailTasks } from './tasks/email.tasks.js';

/** The tasks and their dependencies, shared by the API process and the worker-only process. */
@Module({ providers: [MailerService, EmailTasks] })
export class TasksModule {}

/** API process: HTTP endpoints that trigger runs, plus an in-process worker unless RUNLANE_WORKER=off. */
@Module({
  imports: [
    TypeOrmModule.forRoot(databaseOptions()),
    RunlaneModule.forRoot({
      worker: { enabled: process.env.RUNLANE_WORKER !== 'off', concurrency: 5, pollInterval: '200ms' },
    }),
    TasksModule,
  ],
  controllers: [RunsController],
})
export class AppModule {}
