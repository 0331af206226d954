import type { CompletionRequest } from '@distillery/llm';

/**
 * What the reference policies read from a rendered prompt — exactly what a model would see: the
 * titled sections of the system message and of the context message (the user message just before
 * the input, buildPrompt's), and the last user message. Nothing reaches them on the side.
 */
export interface PromptView {
  readonly input: string;
  section(title: string): string | undefined;
}

export function readPrompt(request: CompletionRequest): PromptView {
  const system = request.messages.find((message) => message.role === 'system')?.content ?? '';
  const before = request.messages.at(-2);
  const context = before?.role === 'user' ? before.content : '';
  const input = request.messages.at(-1)?.content ?? '';
  return {
    input,
    section(title) {
      return sectionOf(system, title) ?? sectionOf(context, title);
    },
  };
}

/** The body of a `## Title` section (its header a line of its own): up to the next header, or to the end. */
function sectionOf(text: string, title: string): string | undefined {
  const header = `## ${title}\n`;
  const at = `\n${text}`.indexOf(`\n${header}`);   // the header's index in text
  if (at < 0) return undefined;
  const body = text.slice(at + header.length);
  const end = body.indexOf('\n## ');
  return end < 0 ? body : body.slice(0, end);
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

/**
 * The tools a prompt offers, in its order: the `- name(args)` lines of its tools section (`Tools`
 * for the Planner and the Evaluator, `Tools the dealership has` for the Understander); undefined
 * when it has no such section (the Explainer's, a compact Understander's).
 */
export function offeredTools(view: PromptView): string[] | undefined {
  const section = view.section('Tools') ?? view.section('Tools the dealership has');
  return section === undefined ? undefined : [...section.matchAll(/^- (\w+)\(args\)/gm)].map((line) => line[1]!);
}

/** The memory: entities, dialogue state, the last listing, and the conversation's last assistant reply. */
export interface Memory {
  readonly entities: Record<string, string | number | boolean | null>;
  readonly state: Record<string, unknown>;
  readonly lastReply: string;
  /** What the last listing showed, in order (VINs), when the memory keeps one. */
  readonly listed?: readonly string[];
}

export function readMemory(view: PromptView): Memory {
  const memory = view.section('Memory');
  // the conversation has its own section; prompts recorded before it kept it at the end of the memory
  const replies = (view.section('Conversation so far') ?? memory ?? '').split('\n').filter((line) => line.startsWith('Assistant: '));
  const listing = jsonLine<unknown>(memory, 'Last listed');
  const listed = Array.isArray(listing) && listing.every((item) => typeof item === 'string') ? (listing as string[]) : undefined;
  return {
    entities: jsonLine(memory, 'Known entities') ?? {},
    state: jsonLine(memory, 'Dialogue state') ?? {},
    lastReply: replies.at(-1)?.slice('Assistant: '.length) ?? '',
    ...(listed ? { listed } : {}),
  };
}

const NOW_LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})$/;

/**
 * The `## Now` section as the business's local wall-clock time (its fields read as the UTC fields
 * of the Date): the ISO timestamp on the section's first line with the offset it was written in.
 * A bare UTC instant (prompts recorded before the zone was shown) reads as UTC. Undefined when
 * the section is missing or unreadable.
 */
export function localNow(view: PromptView): Date | undefined {
  const match = NOW_LINE.exec(view.section('Now')?.trim().split('\n')[0]?.trim() ?? '');
  if (!match) return undefined;
  const local = new Date(`${match[1]}Z`);
  return Number.isNaN(local.getTime()) ? undefined : local;
}
