import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlanSandbox, TurnPipeline } from '@distillery/dealership';
import { ReferenceModel } from '@distillery/llm';
import { AgentsClient } from '@distillery/proto';
import { ApiKeyring } from '@distillery/service-kit';
import { type Database, Outbox } from '@distillery/storage';
import { REPO_ROOT } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAgentsMemoryDatabase } from '../agents-memory-database.js';
import { SessionStore } from '../sessions/session-store.js';
import { AgentsGrpcServer } from './agents-grpc.server.js';
import { ConversationService } from './conversation.service.js';
import { HOURS_TOOLBOX } from '../testing/hours-toolbox.js';
import { RateLimiter } from './rate-limiter.js';

const pem = (name: string) => readFileSync(join(REPO_ROOT, 'packages/testing/fixtures/tls', name));
const toolbox = HOURS_TOOLBOX;

describe('the agents gRPC API over mutual TLS (DISTILLERY_TLS_*)', () => {
  let db: Database;
  let server: AgentsGrpcServer;
  let address: string;
  const clients: AgentsClient[] = [];
  const client = (tls?: ConstructorParameters<typeof AgentsClient>[0]['tls']) => {
    const made = new AgentsClient({ address, apiKey: 'key-a', timeoutMs: 5_000, ...(tls ? { tls } : {}) });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    db = await openAgentsMemoryDatabase();
    const store = new SessionStore(db.dataSource, new Outbox('agents'), () => undefined);
    const conversations = new ConversationService(store, () => new TurnPipeline(new ReferenceModel({}), toolbox, new PlanSandbox()));
    server = new AgentsGrpcServer(store, conversations, {
      apiKeys: ApiKeyring.parse('key-a:tenant-a', 'product'),
      rateLimiter: new RateLimiter({ perMinute: 6_000, burst: 100 }),
      maxMessageChars: 200,
      tls: { cert: pem('server.pem'), key: pem('server.key'), ca: pem('ca.pem'), requireClientCert: true },
    });
    address = `localhost:${await server.start('127.0.0.1', 0)}`;
  });
  afterAll(async () => {
    for (const made of clients) made.close();
    await server?.stop(100);
    await db?.close();
  });

  it('serves a client that trusts the CA and presents a certificate it signed', async () => {
    const session = await client({ ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') }).createSession({ customerRef: 'cust_1', locale: 'en-US', source: 'PRODUCTION' });
    expect(session.sessionId).toMatch(/\S/);
  });

  it('refuses a plaintext client, and a TLS client without a certificate', async () => {
    await expect(client().createSession({ customerRef: 'cust_1', locale: 'en-US', source: 'PRODUCTION' })).rejects.toMatchObject({ code: 14 });
    await expect(client({ ca: pem('ca.pem') }).createSession({ customerRef: 'cust_1', locale: 'en-US', source: 'PRODUCTION' })).rejects.toMatchObject({ code: 14 });
  });
});
