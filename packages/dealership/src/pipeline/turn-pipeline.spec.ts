import { ReferenceModel, type ReferencePolicy } from '@distillery/llm';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PlanSandbox } from '../plans/plan-sandbox.js';
import { EMPTY_DIALOGUE } from './dialogue-state.js';
import type { Toolbox } from './toolbox.js';
import { FALLBACK_REPLY, type TurnProgress, TurnPipeline } from './turn-pipeline.js';

const handedOff: string[] = [];
const toolbox: Toolbox = {
  catalog: {
    dealershipInfo: { args: z.object({ location: z.string().optional() }) },
    handOffToHuman: { args: z.object({ reason: z.string() }) },
  },
  describe: () => [
    { name: 'dealershipInfo', description: 'Opening hours and addresses.', argsSchema: {}, returns: '{ok, locations}' },
    { name: 'handOffToHuman', description: 'Asks a person to follow up.', argsSchema: {}, returns: '{ok}' },
  ],
  rulesText: async () => 'Open Monday to Saturday.',
  bind: () => ({
    dealershipInfo: async () => ({ ok: true, locations: [{ name: 'Downtown', hours: '09:00-19:00' }] }),
    handOffToHuman: async (args) => {
      handedOff.push(String(args.reason));
      return { ok: true };
    },
  }),
};

const context = { tenant: 't', customerId: 'c1', now: new Date('2026-11-24T10:00:00Z') };
const understander: ReferencePolicy = () => '{"intents":["dealership_info"],"entities":{},"state":{}}';
const explainer: ReferencePolicy = (request) => (request.messages.at(-1)!.content.includes('Downtown') ? 'Downtown is open 09:00-19:00.' : 'Sorry.');

function pipeline(planner: ReferencePolicy, llmEvaluatorVolume = 10_000, evaluator: ReferencePolicy = () => '{"approve":true}') {
  const progress: TurnProgress[] = [];
  const model = new ReferenceModel({ understander, planner, evaluator, explainer });
  return { progress, pipeline: new TurnPipeline(model, toolbox, sandbox, { profile: 'production', maxReplans: 2, llmEvaluatorVolume }, (event) => progress.push(event)) };
}
const sandbox = new PlanSandbox();
afterAll(() => sandbox.close());

describe('TurnPipeline', () => {
  it('runs the five agents and records every model call', async () => {
    const { pipeline: turn, progress } = pipeline(() => 'const info = dealershipInfo({});\nreturn { info };');
    const result = await turn.run('when are you open?', EMPTY_DIALOGUE, context);
    expect(result.reply).toBe('Downtown is open 09:00-19:00.');
    expect(result.calls.map((call) => call.agent)).toEqual(['understander', 'planner', 'explainer']);
    expect(result.calls[1]!.prompt).toContain('## Business rules\nOpen Monday to Saturday.');
    expect(result.toolCalls.map((call) => call.tool)).toEqual(['dealershipInfo']);
    expect(result.plan).toMatchObject({ llmEvaluatorRan: false, replans: 0 });
    expect(result.dialogue.history).toEqual([{ user: 'when are you open?', reply: 'Downtown is open 09:00-19:00.' }]);
    // Where the turn's time went: every model call, the static Evaluator, the sandbox with its tools counted apart.
    expect(result.timings.modelMs).toBeCloseTo(result.calls.reduce((sum, call) => sum + call.latencyMs, 0), 6);
    expect(result.timings.toolsMs).toBeCloseTo(result.toolCalls[0]!.latencyMs, 6);
    expect(result.timings.sandboxMs).toBeGreaterThanOrEqual(result.timings.toolsMs);
    expect(result.timings.evaluatorMs).toBeGreaterThan(0);
    expect(progress.map((event) => `${event.agent}:${event.status}`)).toEqual([
      'understander:started', 'understander:done', 'planner:started', 'planner:done', 'evaluator:started', 'evaluator:done', 'executor:started', 'executor:done', 'explainer:started', 'explainer:done',
    ]);
  });

  it('sends violations back to the Planner and runs the corrected plan', async () => {
    let attempts = 0;
    const { pipeline: turn } = pipeline((request) => {
      attempts++;
      return request.messages.at(-1)!.content.includes('UNKNOWN_TOOL') ? 'return { info: dealershipInfo({}) };' : 'return openingHours({});';
    });
    const result = await turn.run('when are you open?', EMPTY_DIALOGUE, context);
    expect(attempts).toBe(2);
    expect(result.plan?.replans).toBe(1);
    expect(result.calls.filter((call) => call.agent === 'planner').map((call) => call.attempt)).toEqual([1, 2]);
    expect(result.reply).toContain('Downtown');
  });

  it('asks the LLM evaluator only above the Halstead threshold, and replans on its rejection', async () => {
    const plan = () => 'const info = dealershipInfo({});\nreturn { info };';
    const below = await pipeline(plan, 10_000).pipeline.run('hours?', EMPTY_DIALOGUE, context);
    expect(below.calls.some((call) => call.agent === 'evaluator')).toBe(false);
    let reviews = 0;
    const above = await pipeline(plan, 1, () => (++reviews === 1 ? '{"approve":false,"feedback":"ask for the location first"}' : '{"approve":true}')).pipeline.run('hours?', EMPTY_DIALOGUE, context);
    expect(above.plan).toMatchObject({ llmEvaluatorRan: true, replans: 1 });
    expect(above.calls.filter((call) => call.agent === 'evaluator')).toHaveLength(2);
    expect(above.calls.find((call) => call.agent === 'planner' && call.attempt === 2)!.prompt).toContain('ask for the location first');
  });

  it('falls back safely and hands off after the replans run out', async () => {
    const result = await pipeline(() => 'return eval("1");').pipeline.run('hours?', EMPTY_DIALOGUE, context);
    expect(result.reply).toBe(FALLBACK_REPLY);
    expect(result.fallback).toMatch(/eval is not available/);
    expect(result.calls.filter((call) => call.agent === 'planner')).toHaveLength(3);
    expect(result.toolCalls.map((call) => call.tool)).toEqual(['handOffToHuman']);
    expect(handedOff.at(-1)).toMatch(/no valid plan/);
    expect(result.timings.sandboxMs).toBeGreaterThan(0); // the hand-off ran in the sandbox too
    expect(result.timings.evaluatorMs).toBeGreaterThan(0);
  });

  it('renders a production prompt of over 1,000 tokens and a compact one far smaller', async () => {
    const production = await pipeline(() => 'return { info: dealershipInfo({}) };').pipeline.run('hours?', EMPTY_DIALOGUE, context);
    const planner = production.calls.find((call) => call.agent === 'planner')!;
    expect(planner.inputTokens).toBeGreaterThan(300);
    const compact = new TurnPipeline(new ReferenceModel({ understander, planner: () => 'return { info: dealershipInfo({}) };', explainer }), toolbox, sandbox, { profile: 'compact', maxReplans: 0, llmEvaluatorVolume: 10_000 });
    const small = await compact.run('hours?', EMPTY_DIALOGUE, context);
    expect(small.calls.find((call) => call.agent === 'planner')!.inputTokens).toBeLessThan(planner.inputTokens);
  });
});

