import { IsString, MinLength } from 'class-validator';
import { defineTask } from '../../lib/index.js';

export class WelcomeEmailDto {
  @IsString()
  @MinLength(3)
  userId!: string;
}

/** A typed reference: `@Task(sendWelcomeEmail)` declares it, `runlane.trigger(sendWelcomeEmail, ...)` triggers it. */
export const sendWelcomeEmail = defineTask({
  id: 'emails.sendWelcome',
  schema: WelcomeEmailDto,
  retry: { maxAttempts: 5, backoff: { type: 'exponential', delay: '2s' } },
  timeout: '30s',
});
