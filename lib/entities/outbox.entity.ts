import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A delivery request (`runlane_outbox`): the durable intent to wake a worker for a run,
 * published by an out-of-band transport. Kept once published, until its run is pruned.
 */
@Entity('runlane_outbox')
@Index('runlane_outbox_pending_idx', ['availableAt'], { where: `status = 'pending'` })
@Index('runlane_outbox_run_idx', ['runId'])
export class RunlaneOutboxEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'run_id', type: 'bigint' })
  runId!: string;

  @Column({ type: 'text' })
  queue!: string;

  /** `pending` (waiting to be published), `published`, or `dead` (publishing gave up; workers poll). */
  @Column({ type: 'text', default: 'pending' })
  status!: 'pending' | 'published' | 'dead';

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'available_at', type: 'timestamptz' })
  availableAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
