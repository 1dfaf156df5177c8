import { Injectable } from '@nestjs/common';
import { Task, type TaskContext } from '../../lib/index.js';
import { MailerService } from '../mailer.service.js';
import { sendWelcomeEmail, WelcomeEmailDto } from './welcome-email.task.js';

@Injectable()
export class EmailTasks {
  constructor(private readonly mailer: MailerService) {}

  @Task(sendWelcomeEmail)
  async sendWelcome(payload: WelcomeEmailDto, context: TaskContext) {
    context.logger.log(
      `Welcome email for ${payload.userId} (run ${context.runId}, attempt ${context.attempt})`,
    );
    const messageId = await this.mailer.send(`${payload.userId}@example.com`, 'Welcome to Runlane');
    return { messageId };
  }
}
