import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CalibrationCache, type CalibrationInputs } from './calibration-cache.js';

const inputs: CalibrationInputs = { weightsSha256: 'a'.repeat(64), calibrationSha256: 'b'.repeat(64), evalSha256: 'c'.repeat(64), samples: 2, testLimit: 2, testMaxTokens: 64, quantizeLmHead: false };

describe('the calibrations kept between jobs', () => {
  let dir: string;
  let cache: CalibrationCache;
  const run = async (name: string, files: Record<string, string> = {}) => {
    const path = join(dir, name);
    await mkdir(path, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
    return path;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-calibration-cache-'));
    cache = new CalibrationCache(join(dir, 'calibrations'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives a job the calibration and sweep of an earlier job on the same inputs, and only on the same inputs', async () => {
    expect(await cache.seed(inputs, join(dir, 'first'))).toBe('none');
    await cache.keep(inputs, await run('first', { 'calibration.json': '{"mixed@32": 1}', 'sweep.json': '{"test": 2}', 'manifest.json': '{}' }));
    const second = join(dir, 'second', 'fp8');
    expect(await cache.seed(inputs, second)).toBe('reused');
    expect((await readdir(second)).sort()).toEqual(['calibration.json', 'sweep.json']);
    expect(await readFile(join(second, 'calibration.json'), 'utf8')).toBe('{"mixed@32": 1}');
    for (const change of [{ weightsSha256: 'd'.repeat(64) }, { samples: 3 }, { quantizeLmHead: true }, { testMaxTokens: 128 }, { evalSha256: 'e'.repeat(64) }]) {
      expect(await cache.seed({ ...inputs, ...change }, join(dir, 'other', JSON.stringify(change).replace(/\W/g, '')))).toBe('none');
    }
  });

  it('leaves a run dir that has its own calibration as it is, and keeps nothing of a run without one', async () => {
    await cache.keep(inputs, await run('kept', { 'calibration.json': '"kept"', 'sweep.json': '"kept"' }));
    const own = await run('own', { 'calibration.json': '"own"' });
    expect(await cache.seed(inputs, own)).toBe('own');
    expect(await readFile(join(own, 'calibration.json'), 'utf8')).toBe('"own"');
    expect(await readdir(own)).toEqual(['calibration.json']);
    await cache.keep({ ...inputs, samples: 9 }, await run('empty'));
    expect(await cache.seed({ ...inputs, samples: 9 }, join(dir, 'after-empty'))).toBe('none');
  });

  it('keeps the 32 latest calibrations', async () => {
    const source = await run('source', { 'calibration.json': '{}' });
    for (let samples = 1; samples <= 34; samples++) await cache.keep({ ...inputs, samples }, source);
    expect((await readdir(join(dir, 'calibrations'))).length).toBe(32);
    expect(await cache.seed({ ...inputs, samples: 34 }, join(dir, 'latest'))).toBe('reused');
  });
});
