import type { ScheduleOptions } from '../core/schedule.types.js';
import { RUNLANE_SCHEDULE_METADATA } from '../runlane.constants.js';

/**
 * Adds a schedule to a `@Task()` method: cron (`cron`, `timeZone`), interval (`every`,
 * `anchor`) or one-time (`at`). Several may decorate one method; each needs an id that is
 * unique across the application. The payload is validated against the task's schema at boot.
 *
 * @example
 * @Task(sendDigest)
 * @Schedule({ id: 'digests.daily', cron: '0 9 * * *', timeZone: 'America/New_York', payload: { userId: 'user_123' } })
 * async send(payload: DigestDto) { ... }
 */
export const Schedule =
  (options: ScheduleOptions<any>): MethodDecorator =>
  (_target, _key, descriptor) => {
    // Decorators apply bottom-up; prepending keeps the schedules in source order.
    const declared: ScheduleOptions[] =
      Reflect.getMetadata(RUNLANE_SCHEDULE_METADATA, descriptor.value as object) ?? [];
    Reflect.defineMetadata(
      RUNLANE_SCHEDULE_METADATA,
      [options, ...declared],
      descriptor.value as object,
    );
    return descriptor;
  };
