/**
 * Needs PostgreSQL for its second half (DISTILLERY_TEST_DATABASE_URL; `npm test` starts it); the
 * PGlite half runs anywhere. A traces.raw event any producer may write — NUL, other control
 * characters and lone surrogates in its ids, prompts and outputs, and in its event id header —
 * is refined and recorded (rows, inbox, outbox) with that text stored as U+FFFD, instead of failing
 * the write (PostgreSQL refuses \u0000) and being redelivered; a redelivery still records nothing.
 */
import type { BusRecord } from '@distillery/bus';
import { decodeEvent, HEADERS, type TraceRaw, traceRawContract, traceRefinedContract } from '@distillery/contracts';
import { Inbox, openDatabase, Outbox } from '@distillery/storage';
import { describeOnDatabases, OUTSIDE_TEXT as BAD, OUTSIDE_TEXT_STORED as STORED } from '@distillery/testing';
import { expect, it } from 'vitest';
import { ReferenceJudge } from '../src/refine/reference-judge.js';
import { TraceRefiner } from '../src/refine/trace-refiner.js';
import { JUDGE_GROUP, RefinementStore } from '../src/store/refinement-store.js';
import { judgeService } from '../src/judge.service-definition.js';

const example = traceRawContract.example;
const raw: TraceRaw = {
  ...example,
  conversationId: `conv_${BAD}`,
  turnId: `turn_${BAD}`,
  tenant: `tenant_${BAD}`,
  campaignId: `camp_${BAD}`,
  userMessage: BAD,
  reply: BAD,
  calls: example.calls.map((call) => ({ ...call, callId: `call_${BAD}`, prompt: `${call.prompt} ${BAD}`, output: `${call.output}${BAD}` })),
};

describeOnDatabases('judge rows from outside text', (target) => openDatabase({ target, schemas: ['judge'], migrations: judgeService.migrations }), (database) => {
  it('records a refined turn whose ids, prompts, outputs and event id carry NUL and lone surrogates, once', async () => {
    const { dataSource } = database();
    const store = new RefinementStore(dataSource, new Inbox(dataSource, 'judge', JUDGE_GROUP), new Outbox('judge'), () => undefined);
    const rawEventId = `raw_${BAD}`;
    const refined = await new TraceRefiner(new ReferenceJudge({ seed: 7 }), 7).refine(raw, rawEventId);
    const record: BusRecord = { topic: traceRawContract.topic, partition: 0, offset: '41', key: raw.conversationId, value: null, headers: { [HEADERS.eventId]: rawEventId } };

    expect(await store.record(record, refined, `judge_${BAD}`)).toBe('recorded');
    expect(await store.record(record, refined, `judge_${BAD}`)).toBe('duplicate');

    const rows = (await dataSource.query('SELECT raw_event_id, call_id, conversation_id, turn_id, tenant, output, refined, refine_prompt, reasons, judged_by FROM judge.refinements')) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ raw_event_id: `raw_${STORED}`, call_id: `call_${STORED}`, conversation_id: `conv_${STORED}`, turn_id: `turn_${STORED}`, tenant: `tenant_${STORED}`, judged_by: `judge_${STORED}` });
    expect(rows[0]!.output).toContain(STORED);
    expect(rows[0]!.refine_prompt).toContain(STORED);
    expect(JSON.stringify(rows[0])).not.toMatch(/\\u0000|\\ud[89a-f]/i);
    expect((await dataSource.query('SELECT event_id FROM judge.inbox')) as unknown[]).toEqual([{ event_id: `raw_${STORED}` }]);

    const [event] = (await dataSource.query('SELECT key, value FROM judge.outbox')) as Array<{ key: string; value: string }>;
    expect(event!.key).toBe(`conv_${STORED}`);
    const message = decodeEvent(traceRefinedContract, Buffer.from(event!.value)).data;
    expect(message).toMatchObject({ rawEventId: `raw_${STORED}`, conversationId: `conv_${STORED}`, turnId: `turn_${STORED}`, tenant: `tenant_${STORED}`, campaignId: `camp_${STORED}` });
    expect(message.calls[0]!.output).toContain(STORED);
  });
});
