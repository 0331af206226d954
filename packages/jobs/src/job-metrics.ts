import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobQueueMetrics, JobRunOutcome } from './job-queue.js';
import { JOB_STATUSES, type JobStatus } from './job-status.js';

export interface JobMetricsOptions {
  /** Names the metrics: `distillery_<service>_jobs_total`, `_jobs_running`, `_job_seconds` (and `_jobs`). */
  readonly service: string;
  /** What a job is called in the help texts: "training job", "drafter job". */
  readonly noun: string;
  /** The help of `_jobs_total`: the outcomes it counts. */
  readonly outcomesHelp: string;
  /** Shows `distillery_<service>_jobs`, the jobs in the service's schema by status (all replicas), counted on each scrape by `count` where given. */
  readonly byStatus?: { readonly count: (() => Promise<Record<JobStatus, number>>) | undefined };
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A job service's numbers on /metrics: jobs by outcome (and by status), jobs running, time per job; the service adds its own. */
export class JobMetrics implements JobQueueMetrics {
  readonly jobs: Counter<'outcome'>;
  readonly jobsByStatus: Gauge<'status'> | undefined;
  readonly running: Gauge;
  readonly jobSeconds: Histogram<'outcome'>;

  constructor(registry: Registry, options: JobMetricsOptions) {
    const { service, noun, byStatus } = options;
    this.jobs = new Counter({ name: `distillery_${service}_jobs_total`, help: options.outcomesHelp, labelNames: ['outcome'], registers: [registry] });
    const countByStatus = byStatus?.count;
    this.jobsByStatus = byStatus
      ? new Gauge({
          name: `distillery_${service}_jobs`,
          help: `${capitalized(noun)}s in the ${service} schema by status (all replicas)`,
          labelNames: ['status'],
          registers: [registry],
          collect: countByStatus
            ? async () => {
                const counts = await countByStatus().catch(() => undefined);
                for (const status of JOB_STATUSES) if (counts) this.jobsByStatus?.set({ status }, counts[status]);
              }
            : undefined,
        })
      : undefined;
    this.running = new Gauge({ name: `distillery_${service}_jobs_running`, help: `${capitalized(noun)}s running on this replica`, registers: [registry] });
    this.jobSeconds = new Histogram({
      name: `distillery_${service}_job_seconds`,
      help: `Time a ${noun} ran on this replica, by outcome`,
      labelNames: ['outcome'],
      buckets: [10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    });
  }

  finished(outcome: JobRunOutcome, seconds: number): void {
    this.jobs.inc({ outcome });
    this.jobSeconds.observe({ outcome }, seconds);
  }
}
