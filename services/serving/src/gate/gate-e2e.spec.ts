import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { e2eSummary, SimulatorStressProbe } from './gate-e2e.js';

/** The simulator's stress-run API as a stand-in: each run is `running` for `polls` reads, then ends as `finish` says. */
async function simulator(finish: (model: string) => { status: 'done' | 'failed'; passed?: number; error?: string }, polls = 2): Promise<{ url: string; server: Server; posted: unknown[] }> {
  const posted: unknown[] = [];
  const runs = new Map<string, { model: string; reads: number; scenarios: number }>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const answer = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.headers['x-api-key'] !== 'ops-key') return answer(401, { statusCode: 401, message: 'the API key is not valid' });
      if (request.method === 'POST' && request.url === '/stress-runs') {
        const input = JSON.parse(body) as { model: string; scenarios: number };
        posted.push(input);
        const created = `stress_${runs.size + 1}`;
        runs.set(created, { model: input.model, reads: 0, scenarios: input.scenarios });
        return answer(202, { runId: created, status: 'queued', scenarios: input.scenarios, passed: 0 });
      }
      const runId = decodeURIComponent(request.url!.replace('/stress-runs/', ''));
      const run = runs.get(runId);
      if (!run) return answer(404, { message: `no stress run ${request.url}` });
      run.reads += 1;
      if (run.reads <= polls) return answer(200, { runId, status: 'running', scenarios: run.scenarios, passed: 0 });
      const end = finish(run.model);
      return answer(200, { runId, scenarios: run.scenarios, passed: end.passed ?? 0, status: end.status, ...(end.error ? { error: end.error } : {}) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, posted };
}

describe('the E2E probe through the simulator’s stress-run API (an HTTP stand-in)', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());
  const signal = new AbortController().signal;

  it('asks for a run pinned to the version, polls it to the end and reads the pass count', async () => {
    const sim = await simulator((model) => ({ status: 'done', passed: model.endsWith('ckpt_2') ? 9 : 4 }));
    server = sim.server;
    const probe = new SimulatorStressProbe({ baseUrl: `${sim.url}/`, scenarios: 12, turns: 10, timeoutMs: 10_000, pollMs: 5, apiKey: 'ops-key' });
    expect(await probe.passRate('student@ckpt_2', signal)).toEqual({ passed: 9, scenarios: 12, runId: 'stress_1' });
    expect(sim.posted).toEqual([{ model: 'student@ckpt_2', scenarios: 12, turns: 10 }]);
    expect(e2eSummary({ passed: 9, scenarios: 12, runId: 'r' })).toMatchObject({ agent: 'e2e', metric: 'pass_rate', n: 12, mean: 0.75 });
  });

  it('sends its operator key, and names the answer when the simulator refuses it', async () => {
    const sim = await simulator(() => ({ status: 'done', passed: 1 }));
    server = sim.server;
    await expect(new SimulatorStressProbe({ baseUrl: sim.url, scenarios: 1, turns: 1, timeoutMs: 10_000, pollMs: 5, apiKey: 'guess' }).passRate('v1', signal)).rejects.toThrow(/answered .*\/stress-runs with http 401/);
    expect(sim.posted).toEqual([]);
  });

  it('names the run and its reason when it failed, the timeout when it never ends, and an unreachable simulator', async () => {
    const sim = await simulator(() => ({ status: 'failed', error: 'agents at 127.0.0.1:1 unreachable' }));
    server = sim.server;
    await expect(new SimulatorStressProbe({ baseUrl: sim.url, scenarios: 2, turns: 3, timeoutMs: 10_000, pollMs: 5, apiKey: 'ops-key' }).passRate('v1', signal)).rejects.toThrow(/stress run stress_1 for v1 failed: agents at 127\.0\.0\.1:1 unreachable/);
    const endless = await simulator(() => ({ status: 'done' }), 1_000_000);
    try {
      await expect(new SimulatorStressProbe({ baseUrl: endless.url, scenarios: 2, turns: 3, timeoutMs: 50, pollMs: 20, apiKey: 'ops-key' }).passRate('v1', signal)).rejects.toThrow(/was not done within 0 s/);
    } finally {
      endless.server.close();
    }
    await expect(new SimulatorStressProbe({ baseUrl: 'http://127.0.0.1:1', scenarios: 2, turns: 3, timeoutMs: 1_000, apiKey: 'ops-key' }).passRate('v1', signal)).rejects.toThrow(/the simulator at http:\/\/127\.0\.0\.1:1\/stress-runs did not answer/);
  });
});
