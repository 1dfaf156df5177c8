import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module.js';

/**
 * A worker-only process: no HTTP server. Shutdown hooks make SIGTERM stop claiming,
 * wait for in-flight attempts and hand back what is left.
 */
async function main() {
  const app = await NestFactory.createApplicationContext(WorkerModule);
  app.enableShutdownHooks();
}

void main();
