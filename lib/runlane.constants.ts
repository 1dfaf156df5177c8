export const RUNLANE_TASK_METADATA = 'runlane:task';
export const RUNLANE_DATA_SOURCE = Symbol('RUNLANE_DATA_SOURCE');
export const RUNLANE_SCHEDULE_METADATA = 'runlane:schedules';
