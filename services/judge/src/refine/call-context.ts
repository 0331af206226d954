import { type PromptView, readPrompt } from '@distillery/dealership';
import { type CompletionRequest, parseTranscript } from '@distillery/llm';
import type { AgentCall } from './call-judgement.js';

/** A call with its recorded prompt read back: the request the agent made, and the prompt as the reference policies read it. */
export interface CallContext {
  readonly call: AgentCall;
  readonly request: CompletionRequest;
  readonly view: PromptView;
}

/** The call's context, or why its prompt cannot be read (then the call is unusable for training). */
export function readCall(call: AgentCall): CallContext | string {
  const messages = parseTranscript(call.prompt);
  if (!messages) return 'the prompt is not a rendered transcript (it must open with a <|role|> line)';
  if (messages.at(-1)?.role !== 'user') return 'the prompt does not end with the user message the agent answers';
  const request: CompletionRequest = { role: call.agent, messages };
  return { call, request, view: readPrompt(request) };
}
