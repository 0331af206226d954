import { EmbeddedBus, subscribeEvents } from '@distillery/bus';
import { type TraceRaw, traceRawContract } from '@distillery/contracts';
import { ReferenceModel } from '@distillery/llm';
import { agentsV1 } from '@distillery/proto';
import { type Database, Outbox, OutboxRelay } from '@distillery/storage';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PlanSandbox } from '../plans/plan-sandbox.js';
import type { Toolbox } from '../pipeline/toolbox.js';
import { TurnPipeline } from '../pipeline/turn-pipeline.js';
import { openAgentsMemoryDatabase } from '../agents-memory-database.js';
import { SessionStore } from '../sessions/session-store.js';
import { AgentsGrpcServer } from './agents-grpc.server.js';
import { ConversationService } from './conversation.service.js';
import { RateLimiter } from './rate-limiter.js';
import type { BusinessChange } from '../admin/business-changes.js';
import { InvalidBusinessChangeError } from '../admin/invalid-business-change.error.js';

const toolbox: Toolbox = {
  catalog: { dealershipInfo: { args: z.object({}) } },
  describe: () => [{ name: 'dealershipInfo', description: 'Hours.', argsSchema: {}, returns: '{ok, hours}' }],
  rulesText: async () => 'Open daily 9-18.',
  bind: () => ({ dealershipInfo: async () => ({ ok: true, hours: '9-18' }) }),
};

type Client = InstanceType<ReturnType<typeof agentsV1>['AgentService']>;
const unary = <T>(call: (callback: (error: Error | null, value?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value as T))));
const withKey = (key: string) => {
  const metadata = new Metadata();
  metadata.set('x-api-key', key);
  return metadata;
};

describe('AgentsGrpcServer end to end (grpc-js client, PGlite, embedded bus)', () => {
  let db: Database;
  let server: AgentsGrpcServer;
  let client: Client;
  let relay: OutboxRelay;
  const bus = new EmbeddedBus();
  const sandbox = new PlanSandbox();
  const traces: TraceRaw[] = [];
  let slow = false;

  beforeAll(async () => {
    db = await openAgentsMemoryDatabase();
    await bus.ensureTopics(['traces.raw', 'traces.raw.dlq']);
    relay = new OutboxRelay({ dataSource: db.dataSource, bus, schema: 'agents', pollMs: 20 });
    relay.start();
    await subscribeEvents(bus, traceRawContract, { groupId: 'test', handler: async (event) => void traces.push(event.data) });
    const model = new ReferenceModel({
      understander: () => '{"intents":["dealership_info"],"entities":{},"state":{}}',
      planner: async () => {
        if (slow) await new Promise((resolve) => setTimeout(resolve, 400));
        return 'return { info: dealershipInfo({}) };';
      },
      explainer: (request) => `We are open ${/"hours":"([^"]+)"/.exec(request.messages.at(-1)!.content)?.[1]}.`,
    });
    const store = new SessionStore(db.dataSource, new Outbox('agents'), () => relay.wake());
    const conversations = new ConversationService(store, (onProgress) => new TurnPipeline(model, toolbox, sandbox, undefined, onProgress));
    server = new AgentsGrpcServer(store, conversations, {
      apiKeys: new Map([['key-a', 'tenant-a'], ['key-b', 'tenant-b'], ['key-limited', 'tenant-limited']]),
      rateLimiter: new RateLimiter({ perMinute: 6_000, burst: 100 }, new Map([['tenant-limited', { perMinute: 60, burst: 3 }]])),
      maxMessageChars: 200,
    });
    const port = await server.start('127.0.0.1', 0);
    client = new (agentsV1().AgentService)(`127.0.0.1:${port}`, credentials.createInsecure());
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await server?.stop(100);
    await relay?.stop();
    await sandbox.close();
    await db?.close();
  });

  const createSession = (key = 'key-a') =>
    unary<{ sessionId: string; tenant: string }>((callback) => client.createSession({ customerRef: 'cust-1', locale: 'en-US', source: 'SIMULATION', campaignId: 'camp-1' }, withKey(key), callback));

  it('refuses calls without a known API key', async () => {
    await expect(unary((callback) => client.createSession({ customerRef: 'x' }, new Metadata(), callback))).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(unary((callback) => client.createSession({ customerRef: 'x' }, withKey('nope'), callback))).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('answers a message, records the trace, and emits it on traces.raw keyed by conversation', async () => {
    const session = await createSession();
    expect(session.tenant).toBe('tenant-a');
    const reply = await unary<{ turnId: string; reply: string }>((callback) => client.sendMessage({ sessionId: session.sessionId, text: 'when are you open?' }, withKey('key-a'), callback));
    expect(reply.reply).toBe('We are open 9-18.');
    const trace = await unary<{ calls: Array<{ agent: string }>; toolCalls: Array<{ tool: string }>; planCode: string; halsteadVolume: number }>((callback) =>
      client.getTurnTrace({ sessionId: session.sessionId, turnId: reply.turnId }, withKey('key-a'), callback),
    );
    expect(trace.calls.map((call) => call.agent)).toEqual(['UNDERSTANDER', 'PLANNER', 'EXPLAINER']);
    expect(trace.toolCalls.map((call) => call.tool)).toEqual(['dealershipInfo']);
    expect(trace.halsteadVolume).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const event = traces.find((candidate) => candidate.turnId === reply.turnId);
    expect(event).toMatchObject({ conversationId: session.sessionId, tenant: 'tenant-a', source: 'simulation', campaignId: 'camp-1', reply: 'We are open 9-18.' });
  });

  it('answers a retried message once (client message id)', async () => {
    const session = await createSession();
    const send = () => unary<{ turnId: string }>((callback) => client.sendMessage({ sessionId: session.sessionId, text: 'hours?', clientMessageId: 'm-1' }, withKey('key-a'), callback));
    const [first, second] = [await send(), await send()];
    expect(second.turnId).toBe(first.turnId);
    const full = await unary<{ turns: unknown[] }>((callback) => client.getSession({ sessionId: session.sessionId }, withKey('key-a'), callback));
    expect(full.turns).toHaveLength(1);
  });

  it('keeps tenants apart', async () => {
    const session = await createSession('key-a');
    await expect(unary((callback) => client.getSession({ sessionId: session.sessionId }, withKey('key-b'), callback))).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(unary((callback) => client.sendMessage({ sessionId: session.sessionId, text: 'hi' }, withKey('key-b'), callback))).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('enforces the size and rate limits with a message', async () => {
    const session = await createSession();
    await expect(unary((callback) => client.sendMessage({ sessionId: session.sessionId, text: 'x'.repeat(201) }, withKey('key-a'), callback))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/201 characters, over the 200-character limit/),
    });
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, () => unary((callback) => client.createSession({ customerRef: 'c' }, withKey('key-limited'), callback))));
    expect(attempts.filter((attempt) => attempt.status === 'rejected' && (attempt.reason as { code: number }).code === status.RESOURCE_EXHAUSTED).length).toBe(2);
  });

  it('streams agent progress, then the reply', async () => {
    const session = await createSession();
    const events: Array<{ progress?: { agent: string; status: string }; reply?: { reply: string } }> = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.streamMessage({ sessionId: session.sessionId, text: 'hours?' }, withKey('key-a'));
      stream.on('data', (event) => events.push(event));
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
    expect(events.at(-1)?.reply?.reply).toBe('We are open 9-18.');
    expect(events.filter((event) => event.progress).map((event) => `${event.progress!.agent}:${event.progress!.status}`)).toContain('PLANNER:started');
  });

  it('honours the deadline', async () => {
    const session = await createSession();
    slow = true;
    try {
      await expect(
        unary((callback) => client.sendMessage({ sessionId: session.sessionId, text: 'hours?' }, withKey('key-a'), { deadline: Date.now() + 150 }, callback)),
      ).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    } finally {
      slow = false;
    }
  });
});

