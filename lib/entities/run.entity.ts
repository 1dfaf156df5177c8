import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A durable run (`runlane_runs`). Written by Runlane's own SQL; read it through `RunlaneService`. */
@Entity('runlane_runs')
@Index('runlane_runs_claim_idx', ['queue', 'priority', 'availableAt', 'id'], {
  where: `status IN ('queued', 'retrying', 'released')`,
})
@Index('runlane_runs_running_idx', ['queue', 'leaseExpiresAt'], { where: `status = 'running'` })
@Index('runlane_runs_wakeup_idx', ['availableAt'], { where: 'wakeup_due' })
@Index('runlane_runs_idempotency_idx', ['taskId', 'idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
// The migration makes this a BRIN index (created_at follows insertion order), nearly free
// to maintain on every insert; `synchronize` creates a plain b-tree of the same name.
@Index('runlane_runs_created_idx', ['createdAt'])
export class RunlaneRunEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'task_id', type: 'text' })
  taskId!: string;

  @Column({ type: 'text' })
  queue!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'integer', default: 0 })
  priority!: number;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  error!: unknown;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  @Column({ type: 'integer', default: 0 })
  releases!: number;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts!: number;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Column({ type: 'jsonb' })
  source!: unknown;

  @Column({ name: 'last_release', type: 'jsonb', nullable: true })
  lastRelease!: unknown;

  @Column({ name: 'available_at', type: 'timestamptz' })
  availableAt!: Date;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'worker_id', type: 'text', nullable: true })
  workerId!: string | null;

  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;

  @Column({ name: 'wakeup_due', type: 'boolean', default: false })
  wakeupDue!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
