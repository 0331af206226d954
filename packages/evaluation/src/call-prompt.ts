import { type PromptView, readPrompt } from '@distillery/dealership';
import { parseTranscript } from '@distillery/llm';

/** A row's recorded prompt read back as the agents' reference policies read a live one (see the judge's readCall). */
export function readRowPrompt(agent: string, prompt: string): PromptView | undefined {
  const messages = parseTranscript(prompt);
  if (!messages || messages.at(-1)?.role !== 'user') return undefined;
  return readPrompt({ role: agent, messages });
}
