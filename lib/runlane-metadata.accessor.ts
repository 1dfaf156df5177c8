import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ScheduleOptions } from './core/schedule.types.js';
import type { TaskOptions } from './core/task.types.js';
import { RUNLANE_SCHEDULE_METADATA, RUNLANE_TASK_METADATA } from './runlane.constants.js';

@Injectable()
export class RunlaneMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getTaskOptions(target: Function): TaskOptions | undefined {
    return this.reflector.get<TaskOptions | undefined>(RUNLANE_TASK_METADATA, target);
  }

  getSchedules(target: Function): ScheduleOptions[] {
    return (
      this.reflector.get<ScheduleOptions[] | undefined>(RUNLANE_SCHEDULE_METADATA, target) ?? []
    );
  }
}
