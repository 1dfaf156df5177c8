import { Injectable } from '@nestjs/common';

/** A fake third-party report API: a report is `processing` for its first two checks, then `ready`. */
@Injectable()
export class ReportProviderService {
  private readonly checks = new Map<string, number>();

  async get(reportId: string): Promise<{ status: 'processing' | 'ready'; url?: string }> {
    const checks = (this.checks.get(reportId) ?? 0) + 1;
    this.checks.set(reportId, checks);
    return checks <= 2
      ? { status: 'processing' }
      : { status: 'ready', url: `https://reports.example.com/${reportId}.pdf` };
  }
}
