import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openArtifactStore } from '@distillery/artifacts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeRunReport } from './write-run-report.js';

describe('the run report on disk', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'run-report-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lands as report.html and report.md in the run’s folder, and the same bytes in the artifact store', async () => {
    const store = openArtifactStore(pathToFileURL(join(dataDir, 'artifacts')).href);
    const report = { html: '<!doctype html><title>run_1</title>', markdown: '# distillery run run_1\n', sections: ['Run summary'] };
    const written = await writeRunReport(store, dataDir, 'run_1', report);
    expect(written.dir).toBe(join(dataDir, 'runs', 'run_1'));
    expect(written.htmlPath).toBe(join(written.dir, 'report.html'));
    expect((await readdir(written.dir)).sort()).toEqual(['report.html', 'report.md']);
    expect(await readFile(written.htmlPath, 'utf8')).toBe(report.html);
    expect(await readFile(written.markdownPath, 'utf8')).toBe(report.markdown);
    expect((await store.get(written.files['report.html'])).toString('utf8')).toBe(report.html);
    expect((await store.get(written.files['report.md'])).toString('utf8')).toBe(report.markdown);
    // a second run's report replaces nothing of the first
    await writeRunReport(store, dataDir, 'run_2', { ...report, html: '<!doctype html><title>run_2</title>' });
    expect(await readFile(written.htmlPath, 'utf8')).toBe(report.html);
  });
});
