import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One exchange of a session, with its full trace (the same data as its traces.raw event). */
@Entity({ schema: 'agents', name: 'turns' })
@Index(['sessionId', 'clientMessageId'], { unique: true })
export class TurnEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'session_id' }) sessionId!: string;
  @Column('int', { name: 'turn_index' }) index!: number;
  @Column('text', { name: 'user_message' }) userMessage!: string;
  @Column('text') reply!: string;
  @Column('text', { name: 'client_message_id', nullable: true }) clientMessageId!: string | null;
  /** JSON text: written once, read whole (see AgentsTurnCount1764000004000). */
  @Column('text', { transformer: { to: (value: unknown) => JSON.stringify(value), from: (text: string) => JSON.parse(text) as unknown } })
  trace!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
