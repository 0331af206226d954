import { startApp } from '@distillery/service-kit';
import { apiFetch, embeddedAppForSuite, errorAnswer } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { drafterService } from '../drafter.service-definition.js';

/** What the drafter's API answers to ids and filters it must refuse, and what /health and /metrics say of it. Embedded, no compute job runs. */
describe('drafter API edge', () => {
  const app = embeddedAppForSuite((env) => startApp([drafterService], { name: 'drafter-edge-spec', defaultPort: 0, env: { ...env, DISTILLERY_DRAFTER_SLOTS: '0' } }));

  it('lists no jobs, and refuses a bad filter naming the field', async () => {
    expect(await (await apiFetch(`${app.url}/drafter/jobs`)).json()).toEqual([]);
    for (const [path, message] of [
      ['/drafter/jobs?status=paused', /^status: expected one of queued, running, succeeded, failed, cancelled/],
      ['/drafter/jobs?limit=0', /^limit: expected an integer from 1 to 1000/],
      ['/drafter/jobs?checkpointId=a%00b', /^query\.checkpointId: contains a control character/],
    ] as const) {
      const answer = await errorAnswer(await apiFetch(`${app.url}${path}`));
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.message).toMatch(message);
    }
  });

  it('answers an unknown job with a short 404, for a read and a cancel', async () => {
    const unknown = await errorAnswer(await apiFetch(`${app.url}/drafter/jobs/${'j'.repeat(250)}`));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/^no drafter job "j{64}"… \(250 characters\)$/);
    expect((await errorAnswer(await apiFetch(`${app.url}/drafter/jobs/job_none/cancel`, { method: 'POST' }))).status).toBe(404);
  });

  it('reports its stages implemented and its job gauges', async () => {
    const health = (await (await apiFetch(`${app.url}/health`)).json()) as { details: { stages: { status: string; services: Record<string, { implemented: string[]; notImplemented: string[] }> } } };
    expect(health.details.stages).toEqual({ status: 'up', services: { drafter: { implemented: ['eagle-data', 'eagle-train', 'eagle-evaluate'], notImplemented: [] } } });
    const metrics = await (await apiFetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^distillery_drafter_jobs\{status="queued"\} 0$/m);
    expect(metrics).toContain('# TYPE distillery_drafter_last_acceptance_length gauge');
  });
});
