import type { ChatMessage, ModelPort } from '@distillery/llm';
import { type AgentCall, type CallJudge, type CallJudgement, rejected } from './call-judgement.js';
import { readLlmVerdict } from './llm-verdict.js';
import { isJudgement, reviewCall } from './reviewed-call.js';
import { UnusableVerdictError } from './unusable-verdict.error.js';

export interface LlmJudgeOptions {
  /** Sent with every request (temperature 0): the same call and seed give the same answer where the endpoint honours it. */
  readonly seed: number;
  /** How many times to ask again after an unusable answer before rejecting the call. */
  readonly retries: number;
}

/**
 * The `llm` judge: sends Φ_refine to a model (any OpenAI-compatible endpoint through the model
 * port) and reads its structured verdict strictly. An unusable answer is shown back to the model
 * with what is wrong, `retries` times; then the call is rejected with the last problem as reason.
 * Endpoint failures are not verdicts: they throw (ModelCallError), so the bus retries the trace.
 */
export class LlmJudge implements CallJudge {
  readonly backend = 'llm';

  constructor(
    private readonly port: ModelPort,
    private readonly options: LlmJudgeOptions,
  ) {}

  get model(): string {
    return this.port.model;
  }

  async judge(call: AgentCall): Promise<CallJudgement> {
    const reviewed = reviewCall(call);
    if (isJudgement(reviewed)) return reviewed;
    let messages: ChatMessage[] = reviewed.prompt;
    let problem = '';
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      const answer = await this.port.complete({ role: 'judge', messages, json: true, temperature: 0, seed: this.options.seed });
      try {
        return readLlmVerdict(answer.text, reviewed);
      } catch (error) {
        if (!(error instanceof UnusableVerdictError)) throw error;
        problem = error.message;
        messages = [...reviewed.prompt, { role: 'assistant', content: answer.text }, { role: 'user', content: `That answer is not usable: ${problem}. Answer again with only the JSON object.` }];
      }
    }
    return rejected([`the llm judge gave no usable verdict in ${this.options.retries + 1} attempts: ${problem}`], reviewed.refinePrompt);
  }
}
