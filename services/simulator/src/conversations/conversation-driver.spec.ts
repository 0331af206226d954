import { applyMergePatch, DEFAULT_RULES, type JsonValue } from '@distillery/dealership';
import type { BusinessChange, BusinessChangeResult__Output, CreateSessionRequest, SendMessageRequest } from '@distillery/proto';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { CampaignSpec } from '../campaigns/campaign-spec.js';
import { resolveCampaignSpec } from '../campaigns/resolve-campaign-spec.js';
import type { Persona } from '../persona/persona.js';
import type { AgentReply, SimulatorAction, SwitchStep, UserSimulator } from '../policies/user-simulator.js';
import type { AgentsPort } from './agents-port.js';
import { ConversationDriver, type ConversationDriverOptions, type ConversationJournal } from './conversation-driver.js';
import { SwitchGate } from './switch-gate.js';

const VIN = '2T1BURHE5JC123456';
const SOLD_VIN = '1HGCM82633A004352';

const grpcError = (code: number, message: string) => Object.assign(new Error(`${code} ${message}`), { code });

/**
 * The agents as the driver sees them: sessions, replies and a dealership (rules, tools, vehicles)
 * that business changes really change, the way the DealershipAdminService does. Every call is
 * logged in order, with the journal's, so the tests can read what happened when.
 */
class FakeAgents implements AgentsPort {
  readonly log: string[] = [];
  readonly sent: SendMessageRequest[] = [];
  readonly sessions: CreateSessionRequest[] = [];
  readonly changes: BusinessChange[] = [];
  rules: Record<string, unknown> = structuredClone(DEFAULT_RULES) as unknown as Record<string, unknown>;
  readonly vehicles = new Map<string, string>([
    [VIN, 'available'],
    [SOLD_VIN, 'sold'],
  ]);
  /** Failures to throw, per method, before answering. */
  readonly failures: { createSession: Error[]; sendMessage: Error[]; applyBusinessChange: Error[] } = { createSession: [], sendMessage: [], applyBusinessChange: [] };
  reply: (text: string, turn: number) => { reply: string; ended: boolean } = (text) => ({ reply: `you said: ${text}`, ended: false });

  async createSession(request: CreateSessionRequest): Promise<{ sessionId: string }> {
    this.log.push('createSession');
    const failure = this.failures.createSession.shift();
    if (failure) throw failure;
    this.sessions.push(request);
    return { sessionId: `sess_${this.sessions.length}` };
  }

  async sendMessage(request: SendMessageRequest): Promise<{ turnId: string; reply: string; ended: boolean }> {
    this.log.push(`send ${request.text}`);
    this.sent.push(request);
    const failure = this.failures.sendMessage.shift();
    if (failure) throw failure;
    const turn = Number(request.clientMessageId!.split('/').at(-1));
    return { turnId: `turn_${turn}`, ...this.reply(request.text!, turn) };
  }

  async applyBusinessChange(change: BusinessChange): Promise<BusinessChangeResult__Output> {
    this.log.push(`change ${describeChange(change)}`);
    this.changes.push(change);
    const failure = this.failures.applyBusinessChange.shift();
    if (failure) throw failure;
    const previous = this.rules;
    let previousVehicleStatus = '';
    if (change.vehicleStatus) {
      previousVehicleStatus = this.vehicles.get(change.vehicleStatus.vin!)!;
      this.vehicles.set(change.vehicleStatus.vin!, change.vehicleStatus.sold ? 'sold' : 'available');
    } else if (change.rulesPatch) {
      this.rules = applyMergePatch(previous, JSON.parse(change.rulesPatch.mergePatchJson!) as JsonValue);
    } else if (change.toolAvailability) {
      const off = new Set((previous.unavailableTools as string[] | undefined) ?? []);
      if (change.toolAvailability.available) off.delete(change.toolAvailability.tool!);
      else off.add(change.toolAvailability.tool!);
      const { unavailableTools: _old, ...rest } = previous;
      this.rules = off.size ? { ...rest, unavailableTools: [...off].sort() } : rest;
    }
    return { rulesVersion: 1, rulesJson: JSON.stringify(this.rules), previousRulesJson: JSON.stringify(previous), previousVehicleStatus };
  }
}

