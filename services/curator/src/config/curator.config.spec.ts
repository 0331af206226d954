import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { loadCuratorConfig } from './curator.config.js';

describe('the curator config', () => {
  it('defaults every setting', () => {
    expect(loadCuratorConfig({})).toEqual({
      DISTILLERY_CURATOR_DATASET_ID: 'ds_dealership',
      DISTILLERY_CURATOR_SEED: 7,
      DISTILLERY_CURATOR_WAIT_MS: 600_000,
      DISTILLERY_CURATOR_POLL_MS: 1_000,
      DISTILLERY_CURATOR_PUBLIC_SHARE: 0.3,
      DISTILLERY_CURATOR_EVAL_SHARE: 0.1,
      DISTILLERY_CURATOR_HARD_NEGATIVE_SHARE: 0.1,
      DISTILLERY_CURATOR_HARD_NEGATIVE_MIX: { slots: 0.4, credit: 0.3, price: 0.3 },
      DISTILLERY_CURATOR_EAGLE_EXTERNAL_SHARE: 0.5,
      DISTILLERY_CURATOR_CALIBRATION_PER_BUCKET: 8,
    });
  });

  it('reads the hard-negative mix, unnamed families weighing 0', () => {
    expect(loadCuratorConfig({ DISTILLERY_CURATOR_HARD_NEGATIVE_MIX: 'slots:1, price:2' }).DISTILLERY_CURATOR_HARD_NEGATIVE_MIX).toEqual({ slots: 1, credit: 0, price: 2 });
  });

  it.each([
    ['DISTILLERY_CURATOR_PUBLIC_SHARE', '1.5', 'expected a number between 0 and 0.95'],
    ['DISTILLERY_CURATOR_HARD_NEGATIVE_MIX', 'dates:1', 'families slots, credit, price'],
    ['DISTILLERY_CURATOR_HARD_NEGATIVE_MIX', 'slots:0', 'at least one family'],
    ['DISTILLERY_CURATOR_DATASET_ID', '../etc', 'expected letters, digits'],
    ['DISTILLERY_CURATOR_WAIT_MS', 'soon', 'expected an integer ≥ 0'],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => loadCuratorConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadCuratorConfig({ [name]: value })).toThrow(new RegExp(`${name}: .*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});
