import type { ChatMessage } from '@distillery/llm';

/** `production`: the full prompt of the paper's setting (> 1,000 tokens); `compact`: for tiny models. */
export type PromptProfile = 'production' | 'compact';

export interface Exemplar {
  readonly input: string;
  readonly output: string;
}

export interface PromptParts {
  /** Who the agent is and what it must do. */
  readonly role: string;
  /** The strict output format. */
  readonly format: string;
  /** Reference material that is the same for every call: tools, business rules. Each becomes a titled section. */
  readonly sections: ReadonlyArray<Section & { readonly compact?: boolean }>;
  readonly exemplars: readonly Exemplar[];
  /** What changes from call to call (the conversation, the memory, the clock), in that order: most stable first. */
  readonly context?: readonly Section[];
  /** This call's input. */
  readonly input: string;
}

interface Section {
  readonly title: string;
  readonly body: string;
}

const rendered = (sections: readonly Section[]) => sections.map((section) => `## ${section.title}\n${section.body}`);

/**
 * Renders an agent's prompt the same way for every agent, stable first: a system message with
 * role, format and the sections every call shares, few-shot exemplars as prior turns, then a user
 * message with this call's context sections, then the input. Everything before the context is the
 * same for every call of an agent, and the conversation leads the context, so a serving engine's
 * prefix cache holds all of it and the earlier turns of the conversation (readPrompt reads the
 * context message back). The compact profile keeps only the sections marked compact and one exemplar.
 */
export function buildPrompt(parts: PromptParts, profile: PromptProfile): ChatMessage[] {
  const sections = profile === 'production' ? parts.sections : parts.sections.filter((section) => section.compact);
  const exemplars = profile === 'production' ? parts.exemplars : parts.exemplars.slice(0, 1);
  const system = [parts.role, `## Output format\n${parts.format}`, ...rendered(sections)].join('\n\n');
  return [
    { role: 'system', content: system },
    ...exemplars.flatMap((exemplar): ChatMessage[] => [
      { role: 'user', content: exemplar.input },
      { role: 'assistant', content: exemplar.output },
    ]),
    ...(parts.context?.length ? [{ role: 'user' as const, content: rendered(parts.context).join('\n\n') }] : []),
    { role: 'user', content: parts.input },
  ];
}

/**
 * The kept exchanges, one line a message (a message's own line breaks become spaces): every line
 * begins `Customer: ` or `Assistant: `, so what a customer typed cannot pose as a section or a label.
 */
export function renderHistory(history: ReadonlyArray<{ user: string; reply: string }>): string {
  const line = (text: string) => text.replace(/\s*\n\s*/g, ' ');
  return history.length ? history.map((turn) => `Customer: ${line(turn.user)}\nAssistant: ${line(turn.reply)}`).join('\n') : '(first turn)';
}
