import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { loadComputeConfig } from './compute-config.js';
import { computePython, DEFAULT_COMPUTE_PYTHON } from './compute-python.js';
import { importBaseArgs } from './import-base-protocol.js';
import { trainArgs } from './train-protocol.js';

describe('the compute config', () => {
  it('takes a bare interpreter name as it is and makes a path absolute', () => {
    expect(loadComputeConfig({ DISTILLERY_COMPUTE_PYTHON: 'python3' })).toEqual({ DISTILLERY_COMPUTE_PYTHON: 'python3' });
    expect(loadComputeConfig({ DISTILLERY_COMPUTE_PYTHON: process.execPath }).DISTILLERY_COMPUTE_PYTHON).toBe(process.execPath);
    expect(computePython({ DISTILLERY_COMPUTE_PYTHON: 'python3' })).toBe('python3');
  });

  it('refuses a path that does not exist, naming the variable', () => {
    expect(() => loadComputeConfig({ DISTILLERY_COMPUTE_PYTHON: '/nope/bin/python' })).toThrow(ConfigError);
    expect(() => loadComputeConfig({ DISTILLERY_COMPUTE_PYTHON: '/nope/bin/python' })).toThrow(/DISTILLERY_COMPUTE_PYTHON: no such file .*, got "\/nope\/bin\/python"/);
  });

  it('defaults to the venv compute/bootstrap.sh makes in the repository', () => {
    expect(DEFAULT_COMPUTE_PYTHON).toMatch(/\/compute\/\.venv\/bin\/python$/);
  });
});

describe('the train command line', () => {
  it('passes every option the trainer sets, and only those', () => {
    expect(trainArgs({ runDir: '/r', preset: 'micro', cpt: 'c', sft: 's', dpo: 'd' })).toEqual(['train', '--run-dir', '/r', '--preset', 'micro', '--cpt', 'c', '--sft', 's', '--dpo', 'd']);
    expect(
      trainArgs({ runDir: '/r', preset: 'tiny', cpt: 'c', sft: 's', dpo: 'd', eval: 'e', evalHeldOut: 'h', base: '/b', seed: 3, stages: ['sft', 'dpo'], maxSteps: 7, evalLimit: 0, evalRows: 12, device: 'cpu' }).slice(11),
    ).toEqual(['--eval', 'e', '--eval-heldout', 'h', '--base', '/b', '--seed', '3', '--stages', 'sft,dpo', '--max-steps', '7', '--eval-limit', '0', '--eval-rows', '12', '--device', 'cpu']);
  });

  it('imports a packaged base into the dir it names', () => {
    expect(importBaseArgs({ preset: 'smollm2-135m', out: '/data/bases/smollm2-135m' })).toEqual(['import-base', '--preset', 'smollm2-135m', '--out', '/data/bases/smollm2-135m']);
  });
});
