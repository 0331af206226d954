import { JobMetrics, type JobStatus } from '@distillery/jobs';
import { Gauge, type Registry } from 'prom-client';

/** The drafter's numbers on /metrics: jobs by status and by outcome, jobs running, time per job, the last drafter's acceptance. */
export class DrafterMetrics extends JobMetrics {
  readonly acceptanceLength: Gauge<'method'>;

  constructor(registry: Registry, countByStatus?: () => Promise<Record<JobStatus, number>>) {
    super(registry, {
      service: 'drafter',
      noun: 'drafter job',
      outcomesHelp: 'Drafter jobs by outcome on this replica: queued, refused (a checkpoint naming no dataset), duplicate (checkpoint already drafted for), succeeded, failed, cancelled, released (drain)',
      byStatus: { count: countByStatus },
    });
    this.acceptanceLength = new Gauge({
      name: 'distillery_drafter_last_acceptance_length',
      help: 'Mean accepted length (tokens per verified draft, the target’s own included) of the last drafter announced, measured on held-out prompts, by drafting method',
      labelNames: ['method'],
      registers: [registry],
    });
  }
}
