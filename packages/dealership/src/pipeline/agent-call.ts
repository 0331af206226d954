import type { ChatMessage, ModelPort } from '@distillery/llm';
import { renderTranscript } from '@distillery/llm';

export type AgentRole = 'understander' | 'planner' | 'evaluator' | 'executor' | 'explainer';

/** One model call of one agent, as recorded in the turn's trace (the training pair and its cost). */
export interface AgentCallRecord {
  readonly callId: string;
  readonly agent: AgentRole;
  readonly attempt: number;
  readonly prompt: string;
  readonly output: string;
  readonly backend: string;
  readonly model: string;
  readonly latencyMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * Each agent's output budget: its longest answer with room to spare (the teacher's run 7–302 tokens
 * in the curated sets). A model that rambles is cut there rather than holding the turn for a whole
 * context; the cut answer fails its parse like any malformed one (fallback, replan).
 */
export const AGENT_MAX_TOKENS: Readonly<Record<AgentRole, number>> = { understander: 256, planner: 512, evaluator: 192, executor: 256, explainer: 320 };

/** Calls the model for one agent (greedy, within its budget) and records the call; every agent goes through here. */
export async function callAgent(
  model: ModelPort,
  agent: AgentRole,
  messages: readonly ChatMessage[],
  attempt: number,
  calls: AgentCallRecord[],
  options: { json?: boolean; signal?: AbortSignal } = {},
): Promise<string> {
  const completion = await model.complete({ role: agent, messages, maxTokens: AGENT_MAX_TOKENS[agent], temperature: 0, ...options });
  calls.push({
    callId: `call_${calls.length + 1}`,
    agent,
    attempt,
    prompt: renderTranscript(messages),
    output: completion.text,
    backend: completion.backend,
    model: completion.model,
    latencyMs: completion.latencyMs,
    inputTokens: completion.inputTokens,
    outputTokens: completion.outputTokens,
  });
  return completion.text;
}
