import { BadGatewayException, Body, Controller, Get, Header, HttpCode, Inject, Post, Query, UseFilters } from '@nestjs/common';
import { page } from '../html/page.js';
import { BadQueryParameterError } from '../http/bad-query-parameter.error.js';
import { ConsoleErrorFilter } from '../http/console-error.filter.js';
import { ConsoleNotFoundError } from '../http/console-not-found.error.js';
import { choiceParameter, idParameter } from '../http/query-parameters.js';
import { TraceReader } from '../traces/trace-reader.js';
import { turnView } from '../traces/traces.views.js';
import { AgentsChat, type ChatAnswer } from './agents-chat.js';
import { CHAT_BACKENDS, chatView, STUDENT_UNAVAILABLE } from './chat.views.js';

/** The longest message the playground sends. */
const MAX_TEXT = 2_000;
/** gRPC status codes the agents answer a bad message with. */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;

/**
 * The chat playground: `GET /console/chat?session=…` shows the form and the conversation with the
 * last turn's trace; the form posts `{backend, text, sessionId?}` as JSON to `/console/chat/messages`
 * and gets `{sessionId, turnId, reply, ended}` back.
 */
@Controller('console/chat')
@UseFilters(ConsoleErrorFilter)
export class ChatController {
  constructor(
    @Inject(AgentsChat) private readonly chat: AgentsChat,
    @Inject(TraceReader) private readonly reader: TraceReader,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async form(@Query('backend') backendText?: unknown, @Query('session') sessionText?: unknown): Promise<string> {
    choiceParameter('backend', backendText, CHAT_BACKENDS, 'teacher');
    const sessionId = idParameter('session', sessionText);
    if (sessionId === undefined) return page('Chat', chatView(undefined, undefined), { section: '/console/chat' });
    const session = await this.reader.session(sessionId);
    if (!session) throw new ConsoleNotFoundError(`no session ${JSON.stringify(sessionId)} in the agents' store`);
    const turns = await this.reader.turns(sessionId);
    const last = turns.at(-1);
    const lastTurn = last ? await this.reader.turn(sessionId, last.id) : undefined;
    const trace = lastTurn ? turnView(lastTurn, await this.reader.callVerdicts(lastTurn.id)) : undefined;
    return page('Chat', chatView({ session, turns }, trace), { section: '/console/chat' });
  }

  @Post('messages')
  @HttpCode(200)
  async send(@Body() body: unknown): Promise<ChatAnswer> {
    const message = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const backend = choiceParameter('backend', message.backend, CHAT_BACKENDS, 'teacher');
    if (backend === 'student') throw new BadQueryParameterError('backend', STUDENT_UNAVAILABLE);
    const text = message.text;
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) throw new BadQueryParameterError('text', `expected the customer's message, 1 to ${MAX_TEXT} characters`);
    const sessionId = idParameter('sessionId', message.sessionId);
    try {
      return await this.chat.send(text, sessionId);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const details = String((error as { details?: unknown }).details ?? (error as Error).message);
      if (code === GRPC_NOT_FOUND) throw new ConsoleNotFoundError(`the agents have no session ${JSON.stringify(sessionId)}: ${details}`);
      if (code === GRPC_INVALID_ARGUMENT) throw new BadQueryParameterError('text', `the agents refused the message: ${details}`);
      throw new BadGatewayException(`the agents did not answer: ${details}`);
    }
  }
}
