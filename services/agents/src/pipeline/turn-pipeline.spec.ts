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
