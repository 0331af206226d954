import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalRow } from '@distillery/evaluation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnreadableEvalOutputsError } from '@distillery/evaluation';
import { agentFigures, scorePrecisionOutputs } from './precision-agent-metrics.js';

const understanding = '{"intents":["search_inventory"],"entities":{"body":"sedan","maxPrice":15000},"state":{},"outOfScope":false}';
const reply = 'I found a 2019 Chevrolet Malibu for $12,900 with 59,480 mi, VIN PT9G663G8KK5FF28D.';
const results = '{"search":{"ok":true,"vehicles":[{"vin":"PT9G663G8KK5FF28D","year":2019,"make":"Chevrolet","model":"Malibu","price":12900,"mileage":59480}]}}';

/** Two turns' held-out rows as the curator writes them: t1 an understander and an explainer call, t2 an understander call. */
const rows: EvalRow[] = [
  { id: 't1:u', agent: 'understander', turnId: 't1', prompt: '<|system|>\nYou are the Understander.\n<|user|>\nany sedans under 15k?', output: understanding },
  { id: 't1:x', agent: 'explainer', turnId: 't1', prompt: `<|system|>\nYou are the Explainer.\n<|user|>\nCustomer: any sedans under 15k?\nResults: ${results}`, output: reply },
  { id: 't2:u', agent: 'understander', turnId: 't2', prompt: '<|system|>\nYou are the Understander.\n<|user|>\nsedans please', output: '{"intents":["search_inventory"],"entities":{"body":"sedan"},"state":{},"outOfScope":false}' },
];

const jsonl = (outputs: ReadonlyArray<{ id: string; agent: string; output: string }>) => outputs.map((output) => `${JSON.stringify(output)}\n`).join('');

describe("the BF16 and FP8 students' agent-level metrics from the quantize run's decoded outputs", () => {
  let runDir: string;
  beforeEach(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'distillery-quantizer-agent-metrics-'));
  });
  afterEach(async () => {
    await rm(runDir, { recursive: true, force: true });
  });

  it('scores each precision against the references: BF16 copies them, FP8 gets an intent wrong and invents a price', async () => {
    await writeFile(join(runDir, 'eval_outputs.bf16.jsonl'), jsonl(rows.map((row) => ({ id: row.id, agent: row.agent, output: row.output }))));
    await writeFile(join(runDir, 'eval_outputs.fp8.jsonl'), jsonl([
      { id: 't1:u', agent: 'understander', output: understanding.replace('search_inventory', 'reserve_vehicle') },
      { id: 't1:x', agent: 'explainer', output: 'I found a 2019 Chevrolet Malibu for $9,999 with 59,480 mi, VIN PT9G663G8KK5FF28D.' },
      { id: 't2:u', agent: 'understander', output: rows[2]!.output },
    ]));
    const metrics = await scorePrecisionOutputs(runDir, rows);
    const mean = (precision: 'bf16' | 'fp8', agent: string, metric: string) => metrics[precision].find((line) => line.agent === agent && line.metric === metric)?.mean;
    expect(metrics.bf16.every((line) => line.mean === 1)).toBe(true);
    expect([mean('fp8', 'understander', 'intent_accuracy'), mean('fp8', 'understander', 'entity_f1'), mean('fp8', 'explainer', 'faithful'), mean('fp8', 'explainer', 'complete'), mean('fp8', 'turn', 'whole_turn_success')]).toEqual([0.5, 1, 0, 0.75, 0.5]);
    const intents = metrics.fp8.find((line) => line.agent === 'understander' && line.metric === 'intent_accuracy')!;
    expect(intents).toMatchObject({ n: 2, interval: 'wilson' });
    expect(intents.low).toBeLessThan(0.5);
    expect(intents.high).toBeGreaterThan(0.5);

    const figures = agentFigures(metrics);
    expect(figures).toMatchObject({ 'bf16.agent.understander.intent_accuracy': 1, 'fp8.agent.understander.intent_accuracy': 0.5, 'bf16.agent.explainer.faithful': 1, 'fp8.agent.explainer.faithful': 0, 'fp8.agent.turn.whole_turn_success': 0.5 });
    expect(Object.keys(figures)).toHaveLength(metrics.bf16.length + metrics.fp8.length);
  });

  it('refuses a missing file and a line that is no output of a held-out row', async () => {
    await expect(scorePrecisionOutputs(runDir, rows)).rejects.toThrow(UnreadableEvalOutputsError);
    await expect(scorePrecisionOutputs(runDir, rows)).rejects.toThrow(`${join(runDir, 'eval_outputs.bf16.jsonl')}: missing`);
    await writeFile(join(runDir, 'eval_outputs.bf16.jsonl'), jsonl([{ id: 't1:u', agent: 'understander', output: understanding }, { id: 't9:u', agent: 'understander', output: understanding }]));
    await expect(scorePrecisionOutputs(runDir, rows)).rejects.toThrow('eval_outputs.bf16.jsonl line 2: id "t9:u" is no held-out row of the job\'s dataset');
    await writeFile(join(runDir, 'eval_outputs.bf16.jsonl'), jsonl([{ id: 't1:u', agent: 'explainer', output: reply }]));
    await expect(scorePrecisionOutputs(runDir, rows)).rejects.toThrow("line 1: row t1:u is the understander's, not the explainer's");
  });
});
