import { JobMetrics } from '@distillery/jobs';
import type { Registry } from 'prom-client';

/** The trainer's numbers on /metrics: jobs by outcome, jobs running, time per job. */
export class TrainerMetrics extends JobMetrics {
  constructor(registry: Registry) {
    super(registry, {
      service: 'trainer',
      noun: 'training job',
      outcomesHelp: 'Training jobs by outcome: queued, refused (untrainable dataset), duplicate (version already trained), succeeded, failed, cancelled, released (drain)',
    });
  }
}
