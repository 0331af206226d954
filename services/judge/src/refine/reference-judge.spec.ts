import { jsonLine, planCode, understandingSchema, validatePlan } from '@distillery/dealership';
import { NO_MISTAKES, referenceTeacher } from '@distillery/reference-teacher';
import type { TraceRaw } from '@distillery/contracts';
import { parseTranscript, renderTranscript } from '@distillery/llm';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordReferenceTraces } from '../testing/reference-traces.fixture.js';
import type { AgentCall, CallJudgement } from './call-judgement.js';
import { unsupportedStatements } from './explanation-facts.js';
import { ReferenceJudge } from './reference-judge.js';
import { catalogForRules } from './rules-reading.js';
import { TraceRefiner } from './trace-refiner.js';

interface Judged {
  readonly call: AgentCall;
  readonly judgement: CallJudgement;
  /** The error-free teacher's output for the same prompt: the call erred when its output differs. */
  readonly right: string;
}

const oracle = referenceTeacher({ seed: 1, mistakes: NO_MISTAKES });
const rightOutput = async (call: AgentCall) => (await oracle.complete({ role: call.agent, messages: parseTranscript(call.prompt)! })).text;
const planCatalog = (call: AgentCall) => catalogForRules(parseTranscript(call.prompt)![0]!.content.split('## Business rules\n')[1]?.split('\n## ')[0]);
const resultsOf = (call: AgentCall) => jsonLine(parseTranscript(call.prompt)!.at(-1)!.content, 'Results');
/** The one teacher "mistake" that states a truth: a blanket confirmation appended to a booking that succeeded. */
const trueConfirmation = (entry: Judged) => entry.call.agent === 'explainer' && entry.call.output === `${entry.right} Everything is booked and confirmed.` && /You're booked/.test(entry.right);
const poisoned = (entry: Judged) => entry.judgement.reasons.some((reason) => reason.includes('cannot give a valid output for this prompt either'));

