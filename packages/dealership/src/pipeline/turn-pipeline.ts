import type { ModelPort } from '@distillery/llm';
import { z } from 'zod';
import type { HalsteadMeasures } from '../plans/halstead.js';
import { type PlanOutcome, PlanSandbox, type ToolCallRecord } from '../plans/plan-sandbox.js';
import { validatePlan } from '../plans/plan-validator.js';
import type { PlanViolation } from '../plans/plan-violation.js';
import { type AgentPromptInput, evaluatorPrompt, explainerPrompt, plannerPrompt, understanderPrompt } from '../prompts/agent-prompts.js';
import type { PromptProfile } from '../prompts/prompt-builder.js';
import { type AgentCallRecord, callAgent } from './agent-call.js';
import { advanceDialogue, type DialogueState, type Understanding, understandingSchema } from './dialogue-state.js';
import type { Toolbox, TurnContext } from './toolbox.js';

export interface TurnPipelineOptions {
  readonly profile: PromptProfile;
  /** Replans after a rejected plan before the safe fallback. */
  readonly maxReplans: number;
  /** Halstead volume above which the LLM evaluator reviews the plan (conditional agent invocation). */
  readonly llmEvaluatorVolume: number;
}

export const DEFAULT_PIPELINE_OPTIONS: TurnPipelineOptions = { profile: 'production', maxReplans: 2, llmEvaluatorVolume: 400 };

export type TurnProgress = { readonly agent: 'understander' | 'planner' | 'evaluator' | 'executor' | 'explainer'; readonly status: 'started' | 'done' | 'replan' | 'failed'; readonly detail?: string };

export interface TurnResult {
  readonly reply: string;
  readonly calls: AgentCallRecord[];
  readonly toolCalls: ToolCallRecord[];
  readonly plan?: { readonly code: string; readonly halstead: HalsteadMeasures; readonly llmEvaluatorRan: boolean; readonly replans: number };
  readonly understanding?: Understanding;
  readonly dialogue: DialogueState;
  /** Why the safe fallback answered, when it did. */
  readonly fallback?: string;
  /** Milliseconds inside the model port (every call), the static Evaluator, and the sandbox (its tools included, and apart). */
  readonly timings: { readonly modelMs: number; readonly evaluatorMs: number; readonly sandboxMs: number; readonly toolsMs: number };
}

/** The LLM Evaluator's verdict, as the pipeline reads it. */
export const verdictSchema = z.object({ approve: z.boolean(), feedback: z.string().default('') });

/** The safe answer when no valid plan could be made: hand the customer to a person. */
export const FALLBACK_REPLY = "I'm sorry, I couldn't complete that request. I've asked a member of our sales team to follow up with you.";

/** Strips a code fence a model may wrap its plan in. */
export function planCode(output: string): string {
  const fenced = /```(?:[a-z]+)?\n([\s\S]*?)```/.exec(output);
  return (fenced ? fenced[1]! : output).trim();
}

/** An agent's JSON answer as the pipeline reads it: the first `{` to the last `}`, checked by `schema`; undefined when it is not one. */
export function parseJson<T>(schema: z.ZodType<T>, text: string): T | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text.slice(start, end + 1)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One conversation turn through the five agents: Understander → Planner → Evaluator (static checks,
 * then the LLM evaluator above the Halstead threshold; rejections go back to the Planner) →
 * Executor (the sandbox) → Explainer. Every model call is recorded.
 */
export class TurnPipeline {
  constructor(
    private readonly model: ModelPort,
    private readonly toolbox: Toolbox,
    private readonly sandbox: PlanSandbox,
    private readonly options: TurnPipelineOptions = DEFAULT_PIPELINE_OPTIONS,
    private readonly onProgress: (progress: TurnProgress) => void = () => undefined,
  ) {}

