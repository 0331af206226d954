import { describe, expect, it } from 'vitest';
import { loadJudgeConfig } from './judge.config.js';

describe('judge config', () => {
  it('runs the reference judge with seed 7 by default', () => {
    expect(loadJudgeConfig({})).toMatchObject({ DISTILLERY_JUDGE_BACKEND: 'reference', DISTILLERY_JUDGE_SEED: 7, DISTILLERY_JUDGE_LLM_RETRIES: 2 });
  });

  it('names what the llm backend is missing, and bad values', () => {
    expect(() => loadJudgeConfig({ DISTILLERY_JUDGE_BACKEND: 'llm' })).toThrow(/DISTILLERY_OPENAI_BASE_URL: required when DISTILLERY_JUDGE_BACKEND=llm/);
    expect(() => loadJudgeConfig({ DISTILLERY_JUDGE_BACKEND: 'llm', DISTILLERY_OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' })).toThrow(/DISTILLERY_OPENAI_MODEL: required/);
    expect(loadJudgeConfig({ DISTILLERY_JUDGE_BACKEND: 'llm', DISTILLERY_OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', DISTILLERY_JUDGE_OPENAI_MODEL: 'big-judge' })).toMatchObject({ DISTILLERY_JUDGE_OPENAI_MODEL: 'big-judge' });
    expect(() => loadJudgeConfig({ DISTILLERY_JUDGE_BACKEND: 'rules' })).toThrow(/DISTILLERY_JUDGE_BACKEND: expected one of reference, llm, got "rules"/);
    expect(() => loadJudgeConfig({ DISTILLERY_JUDGE_SEED: '-1' })).toThrow(/DISTILLERY_JUDGE_SEED: expected an integer ≥ 0/);
  });
});