describe('the reference judge on real traces (the agents pipeline, the reference teacher erring at 0.5)', () => {
  const judge = new ReferenceJudge({ seed: 7 });
  let traces: TraceRaw[];
  let judged: Judged[];
  const of = (agent: AgentCall['agent'], verdict?: CallJudgement['verdict']) => judged.filter((entry) => entry.call.agent === agent && (!verdict || entry.judgement.verdict === verdict));

  beforeAll(async () => {
    traces = await recordReferenceTraces({ seed: 5, mistakeRate: 0.5, conversations: 40 });
    judged = [];
    for (const call of traces.flatMap((trace) => trace.calls)) judged.push({ call, judgement: await judge.judge(call), right: await rightOutput(call) });
  }, 120_000);

  it('accepts, with no reasons, every call where the teacher made no mistake (unless its own prompt makes a valid answer impossible)', () => {
    const right = judged.filter((entry) => entry.call.output === entry.right);
    expect(right.length).toBeGreaterThan(100);
    const notAccepted = right.filter((entry) => entry.judgement.verdict !== 'accepted' && !poisoned(entry));
    expect(notAccepted.map((entry) => `${entry.call.agent}: ${entry.judgement.reasons.join('; ')}`)).toEqual([]);
    for (const entry of right.filter((candidate) => candidate.judgement.verdict === 'accepted')) expect(entry.judgement).toMatchObject({ refined: entry.call.output, reasons: [] });
  });

  it('catches every mistake the teacher made, whatever the role', () => {
    const wrong = judged.filter((entry) => entry.call.output !== entry.right);
    expect(new Set(wrong.map((entry) => entry.call.agent))).toEqual(new Set(['understander', 'planner', 'explainer']));
    const missed = wrong.filter((entry) => entry.judgement.verdict === 'accepted' && !trueConfirmation(entry));
    expect(missed.map((entry) => `${entry.call.agent}: ${entry.call.output}`)).toEqual([]);
    for (const entry of wrong.filter((candidate) => candidate.judgement.verdict !== 'accepted')) expect(entry.judgement.reasons.length).toBeGreaterThan(0);
  });

  it('understander: corrects a wrong entity to the reference understanding, naming the differing fields', () => {
    const corrections = of('understander', 'corrected');
    expect(corrections.length).toBeGreaterThan(5);
    for (const { judgement, right } of corrections) {
      expect(judgement.refined).toBe(right);
      expect(understandingSchema.safeParse(JSON.parse(judgement.refined)).success).toBe(true);
      for (const reason of judgement.reasons) expect(reason).toMatch(/^(intents|entities\.\w+|state\.\w+|outOfScope): expected .+, got .+$/);
    }
  });

  it('understander: compares by meaning — key order, case and spacing do not matter, a changed value does', async () => {
    const call = of('understander', 'accepted').find((entry) => Object.keys(JSON.parse(entry.call.output).entities).length >= 2)!.call;
    const understanding = JSON.parse(call.output) as { intents: string[]; entities: Record<string, unknown>; state: unknown; outOfScope: boolean };
    const shuffled = { outOfScope: understanding.outOfScope, state: understanding.state, entities: Object.fromEntries(Object.entries(understanding.entities).reverse().map(([key, value]) => [key, typeof value === 'string' ? ` ${value.toUpperCase()} ` : value])), intents: [...understanding.intents].reverse() };
    expect(await judge.judge({ ...call, output: JSON.stringify(shuffled, null, 2) })).toMatchObject({ verdict: 'accepted', reasons: [] });
    const [key] = Object.keys(understanding.entities).sort();
    const changed = { ...understanding, entities: { ...understanding.entities, [key!]: 'something else' } };
    expect(await judge.judge({ ...call, output: JSON.stringify(changed) })).toMatchObject({ verdict: 'corrected', refined: call.output, reasons: [expect.stringMatching(new RegExp(`^entities\\.${key}: expected .*, got "something else"$`))] });
    expect(await judge.judge({ ...call, output: 'Sure! The customer wants a car.' })).toMatchObject({ verdict: 'corrected', refined: call.output, reasons: ['the output is not a JSON object'] });
  });

  it('planner: corrects missing and wrong tool calls and rule violations to a reference plan that passes the validator', () => {
    const corrections = of('planner', 'corrected');
    const reasons = corrections.flatMap((entry) => entry.judgement.reasons);
    expect(reasons.some((reason) => /^the plan never calls \w+, which the request needs$/.test(reason))).toBe(true);
    expect(reasons.some((reason) => /^the plan calls \w+, which the request does not need$/.test(reason))).toBe(true);
    expect(reasons.some((reason) => /RULE_VIOLATION/.test(reason))).toBe(true);
    for (const { call, judgement, right } of corrections) {
      expect(judgement.refined).toBe(right);
      expect(validatePlan(planCode(judgement.refined), planCatalog(call)).ok).toBe(true);
    }
  });

  it('planner: rejects a call whose prompt makes every plan invalid (a wrong entity upstream), saying so', () => {
    for (const entry of of('planner', 'rejected')) {
      expect(validatePlan(planCode(entry.right), planCatalog(entry.call)).ok).toBe(false);
      expect(entry.judgement).toMatchObject({ refined: '', reasons: expect.arrayContaining([expect.stringMatching(/^the reference planner cannot give a valid output/)]) });
    }
  });

  it('planner: judges each attempt of a replanned turn as it stands', () => {
    // A turn whose first plan the Evaluator sent back and whose replan ran.
    const replanned = traces.find((trace) => (trace.plan?.replans ?? 0) > 0)!;
    const attempts = replanned.calls.filter((call) => call.agent === 'planner').map((call) => judged.find((entry) => entry.call === call)!.judgement.verdict);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.at(-1)).toBe('accepted');
    expect(attempts.slice(0, -1).every((verdict) => verdict !== 'accepted')).toBe(true);
  });

  it('planner: also checks the literal arguments a plan shares with the reference', async () => {
    const call = of('planner', 'accepted').find((entry) => /scheduleTestDrive\(\{ vin: "[A-Z0-9]+", slot: "[^"]+" \}\)/.test(entry.call.output))!.call;
    const moved = call.output.replace(/slot: "(\d{4}-\d{2}-\d{2})T\d{2}:00"/, 'slot: "$1T15:00"');
    expect(await judge.judge({ ...call, output: moved })).toMatchObject({ verdict: 'corrected', refined: call.output, reasons: [expect.stringMatching(/^scheduleTestDrive\.slot is ".*T15:00" but the request gives ".*"$/)] });
    expect(await judge.judge({ ...call, output: `\`\`\`js\n${call.output}\n\`\`\`` })).toMatchObject({ verdict: 'corrected', reasons: ['the plan is wrapped in a code fence; the Planner must answer with the program only'] });
  });

  it('evaluator: recomputes the verdict on the plan; the wording of feedback is free', async () => {
    const calls = of('evaluator');
    expect(calls.length).toBeGreaterThan(0);
    for (const entry of calls) expect(entry.judgement.verdict).toBe('accepted');
    const { call } = calls[0]!;
    const approve = (JSON.parse(call.output) as { approve: boolean }).approve;
    expect(await judge.judge({ ...call, output: JSON.stringify({ approve, feedback: 'looks fine to me' }) })).toMatchObject({ verdict: 'accepted' });
    const flipped = await judge.judge({ ...call, output: JSON.stringify({ approve: !approve, feedback: 'no' }) });
    expect(flipped).toMatchObject({ verdict: 'corrected', refined: call.output, reasons: [expect.stringMatching(/^approve: /)] });
    expect(await judge.judge({ ...call, output: 'approve' })).toMatchObject({ verdict: 'corrected', reasons: ['the output is not a JSON object'] });
  });

  it('explainer: corrects invented vehicles, wrong prices and false confirmations to a faithful reference explanation', () => {
    const corrections = of('explainer', 'corrected');
    const reasons = corrections.flatMap((entry) => entry.judgement.reasons);
    expect(reasons.some((reason) => /^mentions a 20\d\d (Toyota Supra|Porsche Macan|Honda Prelude)/.test(reason))).toBe(true);
    expect(reasons.some((reason) => /^states \$[\d,.]+, an amount the results do not contain$/.test(reason))).toBe(true);
    expect(reasons.some((reason) => /^claims ".*" but the results hold no /.test(reason))).toBe(true);
    for (const { call, judgement, right } of corrections) {
      expect(judgement.refined).toBe(right);
      expect(unsupportedStatements(judgement.refined, resultsOf(call))).toEqual([]);
    }
  });

  it('explainer: accepts a faithful explanation in other words', async () => {
    // Any details call will do, whether the teacher erred on it or not: the right explanation, said in other words.
    const entry = of('explainer').find((candidate) => /^Here are the details: (\d{4} [^(]+) \(.*for (\$[\d,]+) at/.test(candidate.right))!;
    const [, name, price] = /^Here are the details: (\d{4} [^(]+) \(.*for (\$[\d,]+) at/.exec(entry.right)!;
    expect(await judge.judge({ ...entry.call, output: `Sure! The ${name!.trim()} is available for ${price}. Want to book a test drive?` })).toMatchObject({ verdict: 'accepted', reasons: [] });
  });

  it('rejects what cannot be judged: an unreadable prompt, a prompt without what the role reads, the executor', async () => {
    const planner = of('planner')[0]!.call;
    expect(await judge.judge({ ...planner, prompt: 'write a plan' })).toMatchObject({ verdict: 'rejected', refined: '', reasons: ['the prompt is not a rendered transcript (it must open with a <|role|> line)'] });
    const messages = parseTranscript(planner.prompt)!;
    const withoutUnderstanding = renderTranscript([...messages.slice(0, -1), { role: 'user', content: 'Customer: hello' }]);
    expect(await judge.judge({ ...planner, prompt: withoutUnderstanding })).toMatchObject({ verdict: 'rejected', reasons: ['the planner prompt has no readable Understanding line'] });
    expect(await judge.judge({ ...planner, agent: 'executor' })).toMatchObject({ verdict: 'rejected', reasons: ['the executor makes no model calls, so there is nothing to judge'] });
  });

  it('records Φ_refine with every judgement: the role, the prompt, the output and the checks', () => {
    const { call, judgement } = of('planner', 'corrected').find((entry) => entry.judgement.reasons.some((reason) => reason.includes('RULE_VIOLATION')))!;
    expect(judgement.refinePrompt).toContain('## Output format\nOne JSON object and nothing else: {"verdict"');
    expect(judgement.refinePrompt).toContain(`## Agent\nplanner (call ${call.callId}, attempt ${call.attempt})`);
    expect(judgement.refinePrompt).toContain(call.prompt);
    expect(judgement.refinePrompt).toContain(`## The agent's output (y)\n${call.output}`);
    expect(judgement.refinePrompt).toMatch(/## Automatic checks of the output\n- the Evaluator rejects the plan: .*RULE_VIOLATION/);
  });

  it('is reproducible: the same traces and seed give the same refined traces, in any order', async () => {
    const sample = traces.slice(0, 30);
    const first = await Promise.all(sample.map((trace, index) => new TraceRefiner(new ReferenceJudge({ seed: 7 }), 7).refine(trace, `raw-${index}`)));
    const again = new TraceRefiner(new ReferenceJudge({ seed: 7 }), 7);
    const second = [];
    for (const [index, trace] of [...sample.entries()].reverse()) second.unshift(await again.refine(trace, `raw-${index}`));
    expect(second.map((refined) => refined.message)).toEqual(first.map((refined) => refined.message));
    expect(first[0]!.message).toMatchObject({ rawEventId: 'raw-0', judge: { backend: 'reference', model: 'reference-judge', seed: 7 } });
    expect(first.flatMap((refined) => refined.message.calls).map((call) => call.verdict)).toContain('corrected');
  });
});

describe('the reference judge on an error-free teacher', () => {
  it('accepts every call with no reasons', async () => {
    const traces = await recordReferenceTraces({ seed: 11, mistakeRate: 0, conversations: 20 });
    const judge = new ReferenceJudge({ seed: 3 });
    const verdicts = await Promise.all(traces.flatMap((trace) => trace.calls).map(async (call) => ({ call, judgement: await judge.judge(call) })));
    expect(verdicts.length).toBeGreaterThan(100);
    expect(verdicts.filter(({ judgement }) => judgement.verdict !== 'accepted' || judgement.reasons.length).map(({ call, judgement }) => `${call.agent}: ${judgement.reasons.join('; ')}`)).toEqual([]);
  }, 60_000);
});
