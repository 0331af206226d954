import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { loadServingConfig } from './serving.config.js';

describe('the serving config', () => {
  it('serves FP8 versions by default, refusing one more than 0.05 exact match below BF16', () => {
    const config = loadServingConfig({});
    expect(config.DISTILLERY_SERVING_PRECISION).toBe('fp8');
    expect(config.DISTILLERY_SERVING_FP8_TOLERANCE).toBe(0.05);
  });

  it('takes bf16 (FP8 versions recorded, not loaded) and another tolerance', () => {
    const config = loadServingConfig({ DISTILLERY_SERVING_PRECISION: 'bf16', DISTILLERY_SERVING_FP8_TOLERANCE: '0.2' });
    expect(config.DISTILLERY_SERVING_PRECISION).toBe('bf16');
    expect(config.DISTILLERY_SERVING_FP8_TOLERANCE).toBe(0.2);
  });

  it('gates on agent metrics alone unless the simulator is named, then on 12 stress scenarios of 10 turns a version', () => {
    expect(loadServingConfig({}).DISTILLERY_SERVING_GATE_E2E_URL).toBeUndefined();
    const config = loadServingConfig({ DISTILLERY_SERVING_GATE_E2E_URL: 'http://127.0.0.1:7101' });
    expect([config.DISTILLERY_SERVING_GATE_E2E_SCENARIOS, config.DISTILLERY_SERVING_GATE_E2E_TURNS]).toEqual([12, 10]);
  });

  it.each([
    ['DISTILLERY_SERVING_PRECISION', 'int8', 'expected one of fp8, bf16'],
    ['DISTILLERY_SERVING_FP8_TOLERANCE', '1.5', 'expected a number between 0 and 1'],
    ['DISTILLERY_SERVING_FP8_TOLERANCE', '-0.1', 'expected a number between 0 and 1'],
    ['DISTILLERY_SERVING_FP8_TOLERANCE', 'lots', 'expected a number between 0 and 1'],
    ['DISTILLERY_SERVING_GATE_E2E_URL', 'simulator:7101', 'expected an http(s) URL'],
    ['DISTILLERY_SERVING_GATE_E2E_SCENARIOS', '121', 'expected an integer from 1 to 120'],
    ['DISTILLERY_SERVING_GATE_E2E_TURNS', '0', 'expected an integer from 1 to 10'],
  ])('fails fast on %s=%s, naming the variable', (name, value, expected) => {
    const failure = (() => {
      try {
        loadServingConfig({ [name]: value });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toContain(name);
    expect((failure as Error).message).toContain(expected);
  });
});
