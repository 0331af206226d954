import { textProblem } from '@distillery/contracts';
import { type BusinessChange, PlanSandbox, type Toolbox, TurnPipeline } from '@distillery/dealership';
import { ReferenceModel } from '@distillery/llm';
import { agentsV1 } from '@distillery/proto';
import { type Database, Outbox } from '@distillery/storage';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { ApiKeyring } from '@distillery/service-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentsGrpcServer } from '../api/agents-grpc.server.js';
import { ConversationService } from '../api/conversation.service.js';
import { RateLimiter } from '../api/rate-limiter.js';
import { SessionStore } from '../sessions/session-store.js';

/** The characters the API refuses in any string field, by name (in an order where no two make a surrogate pair). */
export const REFUSED_CHARACTERS: Readonly<Record<string, string>> = {
  NUL: '\u0000',
  'U+0001': '\u0001',
  ESC: '\u001B',
  DEL: '\u007F',
  'a lone low surrogate': '\uDE00',
  'a lone high surrogate': '\uD83D',
};

const toolbox: Toolbox = {
  catalog: { dealershipInfo: { args: z.object({}) } },
  describe: () => [{ name: 'dealershipInfo', description: 'Hours.', argsSchema: {}, returns: '{ok, hours}' }],
  rulesText: async () => 'Open daily 9-18.',
  bind: () => ({ dealershipInfo: async () => ({ ok: true, hours: '9-18' }) }),
};

type Call = (callback: (error: ServiceError | null, value?: unknown) => void) => void;
const unary = (call: Call) => new Promise<unknown>((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));

/** Every string in a row (and in the JSON its text columns hold), keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    if (/^[[{]/.test(value)) {
      try {
        return [value, ...strings(JSON.parse(value))];
      } catch {
        return [value];
      }
    }
    return [value];
  }
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => [key, ...strings(item)]);
  return [];
}

/**
 * Text from outside through the agents' gRPC API into every table that keeps text (sessions, turns,
 * the outbox), on the database `open` gives: what the edge refuses (NUL and the other control
 * characters but tab, LF and CR, DEL, lone surrogates, in every field of every RPC) and that what
 * gets past it anyway — from below the edge, or from a model — is stored with U+FFFD in their place.
 */
