import { describe, expect, it } from 'vitest';
import { quantizeArgs } from './quantize-protocol.js';

describe('the quantize command line', () => {
  it('passes only the options given, the drafter and lm_head flag when asked', () => {
    const base = { checkpoint: '/s', calibration: '/c.jsonl', evalRows: '/v.jsonl', runDir: '/run' };
    expect(quantizeArgs(base)).toEqual(['quantize', '--checkpoint', '/s', '--calibration', '/c.jsonl', '--eval-rows', '/v.jsonl', '--run-dir', '/run']);
    expect(quantizeArgs({ ...base, quantizeLmHead: false })).not.toContain('--quantize-lm-head');
    expect(quantizeArgs({ ...base, drafter: '/d', set: 'in-domain', length: 32, samples: 2, testLimit: 3, testMaxTokens: 64, evalLimit: 4, evalMaxTokens: 8, quantizeLmHead: true }).slice(9)).toEqual([
      '--drafter',
      '/d',
      '--set',
      'in-domain',
      '--length',
      '32',
      '--samples',
      '2',
      '--test-limit',
      '3',
      '--test-max-tokens',
      '64',
      '--eval-limit',
      '4',
      '--eval-max-tokens',
      '8',
      '--quantize-lm-head',
    ]);
  });
});
