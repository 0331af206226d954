/** One chat message of a rendered prompt. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** A model call: who is calling (the role decides the reference policy), and the full prompt. */
export interface CompletionRequest {
  /** The caller's role: an agent (`planner`…), `simulator` or `judge`. */
  readonly role: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly stop?: readonly string[];
  /** Ask for a JSON object (OpenAI `response_format: json_object`). */
  readonly json?: boolean;
  /** Sampling seed, for endpoints that honour it (OpenAI `seed`): the same request and seed give the same answer. */
  readonly seed?: number;
  /** Deadline for this call. */
  readonly signal?: AbortSignal;
  /**
   * The model name on the endpoint for this call, instead of the adapter's own (the agents'
   * per-session serving model, so one session's turns reach one version). The reference model
   * ignores it.
   */
  readonly model?: string;
}

export interface Completion {
  readonly text: string;
  readonly backend: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** True when the counts are estimated (the reference backend), false when the server reported them. */
  readonly tokensEstimated: boolean;
  readonly latencyMs: number;
}

/**
 * The single port every model call of every service goes through. Adapters: `reference` (a
 * deterministic policy written as code) and `openai` (any OpenAI-compatible endpoint, our serving
 * service's included: the agents' `serving` backend is the openai adapter pointed at it).
 */
export interface ModelPort {
  readonly backend: string;
  readonly model: string;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** The prompt as one text, the way it is recorded in traces and used as training input. */
export function renderTranscript(messages: readonly ChatMessage[]): string {
  return messages.map((message) => `<|${message.role}|>\n${message.content}`).join('\n');
}

const ROLE_HEADER = /(?:^|\n)<\|(system|user|assistant)\|>\n/g;

/**
 * The messages back from a recorded prompt (the inverse of renderTranscript), or undefined when
 * the text is not a transcript: it must open with a `<|role|>` line.
 */
export function parseTranscript(transcript: string): ChatMessage[] | undefined {
  const headers = [...transcript.matchAll(ROLE_HEADER)];
  if (headers[0]?.index !== 0) return undefined;
  return headers.map((header, index) => ({
    role: header[1] as ChatMessage['role'],
    content: transcript.slice(header.index + header[0].length, headers[index + 1]?.index ?? transcript.length),
  }));
}

/** A rough token count (≈ 4 characters a token) for backends that report none. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
