import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { RunlaneRunEntity } from './run.entity.js';

/** One entry of a run's history (`runlane_run_events`). */
@Entity('runlane_run_events')
@Index('runlane_run_events_run_idx', ['runId', 'id'])
export class RunlaneRunEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'run_id', type: 'bigint' })
  runId!: string;

  @ManyToOne(() => RunlaneRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: RunlaneRunEntity;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  data!: Record<string, unknown>;
}
