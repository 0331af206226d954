import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishEvents, subscribeEvents } from '@distillery/bus';
import { encodeEvent, type EventEnvelope, type TraceRaw, type TraceRefined, traceRawContract, traceRefinedContract } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { eventually } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJudgeConfig } from './config/judge.config.js';
import { createJudge } from './judge-runtime.js';
import { JudgeLifecycle } from './judge.module.js';
import { judgeService } from './judge.service-definition.js';
import { refinedEventId } from './store/refinement-store.js';
import { recordReferenceTraces } from './testing/reference-traces.fixture.js';

const metric = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

describe('the judge service, embedded (in-process bus, PGlite)', () => {
  let dataDir: string;
  let app: RunningApp;
  let traces: TraceRaw[];
  let rawIds: string[];
  const refined: Array<EventEnvelope<TraceRefined>> = [];
  const scrape = async () => (await fetch(`${app.url}/metrics`)).text();

  beforeAll(async () => {
    traces = await recordReferenceTraces({ seed: 3, mistakeRate: 0.3, conversations: 10 });
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-judge-'));
    app = await startApp([judgeService], { name: 'judge', defaultPort: 0, env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_JUDGE_SEED: '11' } });
    await subscribeEvents(app.platform.bus, traceRefinedContract, { groupId: 'judge-spec-reader', handler: async (event) => void refined.push(event) });
    rawIds = await publishEvents(app.platform.bus, traceRawContract, traces, { source: 'agents' });
    await eventually(() => refined.length >= traces.length, 'a traces.refined event per traces.raw event', 60_000);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refines every call of every turn into one traces.refined event per raw event', () => {
    expect(refined.map((event) => event.data.rawEventId).sort()).toEqual([...rawIds].sort());
    for (const event of refined) {
      const trace = traces[rawIds.indexOf(event.data.rawEventId)]!;
      expect(event.id).toBe(refinedEventId(event.data.rawEventId));
      expect(event.data).toMatchObject({ conversationId: trace.conversationId, turnId: trace.turnId, turnIndex: trace.turnIndex, judge: { backend: 'reference', model: 'reference-judge', seed: 11 } });
      expect(event.data.calls.map((call) => [call.callId, call.agent, call.output])).toEqual(trace.calls.map((call) => [call.callId, call.agent, call.output]));
    }
    expect(new Set(refined.flatMap((event) => event.data.calls.map((call) => call.verdict)))).toContain('corrected');
  });

  it('keeps a row per call with its verdict, y*, Φ_refine, the judge and the replica that judged it', async () => {
    const rows: Array<{ raw_event_id: string; call_id: string; verdict: string; refined: string; reasons: string[]; refine_prompt: string; judged_by: string; judge_seed: number; refined_event_id: string }> =
      await app.platform.database.dataSource.query('SELECT * FROM judge.refinements');
    expect(rows).toHaveLength(traces.reduce((sum, trace) => sum + trace.calls.length, 0));
    const replica = app.app.get(JudgeLifecycle).runtime!.replica;
    for (const event of refined) {
      for (const call of event.data.calls) {
        const row = rows.find((candidate) => candidate.raw_event_id === event.data.rawEventId && candidate.call_id === call.callId)!;
        expect(row).toMatchObject({ verdict: call.verdict, refined: call.refined, reasons: call.reasons, judged_by: replica, judge_seed: 11, refined_event_id: event.id });
        expect(row.refine_prompt).toContain(call.prompt);
      }
    }
  });

  it('writes nothing more for a redelivered raw event (same event id): no row, no event', async () => {
    const index = 2;
    const wire = encodeEvent(traceRawContract, traces[index]!, { source: 'agents', id: rawIds[index]! });
    await app.platform.bus.publish('traces.raw', [wire]);
    await eventually(async () => metric(await scrape(), 'distillery_judge_traces_total', 'outcome="duplicate"') === 1, 'the duplicate to be skipped', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(refined).toHaveLength(traces.length);
    const [{ n }] = await app.platform.database.dataSource.query('SELECT count(*)::int AS n FROM judge.refinements WHERE raw_event_id = $1', [rawIds[index]]);
    expect(n).toBe(traces[index]!.calls.length);
  });

  it('counts verdicts per agent on /metrics', async () => {
    const text = await scrape();
    expect(metric(text, 'distillery_judge_traces_total', 'outcome="refined"')).toBe(traces.length);
    const calls = refined.flatMap((event) => event.data.calls);
    for (const agent of ['understander', 'planner', 'explainer']) {
      for (const verdict of ['accepted', 'corrected']) {
        expect(metric(text, 'distillery_judge_calls_total', `agent="${agent}",verdict="${verdict}"`)).toBe(calls.filter((call) => call.agent === agent && call.verdict === verdict).length);
      }
    }
    expect(text).toMatch(/^distillery_stage_implemented\{service="judge",stage="refine"\} 1$/m);
  });
});

describe('createJudge', () => {
  it('builds the judge the config asks for', () => {
    expect(createJudge(loadJudgeConfig({}))).toMatchObject({ backend: 'reference', model: 'reference-judge' });
    const llm = { DISTILLERY_JUDGE_BACKEND: 'llm', DISTILLERY_OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', DISTILLERY_OPENAI_MODEL: 'teacher-8b' };
    expect(createJudge(loadJudgeConfig(llm))).toMatchObject({ backend: 'llm', model: 'teacher-8b' });
    expect(createJudge(loadJudgeConfig({ ...llm, DISTILLERY_JUDGE_OPENAI_MODEL: 'judge-70b' }))).toMatchObject({ backend: 'llm', model: 'judge-70b' });
  });
});
