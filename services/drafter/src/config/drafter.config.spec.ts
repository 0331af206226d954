import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { draftingSettingsOf } from '../jobs/drafting-settings.js';
import { loadDrafterConfig } from './drafter.config.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the drafter config', () => {
  it('defaults every setting to the compute plane’s drafter job', () => {
    const config = loadDrafterConfig({});
    expect(config).toEqual({
      DISTILLERY_DRAFTER_VARIANTS: ['combined'],
      DISTILLERY_DRAFTER_SLOTS: 1,
      DISTILLERY_DRAFTER_STEPS: 1000,
      DISTILLERY_DRAFTER_DRAFT_VOCAB: 2048,
      DISTILLERY_DRAFTER_TTT_STEPS: 7,
      DISTILLERY_DRAFTER_MAX_NEW_TOKENS: 256,
      DISTILLERY_DRAFTER_MAX_TOKENS: 1024,
      DISTILLERY_DRAFTER_EVAL_LIMIT: 16,
      DISTILLERY_DRAFTER_EVAL_MAX_TOKENS: 256,
    });
    expect(draftingSettingsOf(config)).toEqual({ variants: ['combined'], steps: 1000, draftVocab: 2048, tttSteps: 7, maxNewTokens: 256, maxTokens: 1024, evalLimit: 16, evalMaxTokens: 256 });
  });

  it('reads the variants in Table 2’s order and fixes the settings a job keeps', () => {
    const config = loadDrafterConfig({ DISTILLERY_DRAFTER_VARIANTS: 'combined, external,synthetic', DISTILLERY_DRAFTER_STEPS: '6', DISTILLERY_DRAFTER_DRAFT_VOCAB: '64', DISTILLERY_DRAFTER_MAX_BYTES: '1048576', DISTILLERY_DRAFTER_MAX_PROMPTS: '8', DISTILLERY_DRAFTER_SLOTS: '0' });
    expect(config.DISTILLERY_DRAFTER_VARIANTS).toEqual(['external', 'synthetic', 'combined']);
    expect(draftingSettingsOf(config)).toMatchObject({ variants: ['external', 'synthetic', 'combined'], steps: 6, draftVocab: 64, maxBytes: 1_048_576, maxPrompts: 8 });
    expect(config.DISTILLERY_DRAFTER_SLOTS).toBe(0);
  });

  it.each([
    ['DISTILLERY_DRAFTER_VARIANTS', 'combined,fancy', 'expected a comma-separated list of external, synthetic, combined'],
    ['DISTILLERY_DRAFTER_VARIANTS', ',', 'expected a comma-separated list of external, synthetic, combined'],
    ['DISTILLERY_DRAFTER_SLOTS', '2', 'expected 0 or 1'],
    ['DISTILLERY_DRAFTER_SLOTS', 'one', 'expected 0 or 1'],
    ['DISTILLERY_DRAFTER_STEPS', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_DRAFT_VOCAB', '1.5', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_TTT_STEPS', '-1', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_MAX_NEW_TOKENS', 'many', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_MAX_TOKENS', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_MAX_BYTES', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_MAX_PROMPTS', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_EVAL_LIMIT', '0', 'expected an integer ≥ 1'],
    ['DISTILLERY_DRAFTER_EVAL_MAX_TOKENS', '-8', 'expected an integer ≥ 1'],
    ['DISTILLERY_COMPUTE_PYTHON', '/nowhere/bin/python', 'no such file'],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => loadDrafterConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadDrafterConfig({ [name]: value })).toThrow(new RegExp(`${name}: .*${escape(message)}.*, got ${escape(JSON.stringify(value))}`));
  });
});
