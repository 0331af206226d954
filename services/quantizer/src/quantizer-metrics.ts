import { JOB_STATUSES, type JobStatus } from '@distillery/jobs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The quantizer's numbers on /metrics: jobs by status and by outcome, jobs running, time per job, the last FP8 student's clip rate and agreement, its drafter's acceptance. */
export class QuantizerMetrics {
  readonly jobs: Counter<'outcome'>;
  readonly jobsByStatus: Gauge<'status'>;
  readonly running: Gauge;
  readonly jobSeconds: Histogram<'outcome'>;
  readonly clipRate: Gauge;
  readonly greedyAgreement: Gauge;
  readonly acceptanceLength: Gauge<'drafter'>;

  constructor(registry: Registry, countByStatus?: () => Promise<Record<JobStatus, number>>) {
    this.jobs = new Counter({
      name: 'distillery_quantizer_jobs_total',
      help: 'Quantizer jobs by outcome on this replica: queued, refused (a checkpoint naming no dataset), duplicate (student or student and drafter already quantized), succeeded, failed, cancelled, released (drain)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.jobsByStatus = new Gauge({
      name: 'distillery_quantizer_jobs',
      help: 'Quantizer jobs in the quantizer schema by status (all replicas)',
      labelNames: ['status'],
      registers: [registry],
      collect: countByStatus
        ? async () => {
            const counts = await countByStatus().catch(() => undefined);
            for (const status of JOB_STATUSES) if (counts) this.jobsByStatus.set({ status }, counts[status]);
          }
        : undefined,
    });
    this.running = new Gauge({ name: 'distillery_quantizer_jobs_running', help: 'Quantizer jobs running on this replica', registers: [registry] });
    this.jobSeconds = new Histogram({
      name: 'distillery_quantizer_job_seconds',
      help: 'Time a quantizer job ran on this replica, by outcome',
      labelNames: ['outcome'],
      buckets: [10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [registry],
    });
    this.clipRate = new Gauge({
      name: 'distillery_quantizer_last_clip_rate',
      help: 'Share of activations the last FP8 student announced clips on held-out sequences with its static scales (the deployed calibration)',
      registers: [registry],
    });
    this.greedyAgreement = new Gauge({
      name: 'distillery_quantizer_last_greedy_agreement',
      help: 'Share of held-out prompts the last FP8 student announced answers exactly as the BF16 student (greedy)',
      registers: [registry],
    });
    this.acceptanceLength = new Gauge({
      name: 'distillery_quantizer_last_acceptance_length',
      help: 'Mean accepted length of the last drafter quantized, drafting for the FP8 student as it was (bf16) and in FP8 (fp8)',
      labelNames: ['drafter'],
      registers: [registry],
    });
  }

  finished(outcome: 'succeeded' | 'failed' | 'cancelled' | 'released', seconds: number): void {
    this.jobs.inc({ outcome });
    this.jobSeconds.observe({ outcome }, seconds);
  }

  /** The figures of an FP8 model just announced. */
  announced(metrics: Readonly<Record<string, number>>): void {
    if (metrics.clipRate !== undefined) this.clipRate.set(metrics.clipRate);
    if (metrics.greedyAgreement !== undefined) this.greedyAgreement.set(metrics.greedyAgreement);
    if (metrics.bf16DrafterAcceptanceLength !== undefined) this.acceptanceLength.set({ drafter: 'bf16' }, metrics.bf16DrafterAcceptanceLength);
    if (metrics.fp8DrafterAcceptanceLength !== undefined) this.acceptanceLength.set({ drafter: 'fp8' }, metrics.fp8DrafterAcceptanceLength);
  }
}
