import { Injectable } from '@nestjs/common';
import { IsString } from 'class-validator';
import { defineTask, Schedule, Task, type TaskContext } from '../../lib/index.js';
import { MailerService } from '../mailer.service.js';

export class DigestPayloadDto {
  @IsString()
  userId!: string;
}

export const sendDigest = defineTask({ id: 'digests.send', schema: DigestPayloadDto });

@Injectable()
export class DigestTasks {
  constructor(private readonly mailer: MailerService) {}

  /** Every day at 09:00 in New York: 14:00Z in winter, 13:00Z in summer. */
  @Task(sendDigest)
  @Schedule({
    id: 'digests.daily',
    cron: '0 9 * * *',
    timeZone: 'America/New_York',
    payload: { userId: 'user_123' },
  })
  async send(payload: DigestPayloadDto) {
    return {
      messageId: await this.mailer.send(`${payload.userId}@example.com`, 'Your daily digest'),
    };
  }

  /** A short interval schedule, to watch schedules fire while the sample runs. */
  @Task({ id: 'ops.heartbeat' })
  @Schedule({ id: 'ops.heartbeat.every10s', every: '10s' })
  heartbeat(_payload: unknown, context: TaskContext) {
    context.logger.log(`Scheduled heartbeat: run ${context.runId}`);
    return { at: new Date().toISOString() };
  }
}