function describeChange(change: BusinessChange): string {
  if (change.vehicleStatus) return `${change.vehicleStatus.vin} ${change.vehicleStatus.sold ? 'sold' : 'available'}`;
  if (change.toolAvailability) return `${change.toolAvailability.tool} ${change.toolAvailability.available ? 'on' : 'off'}`;
  return `rules ${change.rulesPatch?.mergePatchJson}`;
}

/** A journal that writes into the agents' log, so its calls are ordered with theirs. */
function journalOn(log: string[]): ConversationJournal & { pending: BusinessChange[][] } {
  const pending: BusinessChange[][] = [];
  return {
    pending,
    sessionOpened: async (sessionId) => void log.push(`journal opened ${sessionId}`),
    turnPlayed: async (turns) => void log.push(`journal turn ${turns}`),
    revertsPending: async (reverts) => {
      pending.push(structuredClone([...reverts]));
      log.push(`journal reverts ${reverts.length}`);
    },
  };
}

/** A customer that says what it is told to, and remembers the replies it was given. */
function scripted(actions: readonly SimulatorAction[], seen: Array<AgentReply | undefined> = []): UserSimulator {
  return {
    policy: 'reference',
    open: () => {
      let next = 0;
      return {
        next: async (reply?: AgentReply) => {
          seen.push(reply);
          return actions[next++] ?? { kind: 'exit', reason: 'goal_reached' };
        },
      };
    },
  };
}

const SPEC: CampaignSpec = resolveCampaignSpec({ campaignId: 'camp_drv', count: 10, maxTurns: 6 }, { policy: 'reference', dealershipSeed: 11 });

const PERSONA: Persona = {
  index: 4,
  seed: 77,
  customerRef: 'cust_0042',
  name: 'Ann Lee',
  creditTier: 'good',
  licenceOnFile: true,
  topic: 'a reliable sedan',
  goal: { kind: 'financing', description: 'get a monthly payment estimate', termMonths: 72 },
  style: { typoRate: 0, indirect: false, chatty: false, patience: 3 },
  moves: { changeOfMind: false, multiIntent: false, outOfScope: false, injection: false },
};

function driverOf(agents: FakeAgents, simulator: UserSimulator, options: Partial<ConversationDriverOptions> = {}): ConversationDriver {
  return new ConversationDriver({ agents, simulator, spec: SPEC, gate: new SwitchGate(), stopping: () => false, ...options });
}

const say = (text: string, step?: SwitchStep): SimulatorAction => ({ kind: 'say', text, ...(step ? { switch: step } : {}) });

describe('ConversationDriver: turns', () => {
  it('opens a session tagged SIMULATION, sends each utterance and hands each reply back until EXIT', async () => {
    const agents = new FakeAgents();
    const journal = journalOn(agents.log);
    const seen: Array<AgentReply | undefined> = [];
    agents.reply = (text, turn) => ({ reply: `reply ${turn} to ${text}`, ended: turn === 2 });
    const outcome = await driverOf(agents, scripted([say('hi'), say('any sedans?'), { kind: 'exit', reason: 'goal_reached', detail: 'all done' }], seen)).play(PERSONA, 2, journal);
    expect(agents.sessions).toEqual([
      { customerRef: 'cust_0042', locale: 'en-US', source: 'SIMULATION', campaignId: 'camp_drv', metadata: { conversation: '4', attempt: '2', goal: 'financing', policy: 'reference' } },
    ]);
    expect(agents.sent).toEqual([
      { sessionId: 'sess_1', text: 'hi', clientMessageId: 'camp_drv/4/2/1' },
      { sessionId: 'sess_1', text: 'any sedans?', clientMessageId: 'camp_drv/4/2/2' },
    ]);
    expect(seen).toEqual([undefined, { text: 'reply 1 to hi', ended: false }, { text: 'reply 2 to any sedans?', ended: true }]);
    expect(outcome).toEqual({
      status: 'done',
      exitReason: 'goal_reached',
      exitDetail: 'all done',
      turns: 2,
      transcript: [
        { user: 'hi', reply: 'reply 1 to hi' },
        { user: 'any sedans?', reply: 'reply 2 to any sedans?' },
      ],
      switches: [],
    });
    expect(agents.log).toEqual(['createSession', 'journal opened sess_1', 'send hi', 'journal turn 1', 'send any sedans?', 'journal turn 2']);
  });

  it('records the goal, the customer, the topic, the moves and the planned switch when the session opens', async () => {
    const agents = new FakeAgents();
    const opened: unknown[] = [];
    const journal = { ...journalOn(agents.log), sessionOpened: async (sessionId: string, goal: unknown) => void opened.push({ sessionId, goal }) };
    await driverOf(agents, scripted([])).play({ ...PERSONA, switch: { kind: 'rule_change', rule: 'shorter_terms', atTurn: 2 } }, 1, journal);
    expect(opened).toEqual([
      {
        sessionId: 'sess_1',
        goal: { ...PERSONA.goal, customerRef: 'cust_0042', topic: 'a reliable sedan', moves: PERSONA.moves, switch: { kind: 'rule_change', rule: 'shorter_terms', atTurn: 2 } },
      },
    ]);
  });

  it('ends with EXIT max_turns after maxTurns customer turns', async () => {
    const agents = new FakeAgents();
    const outcome = await driverOf(agents, scripted(Array.from({ length: 20 }, (_, index) => say(`message ${index + 1}`)))).play(PERSONA, 1, journalOn(agents.log));
    expect(outcome).toMatchObject({ status: 'done', exitReason: 'max_turns', turns: 6 });
    expect(agents.sent).toHaveLength(6);
  });
});

