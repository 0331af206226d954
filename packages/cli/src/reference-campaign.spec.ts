import { type ReferenceAgents, startReferenceAgents } from '@distillery/agents';
import { DEFAULT_RULES } from '@distillery/dealership';
import {
  ConversationDriver, type ConversationOutcome, EXIT_REASONS, type GoalKind, INJECTION_MARKERS, type Persona, PersonaGenerator, type ReplyReading, readReply, referenceSimulator, resolveCampaignSpec, SwitchGate,
} from '@distillery/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DEALERSHIP_SEED = 11;
const COUNT = 60;

/** What in the agents' replies shows that a goal was reached. */
const REACHED: Readonly<Record<GoalKind, (reading: ReplyReading) => boolean>> = {
  browse: (reading) => reading.details,
  test_drive: (reading) => reading.booked !== undefined,
  cancel_test_drive: (reading) => reading.cancelled,
  financing: (reading) => reading.payment,
  trade_in: (reading) => reading.offer,
  reservation: (reading) => reading.reserved,
  opening_hours: (reading) => reading.hours,
  hand_off: (reading) => reading.handedOff,
};

interface Played {
  readonly persona: Persona;
  readonly sessionId: string;
  readonly outcome: ConversationOutcome;
}

/**
 * A campaign of the reference simulator against the real agents service (reference teacher with
 * no deliberate mistakes, PGlite, its gRPC API and DealershipAdminService on loopback), driven by
 * the ConversationDriver over the AgentsClient the simulator uses in production.
 */
describe('the reference simulator against the real agents pipeline', () => {
  let agents: ReferenceAgents;
  const spec = resolveCampaignSpec({ campaignId: 'camp_reference_e2e', count: COUNT, seed: 3, concurrency: 4, injectionRate: 0.2, switchRate: 0.2 }, { policy: 'reference', dealershipSeed: DEALERSHIP_SEED });
  const played: Played[] = [];

  beforeAll(async () => {
    agents = await startReferenceAgents({ seed: DEALERSHIP_SEED, tenant: 'simulator', env: { DISTILLERY_AGENTS_ADMIN_TENANTS: 'simulator' } });
    const generator = new PersonaGenerator(spec);
    const driver = new ConversationDriver({ agents: agents.client, simulator: referenceSimulator, spec, gate: new SwitchGate(), stopping: () => false });
    let next = 0;
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (next < COUNT) {
          const persona = generator.persona(next++);
          let sessionId = '';
          const outcome = await driver.play(persona, 1, {
            sessionOpened: async (id) => void (sessionId = id),
            turnPlayed: async () => undefined,
            revertsPending: async () => undefined,
          });
          played.push({ persona, sessionId, outcome });
        }
      }),
    );
    played.sort((a, b) => a.persona.index - b.persona.index);
  }, 240_000);

  afterAll(() => agents?.close());

  const done = () => played.flatMap(({ persona, sessionId, outcome }) => (outcome.status === 'done' ? [{ persona, sessionId, outcome }] : []));

  it('plays every conversation to its end: none failed or abandoned', () => {
    expect(played).toHaveLength(COUNT);
    expect(played.filter(({ outcome }) => outcome.status !== 'done').map(({ persona, outcome }) => ({ index: persona.index, outcome }))).toEqual([]);
    expect(done().filter(({ outcome }) => !EXIT_REASONS.includes(outcome.exitReason!) || outcome.turns > spec.maxTurns || outcome.turns < 1)).toEqual([]);
  });

  it('reaches the goal in most conversations', () => {
    const reached = done().filter(({ outcome }) => outcome.exitReason === 'goal_reached').length;
    expect(reached / COUNT).toBeGreaterThanOrEqual(0.8);
    // Every goal kind played in four conversations or more is reached at least once.
    const kinds = (filter: (entry: ReturnType<typeof done>[number]) => boolean) => done().filter(filter).map(({ persona }) => persona.goal.kind);
    const common = new Set(kinds(() => true).filter((kind, _index, all) => all.filter((other) => other === kind).length >= 4));
    expect(common.size).toBeGreaterThanOrEqual(6);
    expect(new Set(kinds(({ outcome }) => outcome.exitReason === 'goal_reached').filter((kind) => common.has(kind)))).toEqual(common);
  });

  it('exits goal_reached only when an agents reply shows the goal reached', () => {
    const unsupported = done()
      .filter(({ outcome }) => outcome.exitReason === 'goal_reached')
      .filter(({ persona, outcome }) => !outcome.transcript.some((exchange) => REACHED[persona.goal.kind](readReply(exchange.reply))))
      .map(({ persona, outcome }) => ({ index: persona.index, goal: persona.goal.kind, transcript: outcome.transcript }));
    expect(unsupported).toEqual([]);
  });

  it('opens every session tagged SIMULATION with the campaign, and the agents saw every turn', async () => {
    const sessions = await Promise.all(done().map(async ({ sessionId, outcome }) => ({ session: await agents.client.getSession(sessionId), outcome })));
    expect(sessions.map(({ session }) => ({ source: session.source, campaignId: session.campaignId }))).toEqual(done().map(() => ({ source: 'SIMULATION', campaignId: 'camp_reference_e2e' })));
    expect(sessions.filter(({ session, outcome }) => session.turns.length !== outcome.turns)).toEqual([]);
  });

  it('tries a prompt injection only where the persona plans one, at most once', () => {
    const attempts = done().map(({ persona, outcome }) => ({ planned: persona.moves.injection, count: outcome.transcript.filter((exchange) => INJECTION_MARKERS.test(exchange.user)).length }));
    expect(attempts.filter(({ planned, count }) => count > 1 || (!planned && count > 0))).toEqual([]);
    expect(attempts.filter(({ count }) => count === 1).length).toBeGreaterThan(3);
  });

  it('makes business switches mid-conversation and leaves the dealership as it found it', async () => {
    const switches = done().flatMap(({ outcome }) => outcome.switches);
    expect(switches.filter((record) => record.applied).length).toBeGreaterThan(3);
    expect(switches.filter((record) => record.applied && record.step.kind !== 'tool_removed' && record.turn < 2)).toEqual([]);
    const dataSource = agents.app.platform.database.dataSource;
    const [dealership] = (await dataSource.query('SELECT rules FROM agents.dealership WHERE id = 1')) as Array<{ rules: unknown }>;
    expect(dealership!.rules).toEqual(DEFAULT_RULES);
    const sold = switches.filter((record) => record.applied && record.step.kind === 'vehicle_sold').map((record) => record.step.vin!);
    const statuses = (await dataSource.query('SELECT vin, status FROM agents.vehicles WHERE vin = ANY($1)', [sold])) as Array<{ vin: string; status: string }>;
    expect(statuses.filter((vehicle) => vehicle.status !== 'available')).toEqual([]);
    expect(statuses).toHaveLength(new Set(sold).size);
  });
});
