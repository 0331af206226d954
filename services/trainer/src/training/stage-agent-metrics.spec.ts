import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalRow } from '@distillery/evaluation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnreadableEvalOutputsError } from '@distillery/evaluation';
import { EVAL_OUTPUTS_FILE, readStageOutputs, scoreStageOutputs } from './stage-agent-metrics.js';

const ROWS: EvalRow[] = [
  { id: 'u1', agent: 'understander', turnId: 't1', prompt: '<|system|>\nYou are the Understander.\n<|user|>\nhi there', output: JSON.stringify({ intents: ['greeting'], entities: {}, state: {}, outOfScope: false }) },
  { id: 'x1', agent: 'executor', turnId: 't1', prompt: '<|user|>\nrun it', output: '{}' },
];
const byId = new Map(ROWS.map((row) => [row.id, row]));

describe('reading and scoring a stage’s eval_outputs.jsonl', () => {
  let dir: string;

  const outputs = async (stage: string, lines: readonly string[]) => {
    await mkdir(join(dir, stage), { recursive: true });
    await writeFile(join(dir, stage, EVAL_OUTPUTS_FILE), lines.map((line) => `${line}\n`).join(''));
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-trainer-outputs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('pairs each output with its row, leaves out agents that are not scored, and is absent for a stage that wrote none', async () => {
    await outputs('sft', [JSON.stringify({ id: 'u1', agent: 'understander', output: 'hello?' }), '', JSON.stringify({ id: 'x1', agent: 'executor', output: '{}' })]);
    expect(await readStageOutputs(dir, 'sft', byId)).toEqual([{ row: ROWS[0], output: 'hello?' }]);
    expect(await readStageOutputs(dir, 'cpt', byId)).toBeUndefined();
    const scored = await scoreStageOutputs(dir, ['cpt', 'sft'], ROWS);
    expect([...scored.keys()]).toEqual(['sft']);
    expect(scored.get('sft')!.find((summary) => summary.metric === 'parsed')).toMatchObject({ agent: 'understander', n: 1, mean: 0 });
  });

  it.each([
    ['not JSON', '{"id": "u1",', /line 2: not an \{"id", "agent", "output"\} object/],
    ['no output', JSON.stringify({ id: 'u1', agent: 'understander' }), /line 2: not an \{"id", "agent", "output"\} object/],
    ['an id of no held-out row', JSON.stringify({ id: 'u9', agent: 'understander', output: '' }), /line 2: id "u9" is no held-out row of the job's dataset/],
    ['another agent than its row', JSON.stringify({ id: 'u1', agent: 'planner', output: '' }), /line 2: row u1 is the understander's, not the planner's/],
  ])('names the file and line of %s', async (_case, line, message) => {
    await outputs('dpo', [JSON.stringify({ id: 'u1', agent: 'understander', output: '' }), line]);
    const read = readStageOutputs(dir, 'dpo', byId);
    await expect(read).rejects.toBeInstanceOf(UnreadableEvalOutputsError);
    await expect(read).rejects.toThrow(join(dir, 'dpo', EVAL_OUTPUTS_FILE));
    await expect(read).rejects.toThrow(message);
  });
});
