import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { quantizingSettingsOf } from '../jobs/quantizing-settings.js';
import { loadQuantizerConfig } from './quantizer.config.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the quantizer config', () => {
  it('defaults every setting to the compute plane’s quantize job (mixed calibration of 2,048 tokens, lm_head kept)', () => {
    const config = loadQuantizerConfig({});
    expect(config).toEqual({
      DISTILLERY_QUANTIZER_SLOTS: 1,
      DISTILLERY_QUANTIZER_SET: 'mixed',
      DISTILLERY_QUANTIZER_LENGTH: 2048,
      DISTILLERY_QUANTIZER_SAMPLES: 8,
      DISTILLERY_QUANTIZER_TEST_LIMIT: 16,
      DISTILLERY_QUANTIZER_TEST_MAX_TOKENS: 2048,
      DISTILLERY_QUANTIZER_EVAL_LIMIT: 16,
      DISTILLERY_QUANTIZER_EVAL_MAX_TOKENS: 128,
      DISTILLERY_QUANTIZER_QUANTIZE_LM_HEAD: false,
    });
    expect(quantizingSettingsOf(config)).toEqual({ set: 'mixed', length: 2048, samples: 8, testLimit: 16, testMaxTokens: 2048, evalLimit: 16, evalMaxTokens: 128, quantizeLmHead: false });
  });

  it('fixes the settings a job keeps from what is set', () => {
    const config = loadQuantizerConfig({
      DISTILLERY_QUANTIZER_SET: 'in-domain',
      DISTILLERY_QUANTIZER_LENGTH: '32',
      DISTILLERY_QUANTIZER_SAMPLES: '2',
      DISTILLERY_QUANTIZER_TEST_LIMIT: '3',
      DISTILLERY_QUANTIZER_TEST_MAX_TOKENS: '64',
      DISTILLERY_QUANTIZER_EVAL_LIMIT: '2',
      DISTILLERY_QUANTIZER_EVAL_MAX_TOKENS: '8',
      DISTILLERY_QUANTIZER_QUANTIZE_LM_HEAD: 'true',
      DISTILLERY_QUANTIZER_SLOTS: '0',
    });
    expect(quantizingSettingsOf(config)).toEqual({ set: 'in-domain', length: 32, samples: 2, testLimit: 3, testMaxTokens: 64, evalLimit: 2, evalMaxTokens: 8, quantizeLmHead: true });
    expect(config.DISTILLERY_QUANTIZER_SLOTS).toBe(0);
  });

  it.each([
    ['DISTILLERY_QUANTIZER_SLOTS', '2', 'expected 0 or 1'],
    ['DISTILLERY_QUANTIZER_SLOTS', 'one', 'expected 0 or 1'],
    ['DISTILLERY_QUANTIZER_SET', 'external', 'expected one of public, in-domain, mixed'],
    ['DISTILLERY_QUANTIZER_LENGTH', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_QUANTIZER_SAMPLES', '1.5', 'expected an integer ≥ 1'],
    ['DISTILLERY_QUANTIZER_TEST_LIMIT', '-1', 'expected an integer ≥ 1'],
    ['DISTILLERY_QUANTIZER_TEST_MAX_TOKENS', 'many', 'expected an integer ≥ 1'],
    ['DISTILLERY_QUANTIZER_EVAL_LIMIT', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_QUANTIZER_EVAL_MAX_TOKENS', '-8', 'expected an integer ≥ 1'],
    ['DISTILLERY_QUANTIZER_QUANTIZE_LM_HEAD', 'yes', 'expected true or false'],
    ['DISTILLERY_COMPUTE_PYTHON', '/nowhere/bin/python', 'no such file'],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => loadQuantizerConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadQuantizerConfig({ [name]: value })).toThrow(new RegExp(`${name}: .*${escape(message)}.*, got ${escape(JSON.stringify(value))}`));
  });
});
