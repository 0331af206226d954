import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsV1, servingV1 } from '@distillery/proto';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from './all-services.js';

/** Keys the JSON APIs read, and others: a fuzzed body mixes them with arbitrary values. */
const KEYS = ['campaignId', 'count', 'seed', 'concurrency', 'policy', 'phrasing', 'maxTurns', 'model', 'scenarios', 'turns', 'all', 'messages', 'prompt', 'max_tokens', 'temperature', 'top_p', 'stream', 'stop', 'n', 'role', 'content', 'environment', 'personas', 'reason'];
const jsonBody = fc.oneof(
  { weight: 3, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
const POSTS = ['/simulator/campaigns', '/simulator/stress-runs', '/curator/datasets', '/v1/chat/completions', '/v1/completions'];
const GETS = ['/simulator/campaigns/%', '/simulator/campaigns/%/conversations', '/simulator/stress-runs/%', '/curator/campaigns/%', '/trainer/jobs/%', '/drafter/jobs/%', '/quantizer/jobs/%', '/v1/models/%', '/serving/gates?model=%', '/trainer/jobs?status=%', '/trainer/jobs?limit=%'];

/** The message of an error answer, a list joined. */
function messageOf(body: unknown): string {
  const error = (body as { error?: { message?: unknown }; message?: unknown }) ?? {};
  const message = error.error?.message ?? error.message;
  return Array.isArray(message) ? message.join('\n') : String(message ?? '');
}

describe('fuzzing every HTTP and gRPC input of the eight services (fast-check, seeded)', () => {
  let app: RunningApp;
  let dataDir: string;
  let agentsPort: number;
  let servingPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-fuzz-'));
    agentsPort = await freePort();
    servingPort = await freePort();
    app = await startApp(ALL_SERVICES, {
      name: 'fuzz',
      defaultPort: 0,
      env: {
        DISTILLERY_DATA_DIR: dataDir,
        DISTILLERY_LOG_LEVEL: 'silent',
        DISTILLERY_AGENTS_GRPC_PORT: String(agentsPort),
        DISTILLERY_SERVING_GRPC_PORT: String(servingPort),
        DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000',
        DISTILLERY_AGENTS_RATE_BURST: '100000',
        // A campaign a fuzzed body happens to start finds no agents and ends at once.
        DISTILLERY_SIMULATOR_AGENTS_ADDRESS: '127.0.0.1:1',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers every fuzzed JSON body with a 2xx or a 4xx, a 400 naming what was wrong, never a 5xx', async () => {
    const http = request(app.app.getHttpServer());
    const tally = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POSTS), jsonBody, async (path, body) => {
        const answer = await http.post(path).set('x-api-key', 'dev-key').set('content-type', 'application/json').send(JSON.stringify(body));
        tally.set(`${path} ${answer.status}`, (tally.get(`${path} ${answer.status}`) ?? 0) + 1);
        // A 400 names what was wrong: a key it sent, the body as a whole, or a field path the schema knows.
        const named = [...(typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : []), 'body', 'JSON', ...KEYS].some((name) => name && messageOf(answer.body).includes(name));
        return answer.status < 500 && (answer.status !== 400 || named);
      }),
      { numRuns: 300, seed: 7 },
    );
    process.stdout.write(`fuzzed POST bodies, answers by route and status: ${[...tally].sort().map(([key, count]) => `${key}×${count}`).join(', ')}\n`);
    expect([...tally.keys()].some((key) => key.endsWith(' 400'))).toBe(true);
  }, 300_000);

  it('answers every fuzzed path parameter and query value with a 2xx or a 4xx, never a 5xx', async () => {
    const http = request(app.app.getHttpServer());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GETS), fc.string({ unit: 'binary', maxLength: 300 }), async (pattern, text) => {
        const answer = await http.get(pattern.replace('%', encodeURIComponent(text))).set('x-api-key', 'dev-key');
        expect(answer.status).toBeLessThan(500);
      }),
      { numRuns: 300, seed: 7 },
    );
  }, 300_000);

  it('answers every fuzzed agents call with OK, INVALID_ARGUMENT naming the field, or NOT_FOUND, never INTERNAL or UNKNOWN', async () => {
    const agents = new (agentsV1().AgentService)(`127.0.0.1:${agentsPort}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('x-api-key', 'dev-key');
    const call = <T>(method: (request: T, metadata: Metadata, callback: (error: ServiceError | null) => void) => void, input: T) =>
      new Promise<ServiceError | null>((resolve) => method.call(agents, input, metadata, (error) => resolve(error)));
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    const allowed = [status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.PERMISSION_DENIED, status.FAILED_PRECONDITION];
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({ customerRef: text, locale: text, source: fc.oneof(fc.constantFrom('PRODUCTION', 'SIMULATION', 'EVAL'), text), metadata: fc.dictionary(text, text, { maxKeys: 3 }) }, { requiredKeys: [] }),
          async (input) => {
            const error = await call(agents.createSession as never, input);
            // An INVALID_ARGUMENT starts with the field it is about.
            return allowed.includes(error?.code ?? status.OK) && (error?.code !== status.INVALID_ARGUMENT || /^[a-z_]+[[. :]/.test(error.details));
          },
        ),
        { numRuns: 200, seed: 7 },
      );
      await fc.assert(
        fc.asyncProperty(fc.record({ sessionId: text, text: fc.string({ maxLength: 500 }) }, { requiredKeys: [] }), async (input) => {
          const error = await call(agents.sendMessage as never, input);
          return allowed.includes(error?.code ?? status.OK);
        }),
        { numRuns: 200, seed: 7 },
      );
    } finally {
      agents.close();
    }
  }, 300_000);

  it('answers every fuzzed serving Generate with a status naming the field, never INTERNAL or UNKNOWN', async () => {
    const serving = new (servingV1().InferenceService)(`127.0.0.1:${servingPort}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer dev-key');
    const text = fc.string({ unit: 'binary', maxLength: 60 });
    const number = fc.oneof(fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }), fc.double({ noNaN: false }).map((value) => Math.fround(value)));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            { model: text, prompt: text, messages: fc.array(fc.record({ role: text, content: text }, { requiredKeys: [] }), { maxLength: 3 }), maxTokens: fc.integer({ min: -5, max: 100_000 }), temperature: number, topP: number, stop: fc.array(text, { maxLength: 6 }), seed: fc.integer() },
            { requiredKeys: [] },
          ),
          async (input) => {
            const error = await new Promise<ServiceError | null>((resolve) => serving.generate(input as never, metadata, { deadline: Date.now() + 10_000 }, (failure: ServiceError | null) => resolve(failure)));
            return [status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.RESOURCE_EXHAUSTED, status.UNAVAILABLE, status.FAILED_PRECONDITION].includes(error?.code ?? status.OK);
          },
        ),
        { numRuns: 200, seed: 7 },
      );
    } finally {
      serving.close();
    }
  }, 300_000);
});
