import { JOB_STATUSES, type JobStatus } from '@distillery/jobs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The drafter's numbers on /metrics: jobs by status and by outcome, jobs running, time per job, the last drafter's acceptance. */
export class DrafterMetrics {
  readonly jobs: Counter<'outcome'>;
  readonly jobsByStatus: Gauge<'status'>;
  readonly running: Gauge;
  readonly jobSeconds: Histogram<'outcome'>;
  readonly acceptanceLength: Gauge<'method'>;

  constructor(registry: Registry, countByStatus?: () => Promise<Record<JobStatus, number>>) {
    this.jobs = new Counter({
      name: 'distillery_drafter_jobs_total',
      help: 'Drafter jobs by outcome on this replica: queued, refused (a checkpoint naming no dataset), duplicate (checkpoint already drafted for), succeeded, failed, cancelled, released (drain)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.jobsByStatus = new Gauge({
      name: 'distillery_drafter_jobs',
      help: 'Drafter jobs in the drafter schema by status (all replicas)',
      labelNames: ['status'],
      registers: [registry],
      collect: countByStatus
        ? async () => {
            const counts = await countByStatus().catch(() => undefined);
            for (const status of JOB_STATUSES) if (counts) this.jobsByStatus.set({ status }, counts[status]);
          }
        : undefined,
    });
    this.running = new Gauge({ name: 'distillery_drafter_jobs_running', help: 'Drafter jobs running on this replica', registers: [registry] });
    this.jobSeconds = new Histogram({
      name: 'distillery_drafter_job_seconds',
      help: 'Time a drafter job ran on this replica, by outcome',
      labelNames: ['outcome'],
      buckets: [10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    });
    this.acceptanceLength = new Gauge({
      name: 'distillery_drafter_last_acceptance_length',
      help: 'Mean accepted length (tokens per verified draft, the target’s own included) of the last drafter announced, measured on held-out prompts, by drafting method',
      labelNames: ['method'],
      registers: [registry],
    });
  }

  finished(outcome: 'succeeded' | 'failed' | 'cancelled' | 'released', seconds: number): void {
    this.jobs.inc({ outcome });
    this.jobSeconds.observe({ outcome }, seconds);
  }
}
