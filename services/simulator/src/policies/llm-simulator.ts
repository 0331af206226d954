import type { ModelPort } from '@distillery/llm';
import type { CampaignSpec } from '../campaigns/campaign-spec.js';
import { SimulatorOutputError } from '../errors/simulator-output.error.js';
import type { Persona } from '../persona/persona.js';
import { readReply } from '../persona/reply-reading.js';
import { mixSeed } from '../persona/seeded.js';
import { cleanUtterance, readExit } from './exit-token.js';
import { type Exchange, simulatorMessages, simulatorSystemPrompt } from './simulator-prompt.js';
import type { AgentReply, SimulatedCustomer, SimulatorAction, SwitchStep, UserSimulator } from './user-simulator.js';

const NUDGE = '(Write your next message to the assistant, or EXIT with the reason if you are done.)';

/**
 * One `llm` customer: every utterance is u_i = S(H<i, N, I, E, Φ_S) from an OpenAI-compatible
 * model, seeded per conversation and turn. The persona's planned business switch happens at its
 * turn: a tool off from the start and back then, a rule changed, or the vehicle last named in a
 * reply sold.
 */
export class LlmCustomer implements SimulatedCustomer {
  private readonly history: Exchange[] = [];
  private readonly system: string;
  private lastSaid: string | undefined;
  private lastVin: string | undefined;

  constructor(
    private readonly model: ModelPort,
    private readonly persona: Persona,
    private readonly spec: CampaignSpec,
  ) {
    this.system = simulatorSystemPrompt(persona, spec);
  }

  async next(reply?: AgentReply): Promise<SimulatorAction> {
    if (reply && this.lastSaid !== undefined) {
      this.history.push({ user: this.lastSaid, reply: reply.text });
      this.lastVin = readReply(reply.text).vins.at(-1) ?? this.lastVin;
      // The agents closed the conversation: nothing more can be said in it.
      if (reply.ended) return { kind: 'exit', reason: readReply(reply.text).handedOff ? 'handed_off' : 'goal_reached' };
    }
    const turn = this.history.length + 1;
    let output = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      const completion = await this.model.complete({
        role: 'simulator',
        messages: simulatorMessages(this.system, this.history, attempt ? NUDGE : undefined),
        temperature: this.spec.llm.temperature,
        maxTokens: this.spec.llm.maxTokens,
        seed: mixSeed(this.spec.seed, this.persona.index, turn, attempt),
        stop: ['\n\n'],
      });
      output = completion.text;
      const exit = readExit(completion.text);
      if (exit) return { kind: 'exit', reason: exit.reason };
      const text = cleanUtterance(completion.text);
      if (!text) continue;
      this.lastSaid = text;
      const switchStep = this.switchAt(turn);
      return { kind: 'say', text, ...(switchStep ? { switch: switchStep } : {}) };
    }
    throw new SimulatorOutputError(this.persona.index, output);
  }

  private switchAt(turn: number): SwitchStep | undefined {
    const planned = this.persona.switch;
    if (!planned) return undefined;
    if (planned.kind === 'tool_added') return turn === 1 ? { kind: 'tool_removed', tool: planned.tool! } : turn === planned.atTurn ? { kind: 'tool_added', tool: planned.tool! } : undefined;
    if (turn !== planned.atTurn) return undefined;
    if (planned.kind === 'rule_change') return { kind: 'rule_change', rule: planned.rule! };
    return this.lastVin ? { kind: 'vehicle_sold', vin: this.lastVin } : undefined;
  }
}

/** The `llm` policy over a model port (the openai adapter of @distillery/llm). */
export function llmSimulator(model: ModelPort): UserSimulator {
  return { policy: 'llm', open: (persona: Persona, spec: CampaignSpec) => new LlmCustomer(model, persona, spec) };
}
