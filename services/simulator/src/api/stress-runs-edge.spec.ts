import { startApp } from '@distillery/service-kit';
import { apiFetch, embeddedAppForSuite, errorAnswer, postBody } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { simulatorService } from '../simulator.service-definition.js';

/** What POST/GET /stress-runs answer: 400 naming the field, 404 naming the id. Embedded; the stress agents' address is a closed port, so the one accepted run fails on its first call. */
describe('stress runs API', () => {
  const app = embeddedAppForSuite((env) => startApp([simulatorService], { name: 'simulator-stress-runs-spec', defaultPort: 0, env: { ...env, DISTILLERY_SIMULATOR_STRESS_AGENTS_ADDRESS: '127.0.0.1:1' } }));
  const post = (body: string) => postBody(`${app.url}/simulator/stress-runs`, body);

  it.each([
    ['{"scenarios":0}', 'body.scenarios: expected 1 to 120'],
    ['{"scenarios":121}', 'body.scenarios: expected 1 to 120'],
    ['{"scenarios":1.5}', 'body.scenarios: expected an integer'],
    ['{"turns":11}', 'body.turns: expected 1 to 10'],
    ['{"model":""}', 'body.model: expected 1 to 256 characters'],
    [`{"model":"${'m'.repeat(257)}"}`, 'body.model: longer than 256 characters'],
    ['{"seed":-1}', 'body.seed: expected an integer ≥ 0'],
    ['{"concurrency":17}', 'body.concurrency: expected 1 to 16'],
    ['{"runs":3}', 'body: unknown key "runs"'],
  ])('answers 400 naming the field for %s', async (body, message) => {
    const answer = await errorAnswer(await post(body));
    expect(answer.status).toBe(400);
    expect(answer.message).toBe(`invalid stress run: ${message}`);
  });

  it('answers 404 naming an unknown run id', async () => {
    const unknown = await errorAnswer(await apiFetch(`${app.url}/simulator/stress-runs/stress_nope`));
    expect(unknown).toMatchObject({ status: 404, message: expect.stringMatching(/^no stress run "stress_nope"/) as unknown });
  });

  it('answers 202 with the queued run, lists it newest first, and fails it when the agents cannot be reached', async () => {
    const response = await post('{"model":"student-v3","scenarios":1,"turns":1}');
    expect(response.status).toBe(202);
    const run = (await response.json()) as { runId: string };
    expect(run).toMatchObject({ model: 'student-v3', status: 'queued', scenarios: 1, turns: 1, seed: 9001, played: 0, passed: 0, passRate: null, results: [] });
    const listed = (await (await apiFetch(`${app.url}/simulator/stress-runs`)).json()) as Array<{ runId: string }>;
    expect(listed[0]?.runId).toBe(run.runId);
    let found = { status: 'queued', error: undefined as string | undefined };
    for (let wait = 0; wait < 100 && (found.status === 'queued' || found.status === 'running'); wait++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      found = (await (await apiFetch(`${app.url}/simulator/stress-runs/${run.runId}`)).json()) as typeof found;
    }
    expect(found).toMatchObject({ status: 'failed', passRate: null, error: expect.stringContaining('every scenario failed on an agents call: 14 UNAVAILABLE') as unknown });
  });
});
