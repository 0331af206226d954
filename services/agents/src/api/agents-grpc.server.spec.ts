import { EmbeddedBus, subscribeEvents } from '@distillery/bus';
import { type TraceRaw, traceRawContract } from '@distillery/contracts';
import { type BusinessChange, InvalidBusinessChangeError, PlanSandbox, TurnPipeline } from '@distillery/dealership';
import { type CompletionRequest, ModelCallError, type ModelPort, ReferenceModel } from '@distillery/llm';
import { agentsV1 } from '@distillery/proto';
import { type Database, Outbox, OutboxRelay } from '@distillery/storage';
import { Client as RawClient, credentials, Metadata, status } from '@grpc/grpc-js';
import { ApiKeyring } from '@distillery/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAgentsMemoryDatabase } from '../agents-memory-database.js';
import { SessionStore } from '../sessions/session-store.js';
import { AgentsGrpcServer } from './agents-grpc.server.js';
import { ConversationService } from './conversation.service.js';
import { sessionModel } from './pinned-model.js';
import { HOURS_TOOLBOX } from '../testing/hours-toolbox.js';
import { RateLimiter } from './rate-limiter.js';

const toolbox = HOURS_TOOLBOX;

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
  /** Plans the Planner answers before its usual one (each once), and whether it fails instead. */
  const plannedFirst: string[] = [];
  let plannerFails = false;
  let port = 0;

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
        if (plannerFails) throw new ModelCallError('reference', 'network', 'planner unreachable');
        return plannedFirst.shift() ?? 'return { info: dealershipInfo({}) };';
      },
      explainer: (request) => `We are open ${/"hours":"([^"]+)"/.exec(request.messages.at(-1)!.content)?.[1]}.`,
    });
    const store = new SessionStore(db.dataSource, new Outbox('agents'), () => relay.wake());
    const conversations = new ConversationService(store, (onProgress) => new TurnPipeline(model, toolbox, sandbox, undefined, onProgress));
    server = new AgentsGrpcServer(store, conversations, {
      apiKeys: ApiKeyring.parse('key-a:tenant-a,key-b:tenant-b,key-limited:tenant-limited', 'product'),
      rateLimiter: new RateLimiter({ perMinute: 6_000, burst: 100 }, new Map([['tenant-limited', { perMinute: 60, burst: 3 }]])),
      maxMessageChars: 200,
    });
    port = await server.start('127.0.0.1', 0);
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

  type StreamEvent = { progress?: { agent: string; status: string }; reply?: { reply: string } };
  const stream = (sessionId: string) => {
    const events: StreamEvent[] = [];
    const ended = new Promise<{ events: StreamEvent[]; error?: { code: number } }>((resolve) => {
      const call = client.streamMessage({ sessionId, text: 'hours?' }, withKey('key-a'));
      call.on('data', (event) => events.push(event));
      call.on('error', (error) => resolve({ events, error: error as Error & { code: number } }));
      call.on('end', () => resolve({ events }));
    });
    return ended;
  };
  /** The stream's progress as stages: each one started and, right after, how it ended. */
  const stages = (events: StreamEvent[]) => {
    const progress = events.filter((event) => event.progress).map((event) => event.progress!);
    return Array.from({ length: Math.ceil(progress.length / 2) }, (_, index) => {
      const [start, end] = [progress[2 * index]!, progress[2 * index + 1]];
      return `${start.agent}:${start.status}>${end ? `${end.agent}:${end.status}` : 'never'}`;
    });
  };

  it('streams agent progress, then the reply; every stage it starts ends in it, across replans', async () => {
    const session = await createSession();
    plannedFirst.push('return { info: noSuchTool({}) };'); // the Evaluator sends it back: one replan
    const { events, error } = await stream(session.sessionId);
    expect(error).toBeUndefined();
    expect(events.at(-1)?.reply?.reply).toBe('We are open 9-18.');
    expect(stages(events)).toEqual([
      'UNDERSTANDER:started>UNDERSTANDER:done',
      'PLANNER:started>PLANNER:done',
      'EVALUATOR:started>EVALUATOR:replan',
      'PLANNER:started>PLANNER:done',
      'EVALUATOR:started>EVALUATOR:done',
      'EXECUTOR:started>EXECUTOR:done',
      'EXPLAINER:started>EXPLAINER:done',
    ]);
  });

  it('ends a stage that fails in the stream before the error', async () => {
    const session = await createSession();
    plannerFails = true;
    try {
      const { events, error } = await stream(session.sessionId);
      expect(error).toMatchObject({ code: status.UNAVAILABLE });
      expect(stages(events)).toEqual(['UNDERSTANDER:started>UNDERSTANDER:done', 'PLANNER:started>PLANNER:failed']);
    } finally {
      plannerFails = false;
    }
  });

  it('answers a truncated request frame with INVALID_ARGUMENT and creates nothing', async () => {
    const sessions = async () => ((await db.dataSource.query('SELECT count(*)::int AS n FROM agents.sessions')) as Array<{ n: number }>)[0]!.n;
    const before = await sessions();
    const whole = agentsV1().AgentService.service.CreateSession.requestSerialize({ customerRef: 'customer-12345', locale: 'en-US', source: 'SIMULATION' });
    const raw = new RawClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      for (const cut of [3, 10, whole.length - 1]) {
        const answer = unary((callback) =>
          raw.makeUnaryRequest('/distillery.agents.v1.AgentService/CreateSession', (bytes: Buffer) => bytes, (bytes: Buffer) => bytes, whole.subarray(0, cut), withKey('key-a'), callback),
        );
        await expect(answer, `cut at ${cut}`).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^CreateSession request does not decode/) });
      }
    } finally {
      raw.close();
    }
    expect(await sessions()).toBe(before);
  });

  it('bounds every field and quotes at most a short prefix of what it was sent', async () => {
    const session = await createSession();
    const huge = 's'.repeat(100_000);
    const refused = (call: (callback: (error: Error | null) => void) => void, details: RegExp) =>
      expect(unary(call)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(details) });
    // A 100 KB id is refused by its length, not looked up and quoted back whole (the client saw RESOURCE_EXHAUSTED).
    await refused((callback) => client.getSession({ sessionId: huge }, withKey('key-a'), callback), /^session_id is 100000 characters, over the 128-character limit$/);
    await refused((callback) => client.getTurnTrace({ sessionId: session.sessionId, turnId: huge }, withKey('key-a'), callback), /^turn_id is 100000 characters/);
    await refused((callback) => client.sendMessage({ sessionId: huge, text: 'hi' }, withKey('key-a'), callback), /^session_id is 100000 characters/);
    await refused((callback) => client.sendMessage({ sessionId: session.sessionId, text: 'hi', clientMessageId: huge }, withKey('key-a'), callback), /^client_message_id is 100000 characters/);
    await refused((callback) => client.createSession({ customerRef: huge }, withKey('key-a'), callback), /^customer_ref is 100000 characters, over the 128-character limit$/);
    await refused((callback) => client.createSession({ customerRef: 'c', campaignId: huge }, withKey('key-a'), callback), /^campaign_id is 100000/);
    await refused((callback) => client.createSession({ customerRef: 'c', locale: huge }, withKey('key-a'), callback), /^locale is 100000 characters, over the 35-character limit$/);
    await refused((callback) => client.createSession({ customerRef: 'c', metadata: { [huge]: 'v' } }, withKey('key-a'), callback), /^metadata key "s{64}"… \(100000 characters\) is over the 64-character limit$/);
    await refused((callback) => client.createSession({ customerRef: 'c', metadata: { k: huge } }, withKey('key-a'), callback), /^metadata\["k"\] is 100000 characters, over the 512-character limit$/);
    const entries = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 'v']));
    const many = entries(33);
    await refused((callback) => client.createSession({ customerRef: 'c', metadata: many }, withKey('key-a'), callback), /^metadata has 33 entries, over the limit of 32$/);
    await refused((callback) => client.createSession({ customerRef: 'c', source: 7 as unknown as 'PRODUCTION' }, withKey('key-a'), callback), /^source 7 is not a Source$/);

    // An id within bounds but unknown: NOT_FOUND quotes a bounded prefix.
    const unknown = `sess_${'x'.repeat(120)}`;
    const notFound = await unary((callback) => client.getSession({ sessionId: unknown }, withKey('key-a'), callback)).catch((error: { code: number; details: string }) => error);
    expect(notFound).toMatchObject({ code: status.NOT_FOUND, details: `session ${JSON.stringify(unknown.slice(0, 64))}… (125 characters) not found` });
    // Ids, refs and limits at their bounds pass.
    const atBounds = { customerRef: 'c'.repeat(128), campaignId: 'k'.repeat(128), locale: 'l'.repeat(35), metadata: { ...entries(31), ['m'.repeat(64)]: 'v'.repeat(512) } };
    await expect(unary((callback) => client.createSession(atBounds, withKey('key-a'), callback))).resolves.toMatchObject({ customerRef: atBounds.customerRef, metadata: atBounds.metadata });
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
      apiKeys: ApiKeyring.parse('admin-key:ops,app-key:shop,role-key:audit:admin', 'product'),
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
    // A key whose role is admin may too, whatever its tenant.
    await unary((callback) => admin.applyBusinessChange({ toolAvailability: { tool: 'appraiseTradeIn', available: true } }, withKey('role-key'), callback));
    expect(applied).toEqual([
      { kind: 'vehicle-status', vin: 'VIN1', sold: true },
      { kind: 'rules-patch', patch: { reservations: { minDeposit: 1000 } } },
      { kind: 'tool-availability', tool: 'appraiseTradeIn', available: false },
      { kind: 'tool-availability', tool: 'appraiseTradeIn', available: true },
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

  it('bounds every field and quotes at most a short prefix of a patch that is not JSON', async () => {
    const refused = (change: Parameters<typeof admin.applyBusinessChange>[0], details: RegExp) =>
      expect(unary((callback) => admin.applyBusinessChange(change, withKey('admin-key'), callback))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(details) });
    const huge = 'x'.repeat(100_000);
    await refused({ vehicleStatus: { vin: huge, sold: true } }, /^vehicle_status\.vin is 100000 characters, over the 128-character limit$/);
    await refused({ toolAvailability: { tool: huge, available: true } }, /^tool_availability\.tool is 100000 characters/);
    await refused({ toolAvailability: { tool: 'appraiseTradeIn', available: true }, reason: huge }, /^reason is 100000 characters, over the 512-character limit$/);
    await refused({ rulesPatch: { mergePatchJson: `{"a":"${huge}"}` } }, /^rules_patch\.merge_patch_json is 100008 characters, over the 16384-character limit$/);
    const notJson = `{"a": ${'y'.repeat(10_000)}`;
    const answer = await unary((callback) => admin.applyBusinessChange({ rulesPatch: { mergePatchJson: notJson } }, withKey('admin-key'), callback)).catch((error: { details: string }) => error);
    expect(answer).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^rules_patch\.merge_patch_json is not JSON/) });
    expect((answer as { details: string }).details.length).toBeLessThan(300);
    expect(applied).toHaveLength(4); // the first test's, nothing more
  });
});

