import type { TraceRaw, TraceRefined } from '@distillery/contracts';
import type { CallJudge, CallJudgement } from './call-judgement.js';

/** A refined turn: the raw turn, its traces.refined message and, per call, the judgement with its Φ_refine. */
export interface RefinedTrace {
  readonly raw: TraceRaw;
  readonly message: TraceRefined;
  readonly judgements: readonly CallJudgement[];
}

/** Refines every agent call of one traces.raw turn with one judge; replanned attempts are judged each as it stands. */
export class TraceRefiner {
  constructor(
    private readonly judge: CallJudge,
    private readonly seed: number,
  ) {}

  get backend(): string {
    return this.judge.backend;
  }

  get model(): string {
    return this.judge.model;
  }

  async refine(trace: TraceRaw, rawEventId: string): Promise<RefinedTrace> {
    const judgements = await Promise.all(trace.calls.map((call) => this.judge.judge(call)));
    const message: TraceRefined = {
      conversationId: trace.conversationId,
      turnId: trace.turnId,
      turnIndex: trace.turnIndex,
      tenant: trace.tenant,
      ...(trace.campaignId !== undefined ? { campaignId: trace.campaignId } : {}),
      rawEventId,
      judge: { backend: this.judge.backend, model: this.judge.model, seed: this.seed },
      calls: trace.calls.map((call, index) => {
        const judgement = judgements[index]!;
        return { callId: call.callId, agent: call.agent, prompt: call.prompt, output: call.output, refined: judgement.refined, verdict: judgement.verdict, reasons: [...judgement.reasons] };
      }),
    };
    return { raw: trace, message, judgements };
  }
}
