import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The trainer's numbers on /metrics: jobs by outcome, jobs running, time per job. */
export class TrainerMetrics {
  readonly jobs: Counter<'outcome'>;
  readonly running: Gauge;
  readonly jobSeconds: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.jobs = new Counter({
      name: 'distillery_trainer_jobs_total',
      help: 'Training jobs by outcome: queued, refused (untrainable dataset), duplicate (version already trained), succeeded, failed, cancelled, released (drain)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.running = new Gauge({ name: 'distillery_trainer_jobs_running', help: 'Training jobs running on this replica', registers: [registry] });
    this.jobSeconds = new Histogram({
      name: 'distillery_trainer_job_seconds',
      help: 'Time a training job ran on this replica, by outcome',
      labelNames: ['outcome'],
      buckets: [10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    });
  }

  finished(outcome: 'succeeded' | 'failed' | 'cancelled' | 'released', seconds: number): void {
    this.jobs.inc({ outcome });
    this.jobSeconds.observe({ outcome }, seconds);
  }
}
