import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { TaskOptions } from './core/task.types.js';
import { RUNLANE_TASK_METADATA } from './runlane.constants.js';

@Injectable()
export class RunlaneMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getTaskOptions(target: Function): TaskOptions | undefined {
    return this.reflector.get<TaskOptions | undefined>(RUNLANE_TASK_METADATA, target);
  }
}
