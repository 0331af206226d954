import type { TraceRaw } from '@distillery/contracts';
import { AgentsClient } from '@distillery/proto';
import { type Platform, PLATFORM } from '@distillery/service-kit';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CONSOLE_OPTIONS, type ConsoleOptions } from '../console-options.js';
import type { SessionRow, TurnRow } from '../traces/trace-reader.js';
import type { ChatBackend } from './chat.views.js';
import { sessionFromGrpc, traceFromGrpc } from './grpc-turns.js';
import { StudentUnavailableError } from './student-unavailable.error.js';

/** The agents' default gRPC port and API key (DISTILLERY_AGENTS_GRPC_PORT, the first key of DISTILLERY_AGENTS_API_KEYS). */
const DEFAULT_PORT = '7201';
const DEFAULT_KEY = 'dev-key';
/** What the chat says when the process serving the console has no student to offer. */
export const NO_STUDENT_AGENTS = "this console was not given the student's agents (`distillery console` offers them once the serving service serves a student)";

export interface ChatAnswer {
  readonly sessionId: string;
  readonly turnId: string;
  readonly reply: string;
  readonly ended: boolean;
}

/**
 * The chat playground's line to the agents over their gRPC API, as an app calls it: the teacher
 * (this platform's agents, with the first API key they take) or the student (agents on the serving
 * service's student, when the console was given them). One client each, closed with the module.
 */
@Injectable()
export class AgentsChat implements OnModuleDestroy {
  private teacherClient: AgentsClient | undefined;
  private studentClient: Promise<AgentsClient> | undefined;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(CONSOLE_OPTIONS) private readonly options: ConsoleOptions,
  ) {}

  /** Why the student cannot be talked to now, or undefined when it can. */
  async studentUnavailable(): Promise<string | undefined> {
    return this.options.student ? this.options.student.unavailable() : NO_STUDENT_AGENTS;
  }

  /** Sends the message in the session (a new one when none is given) and returns the agents' answer. */
  async send(backend: ChatBackend, text: string, sessionId: string | undefined): Promise<ChatAnswer> {
    const client = await this.client(backend);
    const session = sessionId ?? (await client.createSession({ customerRef: 'console-playground', locale: 'en-US', source: 'PRODUCTION', metadata: { via: 'console' } })).sessionId;
    const answer = await client.sendMessage({ sessionId: session, text });
    return { sessionId: session, turnId: answer.turnId, reply: answer.reply, ended: answer.ended };
  }

  /** A conversation with the student and its last turn's trace, from the student's agents (their store is not this platform's). */
  async studentConversation(sessionId: string): Promise<{ session: SessionRow; turns: TurnRow[]; last?: TurnRow & { readonly trace: TraceRaw } }> {
    const client = await this.client('student');
    const { session, turns } = sessionFromGrpc(await client.getSession(sessionId));
    const turn = turns.at(-1);
    if (!turn) return { session, turns };
    return { session, turns, last: traceFromGrpc(await client.getTurnTrace(sessionId, turn.id), turn, session) };
  }

  async onModuleDestroy(): Promise<void> {
    this.teacherClient?.close();
    (await this.studentClient?.catch(() => undefined))?.close();
    await this.options.student?.close();
  }

  private async client(backend: ChatBackend): Promise<AgentsClient> {
    if (backend === 'teacher') {
      const env = this.platform.env;
      const apiKey = env.DISTILLERY_AGENTS_API_KEYS?.split(',')[0]?.split(':')[0] ?? DEFAULT_KEY;
      this.teacherClient ??= new AgentsClient({ address: `127.0.0.1:${env.DISTILLERY_AGENTS_GRPC_PORT ?? DEFAULT_PORT}`, apiKey, timeoutMs: 120_000 });
      return this.teacherClient;
    }
    const reason = await this.studentUnavailable();
    if (reason !== undefined) throw new StudentUnavailableError(reason);
    // A student on CPU decodes slowly: minutes a turn is possible.
    this.studentClient ??= this.options.student!.connect().then(({ address, apiKey }) => new AgentsClient({ address, apiKey, timeoutMs: 600_000 }));
    this.studentClient.catch(() => (this.studentClient = undefined));
    return this.studentClient;
  }
}
