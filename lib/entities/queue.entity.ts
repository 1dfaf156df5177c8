import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A queue's operator settings (`runlane_queues`): paused state and global concurrency. */
@Entity('runlane_queues')
export class RunlaneQueueEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ type: 'integer', nullable: true })
  concurrency!: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
