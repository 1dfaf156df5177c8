/** The logging surface Runlane writes to; Nest's `Logger` satisfies it. */
export interface RunlaneLogger {
  debug(message: string, ...meta: unknown[]): void;
  log(message: string, ...meta: unknown[]): void;
  warn(message: string, ...meta: unknown[]): void;
  error(message: string, ...meta: unknown[]): void;
}

export const silentLogger: RunlaneLogger = {
  debug: () => undefined,
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