  async run(utterance: string, dialogue: DialogueState, context: TurnContext): Promise<TurnResult> {
    const calls: AgentCallRecord[] = [];
    const timings = { modelMs: 0, evaluatorMs: 0, sandboxMs: 0, toolsMs: 0 };
    const execute = async (code: string, tools: Parameters<PlanSandbox['execute']>[1]): Promise<PlanOutcome> => {
      const outcome = await this.sandbox.execute(code, tools);
      timings.sandboxMs += outcome.durationMs;
      for (const call of outcome.toolCalls) timings.toolsMs += call.latencyMs;
      return outcome;
    };
    const finish = (result: Omit<TurnResult, 'timings'>): TurnResult => {
      for (const call of calls) timings.modelMs += call.latencyMs;
      return { ...result, timings };
    };
    // The rules first: reading them is what brings the tools on offer, the catalog and the clock up to
    // date (a tool switched off since the last turn). The whole turn then works from that one reading.
    const rules = await this.toolbox.rulesText(context);
    const catalog = this.toolbox.catalog;
    const tools = this.toolbox.bind(context);
    const prompt: AgentPromptInput = { profile: this.options.profile, tools: this.toolbox.describe(), rules, dialogue, now: context.now, utcOffsetMinutes: this.toolbox.utcOffsetMinutes ?? 0 };

    this.onProgress({ agent: 'understander', status: 'started' });
    const understanding =
      parseJson(understandingSchema, await callAgent(this.model, 'understander', understanderPrompt(prompt, utterance), 1, calls, { json: true })) ??
      ({ intents: ['unknown'], entities: {}, state: {}, outOfScope: false } satisfies Understanding);
    this.onProgress({ agent: 'understander', status: 'done', detail: understanding.intents.join(',') });

    let feedback: readonly PlanViolation[] | string | undefined;
    for (let attempt = 1; attempt <= this.options.maxReplans + 1; attempt++) {
      this.onProgress({ agent: 'planner', status: 'started' });
      const code = planCode(await callAgent(this.model, 'planner', plannerPrompt(prompt, utterance, understanding, feedback), attempt, calls));
      this.onProgress({ agent: 'planner', status: 'done' });
      this.onProgress({ agent: 'evaluator', status: 'started' });
      const checking = performance.now();
      const check = validatePlan(code, catalog);
      timings.evaluatorMs += performance.now() - checking;
      if (!check.ok) {
        feedback = check.violations;
        this.onProgress({ agent: 'evaluator', status: 'replan', detail: check.violations.map((violation) => violation.code).join(',') });
        continue;
      }
      // Conditional agent invocation (Appendix D): only complex plans pay for the LLM evaluator.
      const llmEvaluatorRan = check.halstead.volume > this.options.llmEvaluatorVolume;
      if (llmEvaluatorRan) {
        const verdict = parseJson(verdictSchema, await callAgent(this.model, 'evaluator', evaluatorPrompt(prompt, utterance, code), attempt, calls, { json: true }));
        if (!verdict?.approve) {
          feedback = verdict?.feedback || 'the evaluator did not approve the plan';
          this.onProgress({ agent: 'evaluator', status: 'replan', detail: 'llm evaluator' });
          continue;
        }
      }
      this.onProgress({ agent: 'evaluator', status: 'done' });
      this.onProgress({ agent: 'executor', status: 'started' });
      const outcome = await execute(code, tools);
      this.onProgress({ agent: 'executor', status: outcome.ok ? 'done' : 'failed', detail: outcome.ok ? undefined : outcome.code });
      const result = outcome.ok ? outcome.result : { error: { code: outcome.code, message: outcome.message } };
      this.onProgress({ agent: 'explainer', status: 'started' });
      const reply = (await callAgent(this.model, 'explainer', explainerPrompt(prompt, utterance, result), 1, calls)).trim();
      this.onProgress({ agent: 'explainer', status: 'done' });
      return finish({
        reply,
        calls,
        toolCalls: outcome.toolCalls,
        plan: { code, halstead: check.halstead, llmEvaluatorRan, replans: attempt - 1 },
        understanding,
        dialogue: advanceDialogue(dialogue, understanding, { user: utterance, reply }, this.toolbox.listing?.(outcome.toolCalls)),
      });
    }
    const reason = typeof feedback === 'string' ? feedback : (feedback ?? []).map((violation) => violation.message).join('; ');
    const handOff = tools.handOffToHuman;
    const outcome = handOff ? await execute(`return handOffToHuman(${JSON.stringify({ reason: `no valid plan: ${reason}`.slice(0, 500) })});`, { handOffToHuman: handOff }) : undefined;
    return finish({
      reply: FALLBACK_REPLY,
      calls,
      toolCalls: outcome?.toolCalls ?? [],
      understanding,
      dialogue: advanceDialogue(dialogue, understanding, { user: utterance, reply: FALLBACK_REPLY }),
      fallback: reason,
    });
  }
}
