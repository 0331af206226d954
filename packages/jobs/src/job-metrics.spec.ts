import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { JobMetrics } from './job-metrics.js';

describe('a job service’s metrics', () => {
  it('names its numbers after the service and its jobs, and counts jobs by status on each scrape where asked', async () => {
    const registry = new Registry();
    const metrics = new JobMetrics(registry, {
      service: 'drafter',
      noun: 'drafter job',
      outcomesHelp: 'Drafter jobs by outcome',
      byStatus: { count: () => Promise.resolve({ queued: 2, running: 1, succeeded: 0, failed: 0, cancelled: 0 }) },
    });
    metrics.finished('succeeded', 12);
    metrics.running.set(1);
    const text = await registry.metrics();
    expect(text).toContain('# HELP distillery_drafter_jobs_total Drafter jobs by outcome');
    expect(text).toContain('distillery_drafter_jobs_total{outcome="succeeded"} 1');
    expect(text).toContain('# HELP distillery_drafter_jobs Drafter jobs in the drafter schema by status (all replicas)');
    expect(text).toContain('distillery_drafter_jobs{status="queued"} 2');
    expect(text).toContain('# HELP distillery_drafter_jobs_running Drafter jobs running on this replica');
    expect(text).toContain('# HELP distillery_drafter_job_seconds Time a drafter job ran on this replica, by outcome');
    expect(text).toContain('distillery_drafter_job_seconds_bucket{le="30",outcome="succeeded"} 1');
  });

  it('shows no jobs by status for a service that does not ask', async () => {
    const registry = new Registry();
    new JobMetrics(registry, { service: 'trainer', noun: 'training job', outcomesHelp: 'Training jobs by outcome' });
    const text = await registry.metrics();
    expect(text).toContain('# HELP distillery_trainer_jobs_running Training jobs running on this replica');
    expect(text).not.toContain('distillery_trainer_jobs{');
    expect(text).not.toContain('# HELP distillery_trainer_jobs ');
  });
});
