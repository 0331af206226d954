import { credentials, Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateChunk } from './generated/distillery/serving/v1/GenerateChunk.js';
import type { GenerateRequest__Output } from './generated/distillery/serving/v1/GenerateRequest.js';
import { agentsV1, servingV1 } from './load-proto.js';
import { undecodable, withUndecodableRequests } from './strict-decoding.js';
import { UndecodableMessageError } from './undecodable-message.error.js';

describe('proto contracts', () => {
  it('describe the AgentService with its streaming flags', () => {
    const service = agentsV1().AgentService.service;
    expect(Object.keys(service).sort()).toEqual(['CreateSession', 'GetSession', 'GetTurnTrace', 'SendMessage', 'StreamMessage']);
    expect(service.StreamMessage.responseStream).toBe(true);
    expect(service.SendMessage.responseStream).toBe(false);
    expect(service.CreateSession.path).toBe('/distillery.agents.v1.AgentService/CreateSession');
  });

  describe('decoding is strict: bytes protobuf itself refuses are refused', () => {
    const createSession = () => agentsV1().AgentService.service.CreateSession;
    // customer_ref "customer-12345" (bytes 0-15), locale "en-US" (16-22), metadata {a: "b"} (23-30).
    const encoded = () => createSession().requestSerialize({ customerRef: 'customer-12345', locale: 'en-US', metadata: { a: 'b' } });

    it('a frame cut inside a field does not decode (protobufjs alone clamps a cut string and answers a partial customer_ref)', () => {
      const bytes = encoded();
      for (const cut of [2, 3, 10, 15, 17, 18, 20, 24, 27, 30]) {
        expect(() => createSession().requestDeserialize(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(UndecodableMessageError);
      }
      expect(() => createSession().requestDeserialize(bytes.subarray(0, 10))).toThrow(/CreateSession request does not decode/);
    });

    it('a frame cut between fields decodes to the fields it holds, as in any protobuf parser', () => {
      const bytes = encoded();
      expect(createSession().requestDeserialize(bytes.subarray(0, 16))).toMatchObject({ customerRef: 'customer-12345', locale: '' });
      expect(createSession().requestDeserialize(bytes)).toMatchObject({ customerRef: 'customer-12345', locale: 'en-US', metadata: { a: 'b' } });
      expect(createSession().requestDeserialize(Buffer.alloc(0))).toMatchObject({ customerRef: '', locale: '' });
    });

    it('a string field that is not UTF-8 does not decode', () => {
      const bytes = Buffer.from([0x0a, 0x03, 0x61, 0xc3, 0x28]); // customer_ref: 'a' then a broken two-byte sequence
      expect(() => createSession().requestDeserialize(bytes)).toThrow(/not valid UTF-8/);
      const cut = createSession().requestSerialize({ customerRef: 'a😀' }).subarray(0, 5); // the emoji's first two bytes, length fixed up
      expect(() => createSession().requestDeserialize(Buffer.from([0x0a, 0x03, ...cut.subarray(2)]))).toThrow(/not valid UTF-8/);
    });

    it('a lone surrogate as a JavaScript client writes it decodes to itself, for the server to refuse by the field name', () => {
      const bytes = createSession().requestSerialize({ customerRef: 'a\uD83Db' }); // ED A0 BD: not UTF-8
      expect(createSession().requestDeserialize(bytes)).toMatchObject({ customerRef: 'a\uD83Db' });
    });

    it('responses are decoded as strictly', () => {
      const getSession = agentsV1().AgentService.service.GetSession;
      const bytes = getSession.responseSerialize({ sessionId: 'sess_1', tenant: 'dev' });
      expect(() => getSession.responseDeserialize(bytes.subarray(0, bytes.length - 1))).toThrow(UndecodableMessageError);
    });

    it('a server definition hands the handler the decode error instead of throwing (grpc-js would answer INTERNAL)', () => {
      const lenient = withUndecodableRequests(agentsV1().AgentService.service).CreateSession;
      const request = lenient.requestDeserialize(encoded().subarray(0, 10));
      expect(undecodable(request)).toBeInstanceOf(UndecodableMessageError);
      expect(undecodable(lenient.requestDeserialize(encoded()))).toBeUndefined();
    });
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
      expect(last).toEqual({ finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, cachedTokens: 0 } });
      client.close();
    });
  });
});