describe('TurnPipeline across business changes (issue 11)', () => {
  const handOffPlan: ReferencePolicy = () => 'return { handOff: handOffToHuman({ reason: "a person, please" }) };';

  it('offers the tools in force at this turn: the tool list is read after the rules are reloaded (7)', async () => {
    // Like DealershipToolbox, this one learns of a tool switched off only when it reloads its rules.
    let reloaded = false;
    const switching: Toolbox = {
      ...toolbox,
      describe: () => toolbox.describe().filter((tool) => !reloaded || tool.name !== 'dealershipInfo'),
      rulesText: async () => {
        reloaded = true;
        return 'Open Monday to Saturday.';
      },
    };
    const result = await new TurnPipeline(new ReferenceModel({ understander, planner: handOffPlan, explainer }), switching, sandbox).run('a person please', EMPTY_DIALOGUE, context);
    const prompts = result.calls.filter((call) => call.agent === 'understander' || call.agent === 'planner');
    expect(prompts).toHaveLength(2);
    for (const call of prompts) {
      expect(call.prompt).toContain('- handOffToHuman(args)');
      expect(call.prompt).not.toContain('- dealershipInfo(args)');
    }
  });

  it("shows the turn's time as the dealership's local time with its zone (10)", async () => {
    const local: Toolbox = { ...toolbox, utcOffsetMinutes: -360 };
    const saturdayNight = { ...context, now: new Date('2026-11-29T05:34:00Z') };
    const result = await new TurnPipeline(new ReferenceModel({ understander, planner: handOffPlan, explainer }), local, sandbox).run('hi', EMPTY_DIALOGUE, saturdayNight);
    for (const call of result.calls.filter((candidate) => candidate.agent !== 'explainer')) {
      expect(call.prompt).toContain('## Now\n2026-11-28T23:34:00.000-06:00\nSaturday 2026-11-28 23:34, dealership time (UTC-6)');
    }
    // Read back, it is still the same instant.
    expect(new Date('2026-11-28T23:34:00.000-06:00').getTime()).toBe(saturdayNight.now.getTime());
  });

  it('keeps the last listing in the dialogue state until another replaces it, and shows it in the memory (8)', async () => {
    const listing: Toolbox = { ...toolbox, listing: (calls) => (calls.some((call) => call.tool === 'dealershipInfo') ? ['downtown', 'airport'] : undefined) };
    const prompts: string[] = [];
    const recordingUnderstander: ReferencePolicy = (request) => {
      prompts.push(request.messages.map((message) => message.content).join('\n'));
      return understander(request);
    };
    const turn = (planner: ReferencePolicy) => new TurnPipeline(new ReferenceModel({ understander: recordingUnderstander, planner, explainer }), listing, sandbox);
    const first = await turn(() => 'return { info: dealershipInfo({}) };').run('where are you?', EMPTY_DIALOGUE, context);
    expect(first.dialogue.listed).toEqual(['downtown', 'airport']);
    const second = await turn(handOffPlan).run('a person please', first.dialogue, context);
    expect(second.dialogue.listed).toEqual(['downtown', 'airport']);
    await turn(handOffPlan).run('the second one', second.dialogue, context);
    expect(prompts[0]).not.toContain('Last listed:');
    expect(prompts[2]).toContain('Last listed: ["downtown","airport"]');
  });
});
