import { inverseMergePatch, type JsonValue } from '@distillery/dealership';
import type { BusinessChange, BusinessChangeResult__Output } from '@distillery/proto';
import { status } from '@grpc/grpc-js';
import type { CampaignSpec } from '../campaigns/campaign-spec.js';
import type { ConversationResult, SwitchRecord } from '../campaigns/campaign-store.js';
import type { Persona } from '../persona/persona.js';
import type { Exchange } from '../policies/simulator-prompt.js';
import type { AgentReply, SimulatorAction, SwitchStep, UserSimulator } from '../policies/user-simulator.js';
import type { AgentsPort } from './agents-port.js';
import { RULE_SWITCHES } from './business-switches.js';
import { grpcCode, withGrpcRetry } from './grpc-retry.js';
import type { SwitchGate } from './switch-gate.js';

/** Where a conversation records itself as it goes, so a crash leaves enough behind to resume cleanly. */
export interface ConversationJournal {
  sessionOpened(sessionId: string, goal: unknown): Promise<void>;
  turnPlayed(turns: number): Promise<void>;
  /** What the switches made so far would take to undo; written right after each switch. */
  revertsPending(reverts: readonly BusinessChange[]): Promise<void>;
}

export interface ConversationDriverOptions {
  readonly agents: AgentsPort;
  readonly simulator: UserSimulator;
  readonly spec: CampaignSpec;
  readonly gate: SwitchGate;
  /** True once the runner drains: the conversation stops between turns, unfinished. */
  readonly stopping: () => boolean;
  readonly onSwitchSkipped?: (step: SwitchStep, reason: string) => void;
}

/** How one attempt at a conversation ended; `abandoned` attempts go back to pending. */
export type ConversationOutcome = ConversationResult | { readonly status: 'abandoned' };

/**
 * Plays one conversation against the agents over gRPC: opens a session tagged SIMULATION with the
 * campaign id, then asks the simulator for u_i and sends it, until the simulator answers EXIT or
 * `maxTurns` customer turns are played. Business switches go to the agents right before the
 * utterance that brings them; whatever they changed is undone when the conversation ends.
 */
export class ConversationDriver {
  constructor(private readonly options: ConversationDriverOptions) {}

  async play(persona: Persona, attempt: number, journal: ConversationJournal): Promise<ConversationOutcome> {
    const { agents, spec } = this.options;
    const transcript: Exchange[] = [];
    const switches: SwitchRecord[] = [];
    const reverts: BusinessChange[] = [];
    const finish = (result: Omit<ConversationResult, 'transcript' | 'switches' | 'turns'>): ConversationResult => ({ ...result, turns: transcript.length, transcript, switches });
    try {
      const session = await withGrpcRetry(() =>
        agents.createSession({
          customerRef: persona.customerRef,
          locale: 'en-US',
          source: 'SIMULATION',
          campaignId: spec.campaignId,
          metadata: { conversation: String(persona.index), attempt: String(attempt), goal: persona.goal.kind, policy: spec.policy },
        }),
      );
      await journal.sessionOpened(session.sessionId, { ...persona.goal, customerRef: persona.customerRef, topic: persona.topic, moves: persona.moves, switch: persona.switch ?? null });
      const customer = this.options.simulator.open(persona, spec);
      let reply: AgentReply | undefined;
      for (;;) {
        if (this.options.stopping()) return { status: 'abandoned' };
        const action: SimulatorAction = await customer.next(reply);
        if (action.kind === 'exit') return finish({ status: 'done', exitReason: action.reason, ...(action.detail ? { exitDetail: action.detail } : {}) });
        if (transcript.length >= spec.maxTurns) return finish({ status: 'done', exitReason: 'max_turns' });
        if (action.switch) await this.applySwitch(action.switch, persona.index, transcript.length + 1, switches, reverts, journal);
        const turn = transcript.length + 1;
        let answer: { reply: string; ended: boolean };
        try {
          answer = await withGrpcRetry(
            () => agents.sendMessage({ sessionId: session.sessionId, text: action.text, clientMessageId: `${spec.campaignId}/${persona.index}/${attempt}/${turn}` }),
            8,
            this.options.stopping,
          );
        } catch (error) {
          // The agents closed the session under us (a hand-off the reply did not show): the conversation is over.
          if (grpcCode(error) === status.FAILED_PRECONDITION) return finish({ status: 'done', exitReason: 'handed_off', exitDetail: (error as Error).message });
          throw error;
        }
        transcript.push({ user: action.text, reply: answer.reply });
        await journal.turnPlayed(transcript.length);
        reply = { text: answer.reply, ended: answer.ended };
      }
    } catch (error) {
      if (this.options.stopping()) return { status: 'abandoned' };
      return finish({ status: 'failed', error: describe(error) });
    } finally {
      await this.undo(reverts, persona.index, journal);
    }
  }

