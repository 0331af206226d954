import type { Database } from '@distillery/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DealershipToolbox, EMPTY_DIALOGUE, openDealershipMemoryDatabase, PlanSandbox, seedDealership, TurnPipeline, type TurnResult } from '@distillery/dealership';
import { uniformMistakes } from './mistakes.js';
import { referenceTeacher } from './reference-teacher.js';
import { scriptedConversations } from './regression/scripted-conversations.js';

/** A fixed clock: the prompts carry the turn's time to the millisecond, and the seeded mistakes follow the prompt, so a clock that moved made a different set each run (some with no replan at all). */
const NOW = new Date('2026-11-24T10:00:00Z');

describe('the reference teacher making mistakes on purpose, on the real dealership', () => {
  let db: Database;
  const sandbox = new PlanSandbox();
  const results: TurnResult[] = [];

  beforeAll(async () => {
    db = await openDealershipMemoryDatabase();
    await seedDealership(db.dataSource, { seed: 5 });
    const pipeline = new TurnPipeline(referenceTeacher({ seed: 5, mistakes: uniformMistakes(0.5) }), await DealershipToolbox.open(db.dataSource), sandbox, { profile: 'production', maxReplans: 2, llmEvaluatorVolume: 200 });
    for (const conversation of scriptedConversations({ seed: 5, now: NOW, count: 30 })) {
      let dialogue = EMPTY_DIALOGUE;
      for (const turn of conversation.turns) {
        const result = await pipeline.run(turn.say, dialogue, { tenant: 't', customerId: conversation.customerRef, now: NOW });
        results.push(result);
        dialogue = result.dialogue;
      }
    }
  }, 120_000);
  afterAll(async () => {
    await sandbox.close();
    await db.close();
  });

  it('always answers, replans after the Evaluator catches a broken plan, and records every attempt', () => {
    expect(results.every((result) => result.reply.length > 0)).toBe(true);
    expect(results.some((result) => (result.plan?.replans ?? 0) > 0)).toBe(true);
    const attempts = results.flatMap((result) => result.calls.filter((call) => call.agent === 'planner').map((call) => call.attempt));
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });

  it('asks the LLM evaluator for complex plans only', () => {
    const reviewed = results.filter((result) => result.calls.some((call) => call.agent === 'evaluator'));
    expect(reviewed.length).toBeGreaterThan(0);
    expect(reviewed.length).toBeLessThan(results.length);
  });
});
