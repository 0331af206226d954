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
  /** Reference material: tools, business rules, memory. Each becomes a titled section. */
  readonly sections: ReadonlyArray<{ readonly title: string; readonly body: string; readonly compact?: boolean }>;
  readonly exemplars: readonly Exemplar[];
  /** This call's input. */
  readonly input: string;
}

/**
 * Renders an agent's prompt the same way for every agent: a system message with role, format and
 * sections, few-shot exemplars as prior turns, then the input. The compact profile keeps only the
 * sections marked compact and one exemplar.
 */
export function buildPrompt(parts: PromptParts, profile: PromptProfile): ChatMessage[] {
  const sections = profile === 'production' ? parts.sections : parts.sections.filter((section) => section.compact);
  const exemplars = profile === 'production' ? parts.exemplars : parts.exemplars.slice(0, 1);
  const system = [parts.role, `## Output format\n${parts.format}`, ...sections.map((section) => `## ${section.title}\n${section.body}`)].join('\n\n');
  return [
    { role: 'system', content: system },
    ...exemplars.flatMap((exemplar): ChatMessage[] => [
      { role: 'user', content: exemplar.input },
      { role: 'assistant', content: exemplar.output },
    ]),
    { role: 'user', content: parts.input },
  ];
}

/** The newest `keep` exchanges, rendered for the memory section. */
export function renderHistory(history: ReadonlyArray<{ user: string; reply: string }>): string {
  return history.length ? history.map((turn) => `Customer: ${turn.user}\nAssistant: ${turn.reply}`).join('\n') : '(first turn)';
}
