import { Injectable } from '@nestjs/common';
import { IsString } from 'class-validator';
import { defineTask, Task, type TaskContext } from '../../lib/index.js';
import { ReportProviderService } from '../report-provider.service.js';

export class ReportPayloadDto {
  @IsString()
  reportId!: string;
}

/** A polling job: waits for a provider's report with release, not retry. */
export const pollReport = defineTask({
  id: 'reports.poll',
  schema: ReportPayloadDto,
  release: { maxReleases: 20, maxWait: '1h' },
});

@Injectable()
export class ReportTasks {
  constructor(private readonly provider: ReportProviderService) {}

  @Task(pollReport)
  async poll(payload: ReportPayloadDto, context: TaskContext) {
    const report = await this.provider.get(payload.reportId);
    if (report.status === 'processing') {
      context.logger.log(
        `Report ${payload.reportId} not ready (check ${context.releases + 1}); checking again in 2s`,
      );
      return context.release('2s', { reason: 'provider_not_ready' });
    }
    context.logger.log(
      `Report ${payload.reportId} ready after ${context.releases} release(s): ${report.url}`,
    );
    return { url: report.url };
  }
}
