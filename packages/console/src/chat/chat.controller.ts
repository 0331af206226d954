import { Public } from '@distillery/service-kit';
import { BadGatewayException, Body, Controller, Get, Header, HttpCode, Inject, Post, Query, UseFilters } from '@nestjs/common';
import { page } from '../html/page.js';
import { BadQueryParameterError } from '../http/bad-query-parameter.error.js';
import { ConsoleErrorFilter } from '../http/console-error.filter.js';
import { ConsoleNotFoundError } from '../http/console-not-found.error.js';
import { choiceParameter, idParameter } from '../http/query-parameters.js';
import { TraceReader } from '../traces/trace-reader.js';
import { turnView } from '../traces/traces.views.js';
import { AgentsChat, type ChatAnswer } from './agents-chat.js';
import { CHAT_BACKENDS, type ChatBackend, type ChatPage, chatView } from './chat.views.js';
import { StudentUnavailableError } from './student-unavailable.error.js';

/** The longest message the playground sends. */
const MAX_TEXT = 2_000;
/** gRPC status codes the agents answer a bad message or an unknown session with. */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;

/**
 * The chat playground: `GET /console/chat?backend=teacher|student&session=…` shows the form and the
 * conversation with the last turn's trace; the form posts `{backend, text, sessionId?}` as JSON to
 * `/console/chat/messages` and gets `{sessionId, turnId, reply, ended}` back.
 */
@Controller('console/chat')
@Public()
@UseFilters(ConsoleErrorFilter)
export class ChatController {
  constructor(
    @Inject(AgentsChat) private readonly chat: AgentsChat,
    @Inject(TraceReader) private readonly reader: TraceReader,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async form(@Query('backend') backendText?: unknown, @Query('session') sessionText?: unknown): Promise<string> {
    const backend = choiceParameter('backend', backendText, CHAT_BACKENDS, 'teacher');
    const sessionId = idParameter('session', sessionText);
    const studentUnavailable = await this.chat.studentUnavailable();
    const chat: ChatPage = { backend, studentUnavailable, ...(sessionId === undefined ? {} : await this.conversation(backend, sessionId)) };
    return page('Chat', chatView(chat), { section: '/console/chat' });
  }

  @Post('messages')
  @HttpCode(200)
  async send(@Body() body: unknown): Promise<ChatAnswer> {
    const message = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const backend = choiceParameter('backend', message.backend, CHAT_BACKENDS, 'teacher');
    const text = message.text;
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) throw new BadQueryParameterError('text', `expected the customer's message, 1 to ${MAX_TEXT} characters`);
    const sessionId = idParameter('sessionId', message.sessionId);
    try {
      return await this.chat.send(backend, text, sessionId);
    } catch (error) {
      throw this.answerFor(error, backend, sessionId);
    }
  }

  private async conversation(backend: ChatBackend, sessionId: string): Promise<Pick<ChatPage, 'conversation' | 'trace'>> {
    if (backend === 'student') {
      try {
        const { session, turns, last } = await this.chat.studentConversation(sessionId);
        return { conversation: { session, turns }, ...(last ? { trace: turnView(last, { available: false, reason: "the student's turns are not sent to the judge" }) } : {}) };
      } catch (error) {
        throw this.answerFor(error, backend, sessionId);
      }
    }
    const session = await this.reader.session(sessionId);
    if (!session) throw new ConsoleNotFoundError(`no session ${JSON.stringify(sessionId)} in the agents' store`);
    const turns = await this.reader.turns(sessionId);
    const last = turns.at(-1);
    const lastTurn = last ? await this.reader.turn(sessionId, last.id) : undefined;
    return { conversation: { session, turns }, ...(lastTurn ? { trace: turnView(lastTurn, await this.reader.callVerdicts(lastTurn.id)) } : {}) };
  }

  /** The HTTP answer for what the agents (or the student's absence) made of a request. */
  private answerFor(error: unknown, backend: ChatBackend, sessionId: string | undefined): Error {
    if (error instanceof StudentUnavailableError) return new BadQueryParameterError('backend', `no student: ${error.reason}`);
    const code = (error as { code?: unknown }).code;
    const details = String((error as { details?: unknown }).details ?? (error as Error).message);
    if (code === GRPC_NOT_FOUND) return new ConsoleNotFoundError(`the ${backend}'s agents have no session ${JSON.stringify(sessionId)}: ${details}`);
    if (code === GRPC_INVALID_ARGUMENT) return new BadQueryParameterError('text', `the agents refused the message: ${details}`);
    return new BadGatewayException(`the ${backend}'s agents did not answer: ${details}`);
  }
}
