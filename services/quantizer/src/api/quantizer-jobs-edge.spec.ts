import { startApp } from '@distillery/service-kit';
import { apiFetch, embeddedAppForSuite, errorAnswer } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { quantizerService } from '../quantizer.service-definition.js';

/** What the quantizer's API answers to ids and filters it must refuse, and what /health and /metrics say of it. Embedded, no compute job runs. */
describe('quantizer API edge', () => {
  const app = embeddedAppForSuite((env) => startApp([quantizerService], { name: 'quantizer-edge-spec', defaultPort: 0, env: { ...env, DISTILLERY_QUANTIZER_SLOTS: '0' } }));

  it('lists no jobs, and refuses a bad filter naming the field', async () => {
    expect(await (await apiFetch(`${app.url}/quantizer/jobs`)).json()).toEqual([]);
    expect(await (await apiFetch(`${app.url}/quantizer/jobs?status=succeeded&drafterId=eagle_1&limit=5`)).json()).toEqual([]);
    for (const [path, message] of [
      ['/quantizer/jobs?status=paused', /^status: expected one of queued, running, succeeded, failed, cancelled/],
      ['/quantizer/jobs?limit=0', /^limit: expected an integer from 1 to 1000/],
      ['/quantizer/jobs?limit=1.5', /^limit: expected an integer from 1 to 1000/],
      ['/quantizer/jobs?limit=1001', /^limit: expected an integer from 1 to 1000/],
      ['/quantizer/jobs?drafterId=a%00b', /^query\.drafterId: contains a control character/],
    ] as const) {
      const answer = await errorAnswer(await apiFetch(`${app.url}${path}`));
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.message).toMatch(message);
    }
  });

  it('answers an unknown job with a short 404, for a read and a cancel', async () => {
    const unknown = await errorAnswer(await apiFetch(`${app.url}/quantizer/jobs/${'j'.repeat(250)}`));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/^no quantizer job "j{64}"… \(250 characters\)$/);
    const cancel = await errorAnswer(await apiFetch(`${app.url}/quantizer/jobs/job_none/cancel`, { method: 'POST' }));
    expect(cancel).toMatchObject({ status: 404, message: 'no quantizer job "job_none"' });
    expect((await apiFetch(`${app.url}/quantizer/jobs/job_none/cancel`)).status).toBe(404); // GET on the cancel route: no such route
  });

  it('reports its stages implemented and its job gauges', async () => {
    const health = (await (await apiFetch(`${app.url}/health`)).json()) as { details: { stages: { status: string; services: Record<string, { implemented: string[]; notImplemented: string[] }> } } };
    expect(health.details.stages).toEqual({ status: 'up', services: { quantizer: { implemented: ['fp8-calibrate', 'fp8-ptq', 'fp8-evaluate'], notImplemented: [] } } });
    const metrics = await (await apiFetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^distillery_quantizer_jobs\{status="queued"\} 0$/m);
    expect(metrics).toContain('# TYPE distillery_quantizer_last_clip_rate gauge');
    expect(metrics).toContain('# TYPE distillery_quantizer_last_acceptance_length gauge');
  });
});
