import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ArtifactStore } from '@distillery/artifacts';
import type { ArtifactRef } from '@distillery/contracts';
import type { RenderedReport } from './render-run-report.js';

/** Where a run's report went: its folder a person opens, and the same files in the artifact store. */
export interface WrittenReport {
  /** `<data dir>/runs/<runId>`, absolute. */
  readonly dir: string;
  readonly htmlPath: string;
  readonly markdownPath: string;
  /** `report.html` and `report.md` in the artifact store, for the run's manifest. */
  readonly files: Readonly<Record<'report.html' | 'report.md', ArtifactRef>>;
}

/**
 * Writes report.html and report.md into the run's folder, `<dataDir>/runs/<runId>/` (each whole or
 * not at all: written beside, then renamed), and stores both in the artifact store.
 */
export async function writeRunReport(store: ArtifactStore, dataDir: string, runId: string, report: RenderedReport): Promise<WrittenReport> {
  const dir = resolve(dataDir, 'runs', runId);
  await mkdir(dir, { recursive: true });
  const htmlPath = await writeWhole(join(dir, 'report.html'), report.html);
  const markdownPath = await writeWhole(join(dir, 'report.md'), report.markdown);
  const files = {
    'report.html': await store.put(report.html, { kind: 'run-report' }),
    'report.md': await store.put(report.markdown, { kind: 'run-report' }),
  };
  return { dir, htmlPath, markdownPath, files };
}

async function writeWhole(path: string, text: string): Promise<string> {
  const staging = `${path}.tmp-${process.pid}`;
  await writeFile(staging, text, 'utf8');
  await rename(staging, path);
  return path;
}