describe('the DealershipAdminService (business changes over gRPC)', () => {
  let db: Database;
  let server: AgentsGrpcServer;
  let admin: InstanceType<ReturnType<typeof agentsV1>['DealershipAdminService']>;
  const applied: BusinessChange[] = [];

  beforeAll(async () => {
    db = await openAgentsMemoryDatabase();
    const store = new SessionStore(db.dataSource, new Outbox('agents'), () => undefined);
    const conversations = new ConversationService(store, () => new TurnPipeline(new ReferenceModel({}), toolbox, new PlanSandbox()));
    server = new AgentsGrpcServer(store, conversations, {
      apiKeys: new Map([['admin-key', 'ops'], ['app-key', 'shop']]),
      rateLimiter: new RateLimiter({ perMinute: 6_000, burst: 100 }),
      maxMessageChars: 200,
      adminTenants: new Set(['ops']),
      businessChanges: {
        apply: async (change) => {
          if (change.kind === 'vehicle-status' && change.vin === 'MISSING') throw new InvalidBusinessChangeError('no vehicle with VIN MISSING', 'not-found');
          applied.push(change);
          return { rulesVersion: 2, rules: { a: 1 }, previousRules: { a: 0 }, ...(change.kind === 'vehicle-status' ? { previousVehicleStatus: 'available' } : {}) };
        },
      },
    });
    const port = await server.start('127.0.0.1', 0);
    admin = new (agentsV1().DealershipAdminService)(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    admin?.close();
    await server?.stop(100);
    await db?.close();
  });

  it('applies a change for an admin tenant and answers the rules before and after', async () => {
    const result = await unary<{ rulesVersion: number; rulesJson: string; previousRulesJson: string; previousVehicleStatus: string }>((callback) =>
      admin.applyBusinessChange({ vehicleStatus: { vin: 'VIN1', sold: true }, reason: 'test' }, withKey('admin-key'), callback),
    );
    expect(result).toEqual({ rulesVersion: 2, rulesJson: '{"a":1}', previousRulesJson: '{"a":0}', previousVehicleStatus: 'available' });
    await unary((callback) => admin.applyBusinessChange({ rulesPatch: { mergePatchJson: '{"reservations":{"minDeposit":1000}}' } }, withKey('admin-key'), callback));
    await unary((callback) => admin.applyBusinessChange({ toolAvailability: { tool: 'appraiseTradeIn', available: false } }, withKey('admin-key'), callback));
    expect(applied).toEqual([
      { kind: 'vehicle-status', vin: 'VIN1', sold: true },
      { kind: 'rules-patch', patch: { reservations: { minDeposit: 1000 } } },
      { kind: 'tool-availability', tool: 'appraiseTradeIn', available: false },
    ]);
  });

  it('refuses other tenants, empty or malformed changes, and names what was not found', async () => {
    await expect(unary((callback) => admin.applyBusinessChange({ vehicleStatus: { vin: 'VIN1', sold: true } }, withKey('app-key'), callback))).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(unary((callback) => admin.applyBusinessChange({ reason: 'nothing' }, withKey('admin-key'), callback))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(unary((callback) => admin.applyBusinessChange({ rulesPatch: { mergePatchJson: '[1]' } }, withKey('admin-key'), callback))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(unary((callback) => admin.applyBusinessChange({ vehicleStatus: { vin: 'MISSING', sold: true } }, withKey('admin-key'), callback))).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: 'no vehicle with VIN MISSING',
    });
  });
});