describe('a session that pins its serving model (metadata serving_model)', () => {
  let db: Database;
  const sandbox = new PlanSandbox();
  const servers: AgentsGrpcServer[] = [];
  const clients: Client[] = [];
  let serving: Client;
  let reference: Client;
  /** Every model request the turns made, with the session whose turn made it. */
  const requests: Array<{ sessionId: string; request: CompletionRequest }> = [];
  const version = 'student-dealership@ckpt_abc';

  beforeAll(async () => {
    db = await openAgentsMemoryDatabase();
    const policy = new ReferenceModel({
      understander: () => '{"intents":["dealership_info"],"entities":{},"state":{}}',
      planner: () => 'return { info: dealershipInfo({}) };',
      explainer: () => 'We are open 9-18.',
    });
    const store = new SessionStore(db.dataSource, new Outbox('agents'), () => undefined);
    // A stand-in for the serving service: it records each request and answers as the version asked for.
    const conversations = new ConversationService(store, (onProgress, session) => {
      const recording: ModelPort = {
        backend: 'serving',
        model: 'student-dealership',
        complete: async (request) => {
          requests.push({ sessionId: session.id, request });
          return { ...(await policy.complete(request)), backend: 'serving', model: request.model ?? 'student-dealership' };
        },
      };
      return new TurnPipeline(sessionModel(recording, session), toolbox, sandbox, undefined, onProgress);
    });
    for (const backend of ['serving', 'reference']) {
      const server = new AgentsGrpcServer(store, conversations, {
        apiKeys: ApiKeyring.parse('admin-key:ops,app-key:shop,role-key:audit:admin', 'product'),
        rateLimiter: new RateLimiter({ perMinute: 6_000, burst: 100 }),
        maxMessageChars: 200,
        adminTenants: new Set(['ops']),
        backend,
      });
      servers.push(server);
      clients.push(new (agentsV1().AgentService)(`127.0.0.1:${await server.start('127.0.0.1', 0)}`, credentials.createInsecure()));
    }
    [serving, reference] = clients as [Client, Client];
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop(100);
    await sandbox.close();
    await db?.close();
  });

  const create = (client: Client, key: string, metadata: Record<string, string>) =>
    unary<{ sessionId: string; metadata: Record<string, string> }>((callback) => client.createSession({ customerRef: 'gate', source: 'SIMULATION', metadata }, withKey(key), callback));
  const send = (sessionId: string) => unary<{ turnId: string; reply: string }>((callback) => serving.sendMessage({ sessionId, text: 'when are you open?' }, withKey('admin-key'), callback));

  it("sends every model call of a pinned session's turns to its model; the trace names it; other sessions keep the default", async () => {
    const pinned = await create(serving, 'admin-key', { serving_model: version, run: 'gate-1' });
    expect(pinned.metadata).toEqual({ serving_model: version, run: 'gate-1' });
    const unpinned = await create(serving, 'admin-key', { run: 'gate-1' });
    const turn = await send(pinned.sessionId);
    expect(turn.reply).toBe('We are open 9-18.');
    await send(unpinned.sessionId);

    const of = (sessionId: string) => requests.filter((entry) => entry.sessionId === sessionId).map((entry) => entry.request);
    expect(of(pinned.sessionId).map((request) => request.role)).toEqual(['understander', 'planner', 'explainer']);
    expect(of(pinned.sessionId).every((request) => request.model === version)).toBe(true);
    expect(of(unpinned.sessionId)).toHaveLength(3);
    expect(of(unpinned.sessionId).every((request) => request.model === undefined)).toBe(true);
    const trace = await unary<{ calls: Array<{ model: string; backend: string }> }>((callback) =>
      serving.getTurnTrace({ sessionId: pinned.sessionId, turnId: turn.turnId }, withKey('admin-key'), callback),
    );
    expect(trace.calls.map((call) => call.model)).toEqual([version, version, version]);
  });

  it('refuses a pin from a tenant that is not an admin (PERMISSION_DENIED) and on another backend (INVALID_ARGUMENT)', async () => {
    await expect(create(serving, 'app-key', { serving_model: version })).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
      details: 'metadata.serving_model: tenant shop may not pin the serving model (an admin key of DISTILLERY_AGENTS_API_KEYS, or DISTILLERY_AGENTS_ADMIN_TENANTS)',
    });
    await expect(create(reference, 'admin-key', { serving_model: version })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "metadata.serving_model pins a model of the serving service, but this agents service's backend is reference, not serving (DISTILLERY_AGENTS_BACKEND)",
    });
    // Sessions without a pin are as before, on either backend and for any tenant.
    await expect(create(reference, 'app-key', { run: 'x' })).resolves.toMatchObject({ metadata: { run: 'x' } });
  });

  it('refuses a pin that names no model or one over 256 characters', async () => {
    await expect(create(serving, 'admin-key', { serving_model: '' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^metadata\.serving_model is empty/) });
    await expect(create(serving, 'admin-key', { serving_model: 'm'.repeat(257) })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'metadata.serving_model is 257 characters, over the 256-character limit',
    });
    await expect(create(serving, 'admin-key', { serving_model: 'm'.repeat(256) })).resolves.toMatchObject({ metadata: { serving_model: 'm'.repeat(256) } });
  });
});
