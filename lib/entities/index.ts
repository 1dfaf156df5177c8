import { RunlaneOutboxEntity } from './outbox.entity.js';
import { RunlaneQueueEntity } from './queue.entity.js';
import { RunlaneRunEventEntity } from './run-event.entity.js';
import { RunlaneRunEntity } from './run.entity.js';
import { RunlaneScheduleEntity } from './schedule.entity.js';

/** Runlane's entities, for a DataSource that lists its entities explicitly. */
export const runlaneEntities = [
  RunlaneRunEntity,
  RunlaneRunEventEntity,
  RunlaneOutboxEntity,
  RunlaneScheduleEntity,
  RunlaneQueueEntity,
];

export {
  RunlaneOutboxEntity,
  RunlaneQueueEntity,
  RunlaneRunEntity,
  RunlaneRunEventEntity,
  RunlaneScheduleEntity,
};
