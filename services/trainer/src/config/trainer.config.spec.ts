import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { trainingSettingsOf } from '../jobs/training-settings.js';
import { importsBase, loadTrainerConfig } from './trainer.config.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the trainer config', () => {
  it('defaults every setting', () => {
    expect(loadTrainerConfig({})).toEqual({
      DISTILLERY_TRAINER_PRESET: 'smollm2-135m',
      DISTILLERY_TRAINER_SLOTS: 1,
      DISTILLERY_TRAINER_STAGES: ['expand', 'cpt', 'sft', 'dpo'],
      DISTILLERY_TRAINER_MODEL_ID: 'student-dealership',
      DISTILLERY_TRAINER_DEVICE: 'auto',
      DISTILLERY_TRAINER_SEED: 0,
      DISTILLERY_TRAINER_EVAL_LIMIT: 24,
      DISTILLERY_TRAINER_EVAL_ROWS: 0,
    });
    expect(importsBase('smollm2-135m')).toBe(true); // no base dir needed: the packaged one is imported under the data dir
    expect(importsBase('tiny') || importsBase('llama-3.1-8b')).toBe(false);
  });

  it('reads the stages in pipeline order and fixes the settings a job keeps', () => {
    const config = loadTrainerConfig({ DISTILLERY_TRAINER_STAGES: 'dpo, sft', DISTILLERY_TRAINER_PRESET: 'micro', DISTILLERY_TRAINER_MAX_STEPS: '3', DISTILLERY_TRAINER_SLOTS: '0' });
    expect(config.DISTILLERY_TRAINER_STAGES).toEqual(['sft', 'dpo']);
    expect(config.DISTILLERY_TRAINER_SLOTS).toBe(0);
    expect(trainingSettingsOf(config)).toEqual({ preset: 'micro', stages: ['sft', 'dpo'], maxSteps: 3, device: 'auto', seed: 0, evalLimit: 24 });
    expect(trainingSettingsOf(loadTrainerConfig({ DISTILLERY_TRAINER_EVAL_ROWS: '12' }))).toMatchObject({ preset: 'smollm2-135m', evalRows: 12 });
  });

  it('takes a Hugging Face base dir holding config.json and tokenizer.json, required by the Llama presets', async () => {
    const base = await mkdtemp(join(tmpdir(), 'distillery-trainer-base-'));
    try {
      expect(() => loadTrainerConfig({ DISTILLERY_TRAINER_PRESET: 'llama-3.1-8b' })).toThrow(/DISTILLERY_TRAINER_BASE: required when DISTILLERY_TRAINER_PRESET=llama-3.1-8b \(micro and tiny bootstrap a base, smollm2-135m import one\)/);
      expect(() => loadTrainerConfig({ DISTILLERY_TRAINER_BASE: base })).toThrow(/DISTILLERY_TRAINER_BASE: expected a Hugging Face checkpoint dir/);
      await writeFile(join(base, 'config.json'), '{}');
      await writeFile(join(base, 'tokenizer.json'), '{}');
      expect(loadTrainerConfig({ DISTILLERY_TRAINER_PRESET: 'llama-3.1-8b', DISTILLERY_TRAINER_BASE: base }).DISTILLERY_TRAINER_BASE).toBe(base);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it.each([
    ['DISTILLERY_TRAINER_PRESET', 'huge', 'expected one of smollm2-135m, micro, tiny, llama-3.2-1b, llama-3.1-8b'],
    ['DISTILLERY_TRAINER_SLOTS', '-1', 'expected an integer ≥ 0'],
    ['DISTILLERY_TRAINER_SLOTS', 'two', 'expected an integer ≥ 0'],
    ['DISTILLERY_TRAINER_MAX_STEPS', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_TRAINER_STAGES', 'expand,distill', 'expected a comma-separated list of expand, cpt, sft, dpo'],
    ['DISTILLERY_TRAINER_STAGES', ',', 'expected a comma-separated list of expand, cpt, sft, dpo'],
    ['DISTILLERY_TRAINER_MODEL_ID', '../student', 'expected letters, digits'],
    ['DISTILLERY_TRAINER_DEVICE', 'tpu', 'expected one of auto, cpu, cuda'],
    ['DISTILLERY_TRAINER_EVAL_LIMIT', '-3', 'expected an integer ≥ 0'],
    ['DISTILLERY_TRAINER_EVAL_ROWS', '-1', 'expected an integer ≥ 0'],
    ['DISTILLERY_COMPUTE_PYTHON', '/nowhere/bin/python', 'no such file'],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => loadTrainerConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadTrainerConfig({ [name]: value })).toThrow(new RegExp(`${name}: .*${escape(message)}.*, got ${escape(JSON.stringify(value))}`));
  });
});