describe('ConversationDriver: business switches', () => {
  it('makes each switch right before its utterance, and undoes them newest first at the end, leaving the dealership as it was', async () => {
    const agents = new FakeAgents();
    const before = structuredClone(agents.rules);
    const journal = journalOn(agents.log);
    const gate = new SwitchGate();
    const outcome = await driverOf(
      agents,
      scripted([
        say('hi', { kind: 'tool_removed', tool: 'estimateFinancing' }),
        say('the terms?', { kind: 'rule_change', rule: 'shorter_terms' }),
        say('that one', { kind: 'vehicle_sold', vin: VIN }),
        say('payments?', { kind: 'tool_added', tool: 'estimateFinancing' }),
      ]),
      { gate },
    ).play(PERSONA, 1, journal);

    const shorterTerms = JSON.stringify({ financing: { termsMonths: [24, 36, 48, 60] } });
    expect(agents.log).toEqual([
      'createSession',
      'journal opened sess_1',
      'change estimateFinancing off',
      'journal reverts 1',
      'send hi',
      'journal turn 1',
      `change rules ${shorterTerms}`,
      'journal reverts 2',
      'send the terms?',
      'journal turn 2',
      `change ${VIN} sold`,
      'journal reverts 3',
      'send that one',
      'journal turn 3',
      'change estimateFinancing on',
      'send payments?',
      'journal turn 4',
      // The undo, newest first.
      `change ${VIN} available`,
      `change rules ${JSON.stringify({ financing: { termsMonths: [24, 36, 48, 60, 72, 84] } })}`,
      'change estimateFinancing on',
      'journal reverts 0',
    ]);
    expect(agents.rules).toEqual(before);
    expect(agents.vehicles.get(VIN)).toBe('available');
    expect(agents.changes.map((change) => change.reason)).toEqual([
      'campaign camp_drv conversation 4 turn 1',
      'campaign camp_drv conversation 4 turn 2',
      'campaign camp_drv conversation 4 turn 3',
      'campaign camp_drv conversation 4 turn 4',
      'undo for conversation 4',
      'undo for conversation 4',
      'undo for conversation 4',
    ]);
    expect(outcome).toMatchObject({
      status: 'done',
      switches: [
        { turn: 1, step: { kind: 'tool_removed', tool: 'estimateFinancing' }, applied: true },
        { turn: 2, step: { kind: 'rule_change', rule: 'shorter_terms' }, applied: true, detail: 'financing terms over 60 months are withdrawn' },
        { turn: 3, step: { kind: 'vehicle_sold', vin: VIN }, applied: true },
        { turn: 4, step: { kind: 'tool_added', tool: 'estimateFinancing' }, applied: true },
      ],
    });
    // The gate is free again for the next conversation's switch.
    expect(gate.tryAcquire(5)).toBe(true);
  });

  it('undoes nothing that found the business that way already', async () => {
    const agents = new FakeAgents();
    agents.rules = applyMergePatch(agents.rules, { financing: { termsMonths: [24, 36, 48, 60] } });
    const journal = journalOn(agents.log);
    await driverOf(agents, scripted([say('a', { kind: 'vehicle_sold', vin: SOLD_VIN }), say('b', { kind: 'rule_change', rule: 'shorter_terms' })])).play(PERSONA, 1, journal);
    expect(agents.changes).toHaveLength(2);
    expect(journal.pending).toEqual([]);
    expect(agents.vehicles.get(SOLD_VIN)).toBe('sold');
  });

  it('skips a rule or tool switch while another conversation has one in force, but still sells a vehicle', async () => {
    const agents = new FakeAgents();
    const gate = new SwitchGate();
    gate.tryAcquire(99);
    const skipped: string[] = [];
    const outcome = await driverOf(
      agents,
      scripted([say('a', { kind: 'tool_removed', tool: 'reserveVehicle' }), say('b', { kind: 'rule_change', rule: 'deposit_raised' }), say('c', { kind: 'vehicle_sold', vin: VIN }), say('d', { kind: 'tool_added', tool: 'reserveVehicle' })]),
      { gate, onSwitchSkipped: (step, reason) => skipped.push(`${step.kind}: ${reason}`) },
    ).play(PERSONA, 1, journalOn(agents.log));
    expect(agents.changes.map(describeChange)).toEqual([`${VIN} sold`, `${VIN} available`]);
    expect(outcome).toMatchObject({
      switches: [
        { turn: 1, applied: false, detail: 'another conversation of the campaign has a rule or tool switch in force' },
        { turn: 2, applied: false, detail: 'another conversation of the campaign has a rule or tool switch in force' },
        { turn: 3, applied: true },
        { turn: 4, applied: false, detail: 'the tool was never switched off in this conversation' },
      ],
    });
    expect(skipped).toEqual([
      'tool_removed: another conversation of the campaign has a rule or tool switch in force',
      'rule_change: another conversation of the campaign has a rule or tool switch in force',
    ]);
    // The other conversation still holds its gate.
    expect(gate.holds(99)).toBe(true);
  });

  it('records a refused switch, lets the next one through, and plays on', async () => {
    const agents = new FakeAgents();
    agents.failures.applyBusinessChange.push(grpcError(status.INVALID_ARGUMENT, 'the patched rules are invalid'));
    const gate = new SwitchGate();
    const skipped: string[] = [];
    const outcome = await driverOf(agents, scripted([say('a', { kind: 'rule_change', rule: 'saturday_closed' }), say('b')]), { gate, onSwitchSkipped: (_step, reason) => skipped.push(reason) }).play(
      { ...PERSONA, index: 1 },
      1,
      journalOn(agents.log),
    );
    expect(outcome).toMatchObject({ status: 'done', exitReason: 'goal_reached', turns: 2, switches: [{ turn: 1, applied: false, detail: `${status.INVALID_ARGUMENT} the patched rules are invalid` }] });
    expect(skipped).toEqual([`${status.INVALID_ARGUMENT} the patched rules are invalid`]);
    expect(gate.tryAcquire(2)).toBe(true);
  });
});

