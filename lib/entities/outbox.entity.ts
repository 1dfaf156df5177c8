import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { RunlaneRunEntity } from './run.entity.js';

/** A delivery request waiting to be published by a transport (`runlane_outbox`). */
@Entity('runlane_outbox')
@Index('runlane_outbox_pending_idx', ['availableAt'], { where: `status = 'pending'` })
@Index('runlane_outbox_run_idx', ['runId'])
export class RunlaneOutboxEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'run_id', type: 'bigint' })
  runId!: string;

  @ManyToOne(() => RunlaneRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: RunlaneRunEntity;

  @Column({ type: 'text' })
  queue!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'available_at', type: 'timestamptz' })
  availableAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
