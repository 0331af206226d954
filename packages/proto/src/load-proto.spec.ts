import { credentials, Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateChunk } from './generated/distillery/serving/v1/GenerateChunk.js';
import type { GenerateRequest__Output } from './generated/distillery/serving/v1/GenerateRequest.js';
import { agentsV1, servingV1 } from './load-proto.js';

describe('proto contracts', () => {
  it('describe the AgentService with its streaming flags', () => {
    const service = agentsV1().AgentService.service;
    expect(Object.keys(service).sort()).toEqual(['CreateSession', 'GetSession', 'GetTurnTrace', 'SendMessage', 'StreamMessage']);
    expect(service.StreamMessage.responseStream).toBe(true);
    expect(service.SendMessage.responseStream).toBe(false);
    expect(service.CreateSession.path).toBe('/distillery.agents.v1.AgentService/CreateSession');
  });

  describe('a real grpc-js round trip on loopback', () => {
    const server = new Server();
    let address = '';
    beforeAll(async () => {
      // A contract-plumbing test implementation, not a service: it echoes what the types promise.
      server.addService(agentsV1().AgentService.service, {
        CreateSession: (call: { request: { customerRef: string; source: string } }, callback: (error: null, reply: object) => void) =>
          callback(null, { sessionId: `s-${call.request.customerRef}`, tenant: 't', source: call.request.source, turns: [] }),
      });
      server.addService(servingV1().InferenceService.service, {
        GenerateStream: (call: ServerWritableStream<GenerateRequest__Output, GenerateChunk>) => {
          for (const text of ['Hel', 'lo']) call.write({ text });
          call.write({ text: '', finishReason: 'stop', usage: { promptTokens: call.request.messages.length, completionTokens: 2 } });
          call.end();
        },
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
      );
      address = `127.0.0.1:${port}`;
    });
    afterAll(() => server.forceShutdown());

    it('unary: CreateSession, enums as strings', async () => {
      const client = new (agentsV1().AgentService)(address, credentials.createInsecure());
      const session = await new Promise((resolve, reject) =>
        client.createSession({ customerRef: 'c-1', locale: 'en-US', source: 'SIMULATION' }, (error, reply) => (error ? reject(error) : resolve(reply))),
      );
      expect(session).toMatchObject({ sessionId: 's-c-1', source: 'SIMULATION', ended: false, turns: [] });
      client.close();
    });

    it('server streaming: GenerateStream', async () => {
      const client = new (servingV1().InferenceService)(address, credentials.createInsecure());
      const chunks: string[] = [];
      const last = await new Promise<{ finishReason: string; usage: unknown }>((resolve, reject) => {
        let final: { finishReason: string; usage: unknown } | undefined;
        const stream = client.generateStream({ model: 'student', messages: [{ role: 'user', content: 'hi' }], maxTokens: 2 });
        stream.on('data', (chunk) => {
          chunks.push(chunk.text);
          if (chunk.finishReason) final = { finishReason: chunk.finishReason, usage: chunk.usage };
        });
        stream.on('error', reject);
        stream.on('end', () => resolve(final!));
      });
      expect(chunks.join('')).toBe('Hello');
      expect(last).toEqual({ finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2 } });
      client.close();
    });
  });
});
