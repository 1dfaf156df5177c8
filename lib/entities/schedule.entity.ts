import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A schedule's spec and state (`runlane_schedules`). */
@Entity('runlane_schedules')
@Index('runlane_schedules_due_idx', ['nextFireAt'], { where: 'enabled AND NOT paused' })
export class RunlaneScheduleEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'task_id', type: 'text' })
  taskId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'jsonb' })
  spec!: unknown;

  @Column({ type: 'jsonb', default: () => `'null'` })
  payload!: unknown;

  @Column({ type: 'text', default: 'code' })
  origin!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ name: 'next_fire_at', type: 'timestamptz', nullable: true })
  nextFireAt!: Date | null;

  @Column({ name: 'last_fire_at', type: 'timestamptz', nullable: true })
  lastFireAt!: Date | null;

  @Column({ name: 'last_run_id', type: 'bigint', nullable: true })
  lastRunId!: string | null;

  @Column({ name: 'last_coalesced', type: 'integer', default: 0 })
  lastCoalesced!: number;

  @Column({ name: 'coalesced_total', type: 'integer', default: 0 })
  coalescedTotal!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
