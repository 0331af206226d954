import { ModelCallError, OpenAiModel } from '@distillery/llm';
import { type ChatCompletionsServer, chatCompletion, startChatCompletionsServer } from '@distillery/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordReferenceTraces } from '../testing/reference-traces.fixture.js';
import type { AgentCall, CallJudgement } from './call-judgement.js';
import { LlmJudge } from './llm-judge.js';
import { ReferenceJudge } from './reference-judge.js';

type Message = { role: string; content: string };
const verdict = (value: unknown) => chatCompletion(JSON.stringify(value), 'judge-70b');

/** The llm judge against a real OpenAI-compatible HTTP server on loopback, scripted per test. */
describe('LlmJudge against a local OpenAI-compatible server', () => {
  let server: ChatCompletionsServer;
  let judge: LlmJudge;
  /** Real calls with what the reference judge made of them. */
  let calls: Array<{ call: AgentCall; reference: CallJudgement }>;
  const pick = (agent: AgentCall['agent'], test: (reference: CallJudgement) => boolean) => calls.find((entry) => entry.call.agent === agent && test(entry.reference))!;
  const requests = () => server.received.length;

  beforeAll(async () => {
    server = await startChatCompletionsServer();
    judge = new LlmJudge(new OpenAiModel({ baseUrl: server.baseUrl, model: 'judge-70b', retries: 0 }), { seed: 7, retries: 2 });
    const reference = new ReferenceJudge({ seed: 7 });
    const traces = await recordReferenceTraces({ seed: 5, mistakeRate: 0.5, conversations: 12 });
    calls = await Promise.all(traces.flatMap((trace) => trace.calls).map(async (call) => ({ call, reference: await reference.judge(call) })));
  }, 120_000);
  afterAll(() => server.close());
  beforeEach(() => {
    server.received.length = 0;
  });

  it('sends Φ_refine — the role, the prompt, the output, the checks — with the seed at temperature 0, and takes an acceptance', async () => {
    const { call } = pick('understander', (reference) => reference.verdict === 'accepted');
    server.handle(() => verdict({ verdict: 'accepted', refined: call.output, reasons: [] }));
    const judgement = await judge.judge(call);
    expect(judgement).toMatchObject({ verdict: 'accepted', refined: call.output, reasons: [] });
    expect(judge.model).toBe('judge-70b');
    const [request] = server.received;
    expect(request).toMatchObject({ model: 'judge-70b', seed: 7, temperature: 0, response_format: { type: 'json_object' } });
    const [system, user] = request!.messages as Message[];
    expect(system).toMatchObject({ role: 'system', content: expect.stringContaining('{"verdict": "accepted" | "corrected" | "rejected", "refined": string, "reasons": [string, ...]}') });
    expect(user!.content).toContain(`## The agent's prompt\n${call.prompt}`);
    expect(user!.content).toContain(`## The agent's output (y)\n${call.output}`);
    expect(user!.content).toContain('## Automatic checks of the output\n- none failed');
    expect(judgement.refinePrompt).toBe(`<|system|>\n${system!.content}\n<|user|>\n${user!.content}`);
  });

  it('takes a correction that passes the checks, and shows the validator findings in Φ_refine', async () => {
    const { call, reference } = pick('planner', (judgement) => judgement.verdict === 'corrected' && judgement.reasons.some((reason) => reason.includes('RULE_VIOLATION')));
    server.handle(() => verdict({ verdict: 'corrected', refined: reference.refined, reasons: ['the slot breaks the opening hours'] }));
    expect(await judge.judge(call)).toMatchObject({ verdict: 'corrected', refined: reference.refined, reasons: ['the slot breaks the opening hours'] });
    expect((server.received[0]!.messages as Message[])[1]!.content).toMatch(/## Automatic checks of the output\n- the Evaluator rejects the plan: line \d+:\d+ RULE_VIOLATION/);
  });

  it('asks again after a malformed answer, showing the model what was wrong', async () => {
    const { call, reference } = pick('understander', (judgement) => judgement.verdict === 'corrected');
    let answers = 0;
    server.handle(() => (++answers === 1 ? chatCompletion('Verdict: corrected — the body is wrong.') : verdict({ verdict: 'corrected', refined: reference.refined, reasons: reference.reasons })));
    expect(await judge.judge(call)).toMatchObject({ verdict: 'corrected', refined: reference.refined, reasons: reference.reasons });
    expect(requests()).toBe(2);
    const retry = server.received[1]!.messages as Message[];
    expect(retry).toHaveLength(4);
    expect(retry[2]).toEqual({ role: 'assistant', content: 'Verdict: corrected — the body is wrong.' });
    expect(retry[3]!.content).toMatch(/^That answer is not usable: the answer is not a JSON object: .*Answer again with only the JSON object\.$/);
  });

  it('falls back to rejected, with the reason, after the retries run out on malformed output', async () => {
    const { call } = pick('explainer', () => true);
    server.handle(() => chatCompletion('{"verdict":"fine","refined":"ok"}'));
    const judgement = await judge.judge(call);
    expect(judgement).toMatchObject({ verdict: 'rejected', refined: '' });
    expect(judgement.reasons).toEqual([expect.stringMatching(/^the llm judge gave no usable verdict in 3 attempts: the answer does not match \{verdict, refined, reasons\}: verdict: .*; reasons: /)]);
    expect(requests()).toBe(3);
  });

  it('does not take an acceptance of an output that fails the checks, nor a correction that fails them', async () => {
    const { call, reference } = pick('planner', (judgement) => judgement.verdict === 'corrected' && judgement.reasons.some((reason) => reason.startsWith('the Evaluator rejects')));
    const answers = [
      { verdict: 'accepted', refined: call.output, reasons: [] },
      { verdict: 'corrected', refined: 'return openTheVault({});', reasons: ['wrong tool'] },
      { verdict: 'corrected', refined: call.output, reasons: ['same as before'] },
    ];
    server.handle(() => verdict(answers.shift() ?? { verdict: 'corrected', refined: reference.refined, reasons: ['fixed'] }));
    const judgement = await judge.judge(call);
    expect(judgement).toMatchObject({ verdict: 'rejected', reasons: [expect.stringMatching(/no usable verdict in 3 attempts: a correction must give the whole corrected output, different from y$/)] });
    const complaints = server.received.slice(1).map((request) => (request.messages as Message[]).at(-1)!.content);
    expect(complaints[0]).toMatch(/the output fails the automatic checks \(.*\), so it cannot be accepted/);
    expect(complaints[1]).toMatch(/the corrected output fails the automatic checks: .*UNKNOWN_TOOL: openTheVault is not a tool/);
  });

  it('needs a reason for a rejection, and records it', async () => {
    const { call } = pick('understander', () => true);
    let answers = 0;
    server.handle(() => verdict(++answers === 1 ? { verdict: 'rejected', refined: '', reasons: [] } : { verdict: 'rejected', refined: 'x', reasons: ['the memory contradicts the message'] }));
    expect(await judge.judge(call)).toMatchObject({ verdict: 'rejected', refined: '', reasons: ['the memory contradicts the message'] });
    expect(requests()).toBe(2);
  });

  it('throws on an endpoint failure (the bus retries the trace), and rejects an unreadable call without asking', async () => {
    const { call } = pick('understander', () => true);
    server.handle(() => ({ status: 400, body: { error: 'model not found' } }));
    await expect(judge.judge(call)).rejects.toBeInstanceOf(ModelCallError);
    server.received.length = 0;
    expect(await judge.judge({ ...call, prompt: 'not a transcript' })).toMatchObject({ verdict: 'rejected', reasons: ['the prompt is not a rendered transcript (it must open with a <|role|> line)'] });
    expect(requests()).toBe(0);
  });
});
