// Compile-time checks, run by `tsc --noEmit` as part of `npm test`: a typed task
// reference makes trigger() check the payload type. Each @ts-expect-error line must fail
// to compile, or the type check fails.
import { z } from 'zod';
import { defineTask, task } from '../lib/core/task.types.js';
import type { RunlaneService } from '../lib/runlane.service.js';

class InvoiceDto {
  invoiceId!: string;
  amount!: number;
}

const syncInvoice = defineTask({ id: 'types.invoice', schema: InvoiceDto });
const zodTask = task({
  id: 'types.zod',
  schema: z.object({ userId: z.string() }),
  run: (payload) => payload.userId.length,
});
const untyped = defineTask<{ reportId: string }>({ id: 'types.generic' });

export async function typedTriggers(runlane: RunlaneService): Promise<void> {
  await runlane.trigger(syncInvoice, { invoiceId: 'inv_1', amount: 10 });
  // @ts-expect-error amount must be a number
  await runlane.trigger(syncInvoice, { invoiceId: 'inv_1', amount: '10' });
  // @ts-expect-error invoiceId is missing
  await runlane.trigger(syncInvoice, { amount: 10 });

  const { run } = await runlane.trigger(zodTask, { userId: 'u1' });
  const result: number | null = run.result;
  void result;
  // @ts-expect-error userId must be a string
  await runlane.trigger(zodTask, { userId: 1 });

  await runlane.trigger(untyped, { reportId: 'r1' });
  // @ts-expect-error reportId is required
  await runlane.trigger(untyped, {});

  await runlane.triggerBatch(zodTask, [{ userId: 'a' }, { userId: 'b' }]);
  // @ts-expect-error every batch payload is checked
  await runlane.triggerBatch(zodTask, [{ userId: 'a' }, { user: 'b' }]);

  // A task id string accepts any payload: it is checked at run time against the registered schema.
  await runlane.trigger('types.zod', { anything: true });
}
