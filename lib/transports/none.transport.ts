import type { RunlaneWakeup } from '../core/delivery.js';
import type { RunlaneTransport } from './transport.interface.js';

/**
 * No wakeups: publishing is a no-op and workers find due runs by polling every
 * `pollInterval`. For embedded databases (PGlite) and setups that want nothing but
 * PostgreSQL queries.
 */
export class NoneTransport implements RunlaneTransport {
  readonly name = 'none';
  readonly mode = 'none' as const;

  async publish(_wakeups: readonly RunlaneWakeup[]): Promise<void> {}

  async subscribe(): Promise<() => Promise<void>> {
    return async () => undefined;
  }

  async close(): Promise<void> {}
}
