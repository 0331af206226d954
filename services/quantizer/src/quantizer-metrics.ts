import { JobMetrics, type JobStatus } from '@distillery/jobs';
import { Gauge, type Registry } from 'prom-client';

/** The quantizer's numbers on /metrics: jobs by status and by outcome, jobs running, time per job, the last FP8 student's clip rate and agreement, its drafter's acceptance. */
export class QuantizerMetrics extends JobMetrics {
  readonly clipRate: Gauge;
  readonly greedyAgreement: Gauge;
  readonly acceptanceLength: Gauge<'drafter'>;

  constructor(registry: Registry, countByStatus?: () => Promise<Record<JobStatus, number>>) {
    super(registry, {
      service: 'quantizer',
      noun: 'quantizer job',
      outcomesHelp: 'Quantizer jobs by outcome on this replica: queued, refused (a checkpoint naming no dataset), duplicate (student or student and drafter already quantized), succeeded, failed, cancelled, released (drain)',
      byStatus: { count: countByStatus },
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

  /** The figures of an FP8 model just announced. */
  announced(metrics: Readonly<Record<string, number>>): void {
    if (metrics.clipRate !== undefined) this.clipRate.set(metrics.clipRate);
    if (metrics.greedyAgreement !== undefined) this.greedyAgreement.set(metrics.greedyAgreement);
    if (metrics.bf16DrafterAcceptanceLength !== undefined) this.acceptanceLength.set({ drafter: 'bf16' }, metrics.bf16DrafterAcceptanceLength);
    if (metrics.fp8DrafterAcceptanceLength !== undefined) this.acceptanceLength.set({ drafter: 'fp8' }, metrics.fp8DrafterAcceptanceLength);
  }
}
