import { Column, CreateDateColumn, PrimaryColumn } from 'typeorm';
import type { JobStatus } from './job-status.js';

/**
 * The columns every service's job has, the ones the queue and the JobStore read and write: its
 * status, its progress while it runs, its lease (runner and heartbeat) and its times. A service's
 * job entity extends it with what the job is asked to do and what it produces.
 */
export abstract class JobRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') status!: JobStatus;
  /** The stage running now (or the last one that ran). */
  @Column('text', { nullable: true }) stage!: string | null;
  @Column('int', { nullable: true }) step!: number | null;
  @Column('int', { nullable: true }) total!: number | null;
  @Column('double precision', { name: 'loss', nullable: true }) loss!: number | null;
  /** The last progress line of the compute job (ETA, throughput …). */
  @Column('jsonb', { nullable: true }) progress!: Record<string, unknown> | null;
  @Column('text', { nullable: true }) error!: string | null;
  /** The event written with `succeeded`. */
  @Column('text', { name: 'event_id', nullable: true }) eventId!: string | null;
  /** How many times a replica has started it (a resumed job counts again). */
  @Column('int') attempts!: number;
  /** The replica running it (kept after it finishes). */
  @Column('text', { nullable: true }) runner!: string | null;
  @Column('timestamptz', { name: 'heartbeat_at', nullable: true }) heartbeatAt!: Date | null;
  @Column('boolean', { name: 'cancel_requested' }) cancelRequested!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