export function textStorageSuite(open: () => Promise<Database>): void {
  let db: Database;
  let store: SessionStore;
  let conversations: ConversationService;
  let server: AgentsGrpcServer;
  let agents: InstanceType<ReturnType<typeof agentsV1>['AgentService']>;
  let admin: InstanceType<ReturnType<typeof agentsV1>['DealershipAdminService']>;
  const sandbox = new PlanSandbox();
  const applied: BusinessChange[] = [];
  let replyTail = '';
  const metadata = new Metadata();
  metadata.set('x-api-key', 'key-a');

  beforeAll(async () => {
    db = await open();
    store = new SessionStore(db.dataSource, new Outbox('agents'));
    const model = new ReferenceModel({
      understander: () => '{"intents":["dealership_info"],"entities":{},"state":{}}',
      planner: () => 'return { info: dealershipInfo({}) };',
      explainer: () => `We are open 9-18.${replyTail}`,
    });
    conversations = new ConversationService(store, (onProgress) => new TurnPipeline(model, toolbox, sandbox, undefined, onProgress));
    server = new AgentsGrpcServer(store, conversations, {
      apiKeys: ApiKeyring.parse('key-a:tenant-a', 'product'),
      rateLimiter: new RateLimiter({ perMinute: 600_000, burst: 10_000 }),
      maxMessageChars: 200,
      adminTenants: new Set(['tenant-a']),
      businessChanges: {
        apply: async (change) => {
          applied.push(change);
          return { rulesVersion: 2, rules: {}, previousRules: {} };
        },
      },
    });
    const port = await server.start('127.0.0.1', 0);
    agents = new (agentsV1().AgentService)(`127.0.0.1:${port}`, credentials.createInsecure());
    admin = new (agentsV1().DealershipAdminService)(`127.0.0.1:${port}`, credentials.createInsecure());
  }, 60_000);
  afterAll(async () => {
    agents?.close();
    admin?.close();
    await server?.stop(100);
    await sandbox.close();
    await db?.close();
  });

  const counts = async () =>
    (await db.dataSource.query(
      'SELECT (SELECT count(*) FROM agents.sessions)::int AS sessions, (SELECT count(*) FROM agents.turns)::int AS turns, (SELECT count(*) FROM agents.outbox)::int AS outbox',
    )) as unknown[];
  /** Every row that mentions the session, in every table that keeps its text. */
  const rowsOf = async (sessionId: string) => ({
    sessions: (await db.dataSource.query('SELECT to_jsonb(s) AS row FROM agents.sessions s WHERE id = $1', [sessionId])) as unknown[],
    turns: (await db.dataSource.query('SELECT to_jsonb(t) AS row FROM agents.turns t WHERE session_id = $1', [sessionId])) as unknown[],
    outbox: (await db.dataSource.query('SELECT to_jsonb(o) AS row FROM agents.outbox o WHERE key = $1', [sessionId])) as unknown[],
  });

  it('refuses NUL, the other control characters and lone surrogates in every string field of every RPC, naming the field, and writes nothing', async () => {
    const { sessionId } = (await unary((callback) => agents.createSession({ customerRef: 'cust-1' }, metadata, callback))) as { sessionId: string };
    const before = await counts();
    for (const [name, bad] of Object.entries(REFUSED_CHARACTERS)) {
      const text = `a${bad}b`;
      const escaped = `a\\u${bad.charCodeAt(0).toString(16).padStart(4, '0')}b`; // as a JSON string escape
      const calls: Array<[field: string, call: Call]> = [
        ['customer_ref', (callback) => agents.createSession({ customerRef: text }, metadata, callback)],
        ['locale', (callback) => agents.createSession({ customerRef: 'c', locale: text }, metadata, callback)],
        ['campaign_id', (callback) => agents.createSession({ customerRef: 'c', campaignId: text }, metadata, callback)],
        ['metadata key', (callback) => agents.createSession({ customerRef: 'c', metadata: { [text]: 'v' } }, metadata, callback)],
        ['metadata["k"]', (callback) => agents.createSession({ customerRef: 'c', metadata: { k: text } }, metadata, callback)],
        // Short values: grpc-js writes a string of 40 characters or more with Node's encoder, which turns a lone surrogate into U+FFFD.
        ['session_id', (callback) => agents.sendMessage({ sessionId: text, text: 'hi' }, metadata, callback)],
        ['text', (callback) => agents.sendMessage({ sessionId, text: name === 'NUL' ? '\u0000\u0000' : text }, metadata, callback)],
        ['client_message_id', (callback) => agents.sendMessage({ sessionId, text: 'hi', clientMessageId: text }, metadata, callback)],
        ['session_id', (callback) => agents.getSession({ sessionId: text }, metadata, callback)],
        ['session_id', (callback) => agents.getTurnTrace({ sessionId: text, turnId: 't' }, metadata, callback)],
        ['turn_id', (callback) => agents.getTurnTrace({ sessionId, turnId: text }, metadata, callback)],
        ['vehicle_status.vin', (callback) => admin.applyBusinessChange({ vehicleStatus: { vin: text, sold: true } }, metadata, callback)],
        ['tool_availability.tool', (callback) => admin.applyBusinessChange({ toolAvailability: { tool: text, available: true } }, metadata, callback)],
        ['reason', (callback) => admin.applyBusinessChange({ toolAvailability: { tool: 'appraiseTradeIn', available: true }, reason: text }, metadata, callback)],
        ['rules_patch.merge_patch_json', (callback) => admin.applyBusinessChange({ rulesPatch: { mergePatchJson: `{"a":"${text}"}` } }, metadata, callback)],
        // The same characters as JSON escapes: the raw text is clean, the patch's strings are not.
        ['rules_patch.merge_patch_json holds a string', (callback) => admin.applyBusinessChange({ rulesPatch: { mergePatchJson: `{"a":"${escaped}"}` } }, metadata, callback)],
        ['rules_patch.merge_patch_json holds a key', (callback) => admin.applyBusinessChange({ rulesPatch: { mergePatchJson: `{"${escaped}":1}` } }, metadata, callback)],
      ];
      for (const [field, call] of calls) {
        const answer = await unary(call).then(
          () => 'answered OK',
          (error: ServiceError) => error,
        );
        expect(answer, `${field} with ${name}`).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/contains (a control character|a lone UTF-16 surrogate) \(U\+[0-9A-F]{4}\)/) });
        expect((answer as ServiceError).details.startsWith(field), `${field} with ${name}: ${(answer as ServiceError).details}`).toBe(true);
      }
      // The streamed turn, too.
      const streamed = await new Promise<ServiceError | undefined>((resolve) => {
        const call = agents.streamMessage({ sessionId, text }, metadata);
        call.on('data', () => undefined);
        call.on('error', (error) => resolve(error as ServiceError));
        call.on('end', () => resolve(undefined));
      });
      expect(streamed, `StreamMessage text with ${name}`).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^text contains/) });
    }
    expect(await counts()).toEqual(before);
    expect(applied).toEqual([]);
  });

  it('takes tab, LF, CR and characters beyond the BMP, and gives them back exactly', async () => {
    const text = 'tab\there, line\nand CRLF\r\n: 😀 𝔘 é ｶ \uFFFD';
    const created = (await unary((callback) => agents.createSession({ customerRef: 'cust 😀', campaignId: 'camp-😀', metadata: { 'k\t😀': 'v\r\n𝔘' } }, metadata, callback))) as { sessionId: string };
    const reply = (await unary((callback) => agents.sendMessage({ sessionId: created.sessionId, text, clientMessageId: 'm-😀' }, metadata, callback))) as { turnId: string };
    const session = (await unary((callback) => agents.getSession({ sessionId: created.sessionId }, metadata, callback))) as { customerRef: string; campaignId: string; metadata: unknown; turns: Array<{ userMessage: string }> };
    expect(session).toMatchObject({ customerRef: 'cust 😀', campaignId: 'camp-😀', metadata: { 'k\t😀': 'v\r\n𝔘' }, turns: [{ userMessage: text }] });
    const trace = (await unary((callback) => agents.getTurnTrace({ sessionId: created.sessionId, turnId: reply.turnId }, metadata, callback))) as { userMessage: string };
    expect(trace.userMessage).toBe(text);
  });

  it('stores what gets past the edge (the issue\'s "\\u0000\\u0000", a model\'s output) with U+FFFD in place of each refused character, in every table', async () => {
    const bad = Object.values(REFUSED_CHARACTERS).join('');
    const session = await store.create({ tenant: 'tenant-a', customerRef: `c${bad}`, locale: `en${bad}`, source: 'production', campaignId: `camp${bad}`, metadata: { [`k${bad}`]: `v${bad}` } });
    replyTail = bad;
    try {
      await conversations.send({ tenant: 'tenant-a', sessionId: session.id, text: '\u0000\u0000', clientMessageId: `m${bad}` });
      await conversations.send({ tenant: 'tenant-a', sessionId: session.id, text: `more${bad}` });
    } finally {
      replyTail = '';
    }
    const rows = await rowsOf(session.id);
    expect([rows.sessions.length, rows.turns.length, rows.outbox.length]).toEqual([1, 2, 2]);
    const stored = strings(rows);
    expect(stored.filter((text) => textProblem(text) !== undefined)).toEqual([]);
    // Each one stands in its place: nothing was dropped.
    const fffd = '\uFFFD'.repeat(Object.keys(REFUSED_CHARACTERS).length);
    for (const expected of [`c${fffd}`, `en${fffd}`, `camp${fffd}`, `k${fffd}`, `v${fffd}`, `m${fffd}`, '\uFFFD\uFFFD', `more${fffd}`, `We are open 9-18.${fffd}`]) {
      expect(stored).toContain(expected);
    }
    const turns = await store.turns(session.id);
    expect(turns.map((turn) => [turn.userMessage, turn.reply])).toEqual([
      ['\uFFFD\uFFFD', `We are open 9-18.${fffd}`],
      [`more${fffd}`, `We are open 9-18.${fffd}`],
    ]);
    // The retried message with the same (refused) client message id finds its turn.
    expect((await conversations.send({ tenant: 'tenant-a', sessionId: session.id, text: 'again', clientMessageId: `m${bad}` })).turnId).toBe(turns[0]!.id);
  });
}
