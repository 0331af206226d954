import type { CompletionRequest } from '@distillery/llm';

/**
 * What the reference policies read from a rendered prompt — exactly what a model would see: the
 * system message's titled sections and the last user message. Nothing reaches them on the side.
 */
export interface PromptView {
  readonly input: string;
  section(title: string): string | undefined;
}

export function readPrompt(request: CompletionRequest): PromptView {
  const system = request.messages.find((message) => message.role === 'system')?.content ?? '';
  const input = request.messages.at(-1)?.content ?? '';
  return {
    input,
    section(title) {
      const start = system.indexOf(`## ${title}\n`);
      if (start < 0) return undefined;
      const body = system.slice(start + title.length + 4);
      const end = body.indexOf('\n## ');
      return end < 0 ? body : body.slice(0, end);
    },
  };
}

/** A `Label: {json}` line of a prompt section or input, parsed; undefined when absent or broken. */
export function jsonLine<T = Record<string, unknown>>(text: string | undefined, label: string): T | undefined {
  const line = text?.split('\n').find((candidate) => candidate.startsWith(`${label}: `));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(label.length + 2)) as T;
  } catch {
    return undefined;
  }
}

/** The text after `Label: ` up to the next labelled line. */
export function labelled(text: string, label: string): string {
  const start = text.indexOf(`${label}: `);
  if (start < 0) return '';
  const rest = text.slice(start + label.length + 2);
  const next = rest.search(/\n[A-Z][a-z]+: /);
  return next < 0 ? rest : rest.slice(0, next);
}

/** The memory section: entities, dialogue state and the last assistant reply. */
export interface Memory {
  readonly entities: Record<string, string | number | boolean | null>;
  readonly state: Record<string, unknown>;
  readonly lastReply: string;
}

export function readMemory(view: PromptView): Memory {
  const memory = view.section('Memory');
  const replies = (memory ?? '').split('\n').filter((line) => line.startsWith('Assistant: '));
  return {
    entities: jsonLine(memory, 'Known entities') ?? {},
    state: jsonLine(memory, 'Dialogue state') ?? {},
    lastReply: replies.at(-1)?.slice('Assistant: '.length) ?? '',
  };
}
