import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { RunlaneService } from '../lib/index.js';
import { sendWelcomeEmail } from './tasks/welcome-email.task.js';

@Controller()
export class RunsController {
  constructor(private readonly runlane: RunlaneService) {}

  /** POST /users/user_123/welcome — triggers a durable run and returns at once. */
  @Post('users/:userId/welcome')
  async welcome(@Param('userId') userId: string) {
    const { run, deduplicated } = await this.runlane.trigger(
      sendWelcomeEmail,
      { userId },
      { idempotencyKey: `welcome:${userId}` },
    );
    return { runId: run.id, status: run.status, deduplicated };
  }

  /** GET /runs/:id — the run and its event history. */
  @Get('runs/:id')
  async run(@Param('id') id: string) {
    return { run: await this.runlane.getRun(id), events: await this.runlane.getRunEvents(id) };
  }

  @Post('echo')
  echo(@Body() body: unknown) {
    return body;
  }
}
