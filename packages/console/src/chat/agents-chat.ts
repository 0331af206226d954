import { AgentsClient } from '@distillery/proto';
import { type Platform, PLATFORM } from '@distillery/service-kit';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';

/** The agents' default gRPC port and API key (DISTILLERY_AGENTS_GRPC_PORT, the first key of DISTILLERY_AGENTS_API_KEYS). */
const DEFAULT_PORT = '7201';
const DEFAULT_KEY = 'dev-key';

export interface ChatAnswer {
  readonly sessionId: string;
  readonly turnId: string;
  readonly reply: string;
  readonly ended: boolean;
}

/**
 * The chat playground's line to the agents: their gRPC API in this platform (the teacher), as an
 * app would call it, with the first API key the agents take. One client, closed with the module.
 */
@Injectable()
export class AgentsChat implements OnModuleDestroy {
  private client: AgentsClient | undefined;

  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  /** Sends the message in the session (a new one when none is given) and returns the agents' answer. */
  async send(text: string, sessionId: string | undefined): Promise<ChatAnswer> {
    const client = this.connect();
    const session = sessionId ?? (await client.createSession({ customerRef: 'console-playground', locale: 'en-US', source: 'PRODUCTION', metadata: { via: 'console' } })).sessionId;
    const answer = await client.sendMessage({ sessionId: session, text });
    return { sessionId: session, turnId: answer.turnId, reply: answer.reply, ended: answer.ended };
  }

  onModuleDestroy(): void {
    this.client?.close();
  }

  private connect(): AgentsClient {
    const env = this.platform.env;
    const apiKey = env.DISTILLERY_AGENTS_API_KEYS?.split(',')[0]?.split(':')[0] ?? DEFAULT_KEY;
    this.client ??= new AgentsClient({ address: `127.0.0.1:${env.DISTILLERY_AGENTS_GRPC_PORT ?? DEFAULT_PORT}`, apiKey, timeoutMs: 120_000 });
    return this.client;
  }
}