describe('ConversationDriver: failures and stopping', () => {
  it('retries transient gRPC failures with the same message id', async () => {
    const agents = new FakeAgents();
    agents.failures.createSession.push(grpcError(status.UNAVAILABLE, 'agents restarting'));
    agents.failures.sendMessage.push(grpcError(status.UNAVAILABLE, 'busy'), grpcError(status.RESOURCE_EXHAUSTED, 'rate limited'));
    const outcome = await driverOf(agents, scripted([say('hello')])).play(PERSONA, 1, journalOn(agents.log));
    expect(outcome).toMatchObject({ status: 'done', exitReason: 'goal_reached', turns: 1, transcript: [{ user: 'hello', reply: 'you said: hello' }] });
    expect(agents.log.filter((entry) => entry === 'createSession')).toHaveLength(2);
    expect(agents.sent.map((request) => request.clientMessageId)).toEqual(['camp_drv/4/1/1', 'camp_drv/4/1/1', 'camp_drv/4/1/1']);
  });

  it('ends handed_off when the agents closed the session under it, and still undoes its switches', async () => {
    const agents = new FakeAgents();
    agents.failures.sendMessage.push(grpcError(status.FAILED_PRECONDITION, 'session sess_1 is closed'));
    const outcome = await driverOf(agents, scripted([say('a', { kind: 'vehicle_sold', vin: VIN }), say('b')])).play(PERSONA, 1, journalOn(agents.log));
    expect(outcome).toEqual({ status: 'done', exitReason: 'handed_off', exitDetail: `${status.FAILED_PRECONDITION} session sess_1 is closed`, turns: 0, transcript: [], switches: [{ turn: 1, step: { kind: 'vehicle_sold', vin: VIN }, applied: true }] });
    expect(agents.vehicles.get(VIN)).toBe('available');
    expect(agents.sent).toHaveLength(1);
  });

  it('fails the conversation on a lasting error, keeping what was played and undoing the switches', async () => {
    const agents = new FakeAgents();
    agents.reply = (text, turn) => {
      if (turn === 2) throw grpcError(status.INTERNAL, 'pipeline crashed');
      return { reply: `ok ${text}`, ended: false };
    };
    const gate = new SwitchGate();
    const outcome = await driverOf(agents, scripted([say('a', { kind: 'rule_change', rule: 'deposit_raised' }), say('b'), say('c')]), { gate }).play(PERSONA, 1, journalOn(agents.log));
    expect(outcome).toMatchObject({ status: 'failed', error: `${status.INTERNAL} pipeline crashed`, turns: 1, transcript: [{ user: 'a', reply: 'ok a' }] });
    expect(agents.rules).toEqual(DEFAULT_RULES);
    expect(agents.sent).toHaveLength(2);
    expect(gate.tryAcquire(5)).toBe(true);
  });

  it('fails the conversation when the simulator fails', async () => {
    const agents = new FakeAgents();
    const broken: UserSimulator = { policy: 'llm', open: () => ({ next: async () => Promise.reject(new Error('the simulator model gave no usable utterance')) }) };
    expect(await driverOf(agents, broken).play(PERSONA, 1, journalOn(agents.log))).toEqual({ status: 'failed', error: 'the simulator model gave no usable utterance', turns: 0, transcript: [], switches: [] });
  });

  it('abandons the conversation between turns once the runner drains, undoing its switches', async () => {
    const agents = new FakeAgents();
    let stopping = false;
    agents.reply = (text, turn) => {
      if (turn === 2) stopping = true;
      return { reply: `ok ${text}`, ended: false };
    };
    const journal = journalOn(agents.log);
    const outcome = await driverOf(agents, scripted([say('a', { kind: 'vehicle_sold', vin: VIN }), say('b'), say('c'), say('d')]), { stopping: () => stopping }).play(PERSONA, 1, journal);
    expect(outcome).toEqual({ status: 'abandoned' });
    expect(agents.sent.map((request) => request.text)).toEqual(['a', 'b']);
    expect(agents.vehicles.get(VIN)).toBe('available');
    expect(journal.pending.at(-1)).toEqual([]);
  });

  it('abandons rather than fails when an error comes while draining', async () => {
    const agents = new FakeAgents();
    let stopping = false;
    agents.reply = () => {
      stopping = true;
      throw grpcError(status.UNAVAILABLE, 'shutting down');
    };
    expect(await driverOf(agents, scripted([say('a')]), { stopping: () => stopping }).play(PERSONA, 1, journalOn(agents.log))).toEqual({ status: 'abandoned' });
    expect(agents.sent).toHaveLength(1);
  });

  it('leaves the reverts pending when the undo fails, and frees the gate', async () => {
    const agents = new FakeAgents();
    const gate = new SwitchGate();
    const journal = journalOn(agents.log);
    // The switch goes through; its undo (the second change) is refused for good.
    const apply = agents.applyBusinessChange.bind(agents);
    let calls = 0;
    agents.applyBusinessChange = async (change) => {
      calls++;
      if (calls === 2) throw grpcError(status.PERMISSION_DENIED, 'not an admin tenant');
      return apply(change);
    };
    const playing = driverOf(agents, scripted([say('a', { kind: 'rule_change', rule: 'longer_lead_time' })]), { gate }).play(PERSONA, 1, journal);
    const outcome = await playing;
    expect(outcome).toMatchObject({ status: 'done', switches: [{ applied: true }] });
    expect(journal.pending).toEqual([[{ rulesPatch: { mergePatchJson: JSON.stringify({ testDrives: { leadTimeHours: 2 } }) } }]]);
    expect(gate.tryAcquire(5)).toBe(true);
  });
});
