import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A conversation, owned by one tenant. `dialogue` is the agents' memory between turns. */
@Entity({ schema: 'agents', name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') tenant!: string;
  @Column('text', { name: 'customer_ref' }) customerRef!: string;
  @Column('text') locale!: string;
  @Column('text') source!: 'production' | 'simulation';
  @Column('text', { name: 'campaign_id', nullable: true }) campaignId!: string | null;
  @Column('jsonb') metadata!: Record<string, string>;
  @Column('jsonb') dialogue!: Record<string, unknown>;
  @Column('boolean') ended!: boolean;
  @Column('int', { name: 'turn_count', default: 0 }) turnCount!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
