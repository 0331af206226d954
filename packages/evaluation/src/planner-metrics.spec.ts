import { DEFAULT_RULES, DealershipToolbox, EMPTY_DIALOGUE, openDealershipMemoryDatabase, planCode, plannerPrompt, renderRules, seedDealership, type ToolDescription } from '@distillery/dealership';
import { renderTranscript } from '@distillery/llm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRowPrompt } from './call-prompt.js';
import type { EvalRow } from './eval-row.js';
import { PlanExecutor } from './plan-executor.js';
import { planSetting } from './plan-setting.js';
import { scoreCall } from './score-call.js';
import { fixtureRow } from './testing/fixture-rows.js';

const BOOKING = fixtureRow('planner', 'booking');
const SEARCH = fixtureRow('planner', 'search');

describe('the Planner metrics', () => {
  const executor = new PlanExecutor();
  let tools: readonly ToolDescription[];

  beforeAll(async () => {
    const database = await openDealershipMemoryDatabase();
    await seedDealership(database.dataSource, { seed: 7 });
    tools = (await DealershipToolbox.open(database.dataSource)).describe();
    await database.close();
  });
  afterAll(() => executor.close());

  /** A production-profile Planner prompt (business rules shown) for a reservation, under `rules` and with only `offered` tools. */
  const reservationRow = (output: string, rules = DEFAULT_RULES, offered = (tool: ToolDescription) => Boolean(tool)): EvalRow => ({
    id: 'reserve:call_2',
    agent: 'planner',
    output,
    prompt: renderTranscript(
      plannerPrompt({ profile: 'production', tools: tools.filter(offered), rules: renderRules(rules), dialogue: EMPTY_DIALOGUE, now: new Date('2026-12-06T10:00:00Z'), utcOffsetMinutes: 0 }, 'hold the corolla for me', {
        intents: ['reserve_vehicle'], entities: { vin: 'UPSHV1JF0KGNKUK9J' }, state: {}, outOfScope: false,
      }, undefined),
    ),
  });
  const reserve = (deposit: number) => `const reservation = reserveVehicle({ vin: "UPSHV1JF0KGNKUK9J", deposit: ${deposit} });\nreturn { intents: ["reserve_vehicle"], reservation };`;

  it('give full marks to a copy of the teacher', async () => {
    for (const row of [BOOKING, SEARCH]) expect(await scoreCall(row, row.output, { executor })).toEqual({ id: row.id, agent: 'planner', turnId: row.turnId, metrics: { plan_valid: 1, rule_violations: 0, execution_equivalent: 1 }, problems: [] });
  });

  it('run each plan on its own fresh copy of the dealership: the same booking succeeds every time', async () => {
    const setting = planSetting(readRowPrompt('planner', BOOKING.prompt)!)!;
    const [first, second] = [await executor.run(planCode(BOOKING.output), setting), await executor.run(`${planCode(BOOKING.output)}\n`, setting)];
    for (const run of [first, second]) {
      expect(run.toolCalls).toMatchObject([{ tool: 'scheduleTestDrive', result: { ok: true, testDrive: { slot: '2026-12-12T12:00' } } }]);
      expect(run.effects.testDrives).toMatchObject([{ vin: 'UPSHV1JF0KGNKUK9J', slot: '2026-12-12T12:00', status: 'scheduled' }]);
    }
  });

  it('judge equivalence by what runs, not by the text: other names, argument order and layout are equivalent', async () => {
    const rewritten = [
      'let drive = scheduleTestDrive({slot: "2026-12-12T12:00", vin: "UPSHV1JF0KGNKUK9J"});',
      'let other = null;',
      'if (!drive.ok && drive.error.code !== "NOT_FOUND" && drive.error.code !== "VEHICLE_SOLD") other = availableSlots({ date: "2026-12-12", vin: "UPSHV1JF0KGNKUK9J" });',
      'return { intents: ["schedule_test_drive"], drive, alternatives: other };',
    ].join('\n');
    expect((await scoreCall(BOOKING, rewritten, { executor })).metrics).toEqual({ plan_valid: 1, rule_violations: 0, execution_equivalent: 1 });
  });

  it('find a plan with different arguments not equivalent', async () => {
    const score = await scoreCall(BOOKING, BOOKING.output.replaceAll('2026-12-12T12:00', '2026-12-12T13:00'), { executor });
    expect(score.metrics).toEqual({ plan_valid: 1, rule_violations: 0, execution_equivalent: 0 });
    expect(score.problems).toContain('the plan calls scheduleTestDrive({"slot":"2026-12-12T13:00","vin":"UPSHV1JF0KGNKUK9J"}), which the reference plan does not');
    expect(score.problems.some((problem) => problem.startsWith('the plan leaves the dealership with 1 test drive(s) and 0 reservation(s) that differ'))).toBe(true);
    expect((await scoreCall(SEARCH, SEARCH.output.replace('limit: 5', 'limit: 3'), { executor })).metrics.execution_equivalent).toBe(0);
  });

  it('find a plan that calls a different tool not equivalent', async () => {
    const score = await scoreCall(BOOKING, 'const slots = availableSlots({ vin: "UPSHV1JF0KGNKUK9J", date: "2026-12-12" });\nreturn { intents: ["schedule_test_drive"], slots };', { executor });
    expect(score.metrics.execution_equivalent).toBe(0);
    expect(score.problems.slice(0, 2)).toEqual([
      'the plan never calls scheduleTestDrive({"slot":"2026-12-12T12:00","vin":"UPSHV1JF0KGNKUK9J"}), which the reference plan does',
      'the plan calls availableSlots({"date":"2026-12-12","vin":"UPSHV1JF0KGNKUK9J"}), which the reference plan does not',
    ]);
  });

  it('find a plan with the same calls but other effects not equivalent: it books, then cancels', async () => {
    const cancelling = `${planCode(BOOKING.output).replace(/return [^\n]*$/, '')}const cancelled = cancelTestDrive({ testDriveId: booking.testDrive.id });\nreturn { intents: ["schedule_test_drive"], booking, alternatives };`;
    const score = await scoreCall(BOOKING, cancelling, { executor });
    expect(score.metrics).toEqual({ plan_valid: 1, rule_violations: 0, execution_equivalent: 0 });
    expect(score.problems.join('\n')).toMatch(/calls cancelTestDrive/);
  });

  it('count a business rule the prompt states: a $700 deposit breaks a $1,000 minimum, not the default $500', async () => {
    const stricter = { ...DEFAULT_RULES, reservations: { ...DEFAULT_RULES.reservations, minDeposit: 1_000 } };
    const broken = await scoreCall(reservationRow(reserve(1_000), stricter), reserve(700), { executor });
    expect(broken.metrics).toEqual({ plan_valid: 0, rule_violations: 1, execution_equivalent: 0 });
    expect(broken.problems).toEqual(['the Evaluator rejects the plan: line 1:20 RULE_VIOLATION: reserveVehicle: the deposit must be at least $1000']);
    expect((await scoreCall(reservationRow(reserve(700)), reserve(700), { executor })).metrics).toEqual({ plan_valid: 1, rule_violations: 0, execution_equivalent: 1 });
  });

  it('reject a call of a tool the prompt does not offer, as the Evaluator does for one switched off', async () => {
    const row = reservationRow(reserve(1_000), DEFAULT_RULES, (tool) => tool.name !== 'reserveVehicle');
    const score = await scoreCall(row, reserve(1_000), { executor });
    expect(score.metrics).toEqual({ plan_valid: 0, rule_violations: 0, execution_equivalent: 0 });
    expect(score.problems.some((problem) => problem.includes('UNKNOWN_TOOL: reserveVehicle is not a tool'))).toBe(true);
  });
});
