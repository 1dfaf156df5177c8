import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One entry of a run's history (`runlane_run_events`). The key is (run id, event id): one
 * index serves both uniqueness and reading a run's events in order.
 */
@Entity('runlane_run_events')
export class RunlaneRunEventEntity {
  @PrimaryColumn({ name: 'run_id', type: 'bigint' })
  runId!: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  data!: Record<string, unknown>;
}
