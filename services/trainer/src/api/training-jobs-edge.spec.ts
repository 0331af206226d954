import { startApp } from '@distillery/service-kit';
import { apiFetch, embeddedAppForSuite, errorAnswer } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { trainerService } from '../trainer.service-definition.js';

/** What the trainer's API answers to ids and filters it must refuse: a 400 naming the field, never a 500, never a long echo. Embedded. */
describe('trainer API edge', () => {
  const app = embeddedAppForSuite((env) => startApp([trainerService], { name: 'trainer-edge-spec', defaultPort: 0, env }));

  it.each(['%00', '%01', '%7F'])('answers 400 naming the field for %s in a path or query field', async (bad) => {
    for (const [method, path, field] of [
      ['GET', `/trainer/jobs/a${bad}b`, 'path.id'],
      ['POST', `/trainer/jobs/${bad}/cancel`, 'path.id'],
      ['GET', `/trainer/jobs?datasetId=ds${bad}x`, 'query.datasetId'],
      ['GET', `/trainer/jobs?status=queued${bad}`, 'query.status'],
      ['GET', `/trainer/jobs?limit=1${bad}`, 'query.limit'],
    ] as const) {
      const { status, message } = await errorAnswer(await apiFetch(`${app.url}${path}`, { method }));
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: contains a control character`));
    }
  });

  it('answers a long id with a short 400, an unknown one with a short 404', async () => {
    for (const length of [8_000, 100_000]) {
      for (const path of [`/trainer/jobs/${'j'.repeat(length)}`, `/trainer/jobs?datasetId=${'d'.repeat(length)}`]) {
        const response = await apiFetch(`${app.url}${path}`);
        expect([400, 431]).toContain(response.status);
        expect((await response.text()).length).toBeLessThan(300);
      }
    }
    const unknown = await errorAnswer(await apiFetch(`${app.url}/trainer/jobs/${'j'.repeat(250)}`));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/^no training job "j{64}"… \(250 characters\)$/);
    const cancel = await errorAnswer(await apiFetch(`${app.url}/trainer/jobs/${'j'.repeat(250)}/cancel`, { method: 'POST' }));
    expect(cancel.status).toBe(404);
    expect(cancel.size).toBeLessThan(300);
  });

  it('answers 415 for a cancel with a body that is not JSON', async () => {
    const plain = await errorAnswer(await apiFetch(`${app.url}/trainer/jobs/job_1/cancel`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'now' }));
    expect(plain).toMatchObject({ status: 415, message: expect.stringContaining('expected a JSON body') as unknown });
  });
});
