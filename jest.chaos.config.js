/**
 * The chaos suite stops and restarts PostgreSQL (and RabbitMQ), so it runs on its own,
 * after the main suite, one file at a time.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
  maxWorkers: 1,
  testTimeout: 600000,
};
