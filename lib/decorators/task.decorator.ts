import { SetMetadata } from '@nestjs/common';
import type { TaskOptions } from '../core/task.types.js';
import { RUNLANE_TASK_METADATA } from '../runlane.constants.js';

/**
 * Declares a provider method as a Runlane task: `(payload, context) => result`. Pass the
 * options, or a reference made with `defineTask()` to trigger it with typed payloads.
 *
 * @example
 * @Task(sendWelcomeEmail)
 * async send(payload: WelcomeEmailDto, context: TaskContext) { ... }
 */
export const Task = (options: TaskOptions<any>): MethodDecorator =>
  SetMetadata(RUNLANE_TASK_METADATA, options);
