import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InvalidOptionError } from './core/errors.js';
import { messages } from './core/runlane.messages.js';
import { resolveTask, type RegisteredTask, type TaskDefaults } from './core/task-registry.js';
import type { RunlaneModuleOptions } from './interfaces/runlane-module-options.interface.js';
import { RunlaneMetadataAccessor } from './runlane-metadata.accessor.js';
import { RUNLANE_MODULE_OPTIONS } from './runlane.module-definition.js';

/** Finds `@Task()` methods on providers and resolves them with the functional tasks of `forRoot()`. */
@Injectable()
export class RunlaneExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: RunlaneMetadataAccessor,
    @Inject(RUNLANE_MODULE_OPTIONS) private readonly options: RunlaneModuleOptions,
  ) {}

  explore(): RegisteredTask[] {
    const defaults: TaskDefaults = this.options.defaults ?? {};
    const tasks: RegisteredTask[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || typeof instance !== 'object' || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const options = this.accessor.getTaskOptions(prototype[method]);
        const schedules = this.accessor.getSchedules(prototype[method]);
        const declaredAt = `${metatype.name}.${method}`;
        if (!options) {
          if (schedules.length > 0)
            throw new InvalidOptionError(messages.scheduleWithoutTask(declaredAt));
          continue;
        }
        if (!wrapper.isDependencyTreeStatic()) {
          throw new InvalidOptionError(
            messages.requestScopedTask(String(options.id), metatype.name),
          );
        }
        const withSchedules =
          schedules.length > 0
            ? { ...options, schedule: [...[options.schedule ?? []].flat(), ...schedules] }
            : options;
        tasks.push(
          resolveTask(
            withSchedules,
            (payload, context) => instance[method](payload, context),
            declaredAt,
            defaults,
          ),
        );
      }
    }
    for (const [index, definition] of (this.options.tasks ?? []).entries()) {
      const declaredAt = `RunlaneModule.forRoot({ tasks[${index}] })`;
      if (typeof definition?.run !== 'function') {
        throw new InvalidOptionError(
          messages.invalidTaskOption(
            String(definition?.id),
            'run',
            `must be a function (declared at ${declaredAt}); use task({ id, run }) or @Task() on a provider method`,
          ),
        );
      }
      tasks.push(
        resolveTask(
          definition,
          (payload, context) => definition.run(payload, context),
          declaredAt,
          defaults,
        ),
      );
    }
    return tasks;
  }
}