  /** Makes the switch (or records why not) and remembers how to undo it. */
  private async applySwitch(step: SwitchStep, conversation: number, turn: number, switches: SwitchRecord[], reverts: BusinessChange[], journal: ConversationJournal): Promise<void> {
    const { agents, gate, spec } = this.options;
    const record = (applied: boolean, detail?: string) => switches.push({ turn, step: { ...step }, applied, ...(detail ? { detail } : {}) });
    const global = step.kind !== 'vehicle_sold';
    if (step.kind === 'tool_added' && !gate.holds(conversation)) return void record(false, 'the tool was never switched off in this conversation');
    if (global && !gate.tryAcquire(conversation)) {
      this.options.onSwitchSkipped?.(step, 'another conversation of the campaign has a rule or tool switch in force');
      return void record(false, 'another conversation of the campaign has a rule or tool switch in force');
    }
    const change = changeOf(step);
    let result: BusinessChangeResult__Output;
    try {
      result = await withGrpcRetry(() => agents.applyBusinessChange({ ...change, reason: `campaign ${spec.campaignId} conversation ${conversation} turn ${turn}` }));
    } catch (error) {
      if (global && step.kind !== 'tool_added') gate.release(conversation);
      this.options.onSwitchSkipped?.(step, describe(error));
      return void record(false, describe(error));
    }
    const revert = revertOf(step, change, result);
    if (revert) {
      reverts.push(revert);
      await journal.revertsPending(reverts);
    }
    record(true, step.kind === 'rule_change' ? RULE_SWITCHES[step.rule]?.description : undefined);
  }

  /** Undoes the conversation's switches, newest first, and lets the next switch of the campaign through. */
  private async undo(reverts: BusinessChange[], conversation: number, journal: ConversationJournal): Promise<void> {
    try {
      for (const revert of reverts.reverse()) await withGrpcRetry(() => this.options.agents.applyBusinessChange({ ...revert, reason: `undo for conversation ${conversation}` }));
      if (reverts.length) await journal.revertsPending([]);
    } catch {
      // Left in pending_reverts: the campaign undoes them when it resumes.
    } finally {
      this.options.gate.release(conversation);
    }
  }
}

/** The agents' business change a switch step asks for. */
export function changeOf(step: SwitchStep): BusinessChange {
  switch (step.kind) {
    case 'vehicle_sold':
      return { vehicleStatus: { vin: step.vin, sold: true } };
    case 'rule_change': {
      const rule = RULE_SWITCHES[step.rule];
      if (!rule) throw new Error(`unknown rule switch ${step.rule}`);
      return { rulesPatch: { mergePatchJson: JSON.stringify(rule.patch) } };
    }
    case 'tool_removed':
      return { toolAvailability: { tool: step.tool, available: false } };
    case 'tool_added':
      return { toolAvailability: { tool: step.tool, available: true } };
  }
}

/** What undoes a switch that changed something; nothing when it found the business that way already. */
export function revertOf(step: SwitchStep, change: BusinessChange, result: BusinessChangeResult__Output): BusinessChange | undefined {
  const previous = JSON.parse(result.previousRulesJson || '{}') as { unavailableTools?: string[] };
  switch (step.kind) {
    case 'vehicle_sold':
      return result.previousVehicleStatus === 'available' ? { vehicleStatus: { vin: step.vin, sold: false } } : undefined;
    case 'rule_change':
      return result.rulesJson === result.previousRulesJson ? undefined : { rulesPatch: { mergePatchJson: JSON.stringify(inverseMergePatch(previous, JSON.parse(change.rulesPatch!.mergePatchJson!) as JsonValue)) } };
    case 'tool_removed':
      return previous.unavailableTools?.includes(step.tool) ? undefined : { toolAvailability: { tool: step.tool, available: true } };
    case 'tool_added':
      return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
