import { Injectable, Logger } from '@nestjs/common';

/** Stands in for a real email provider. */
@Injectable()
export class MailerService {
  private readonly logger = new Logger(MailerService.name);

  async send(to: string, subject: string): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const messageId = `msg_${Math.random().toString(36).slice(2, 10)}`;
    this.logger.log(`Sent "${subject}" to ${to} (${messageId})`);
    return messageId;
  }
}
