import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { subscribeEvents } from '@distillery/bus';
import { type ArtifactRef, traceRefinedContract } from '@distillery/contracts';
import type { RunningApp } from '@distillery/service-kit';
import { computePython } from './repo-paths.js';

/** Waits until the judge has refined `turns` traces (the embedded bus delivers them in-process). */
export async function awaitRefined(app: RunningApp, turns: number, timeoutMs = 120_000): Promise<{ refined: number; calls: Record<string, number> }> {
  let refined = 0;
  const calls: Record<string, number> = {};
  const subscription = await subscribeEvents(app.platform.bus, traceRefinedContract, {
    groupId: 'cli-run-refined',
    handler: async (event) => {
      refined++;
      for (const call of event.data.calls) calls[call.verdict] = (calls[call.verdict] ?? 0) + 1;
    },
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (refined < turns && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return { refined, calls };
  } finally {
    await subscription.stop();
  }
}

export interface BuiltDataset {
  readonly datasetId: string;
  readonly version: number;
  readonly parts: Readonly<Record<string, ArtifactRef>>;
  readonly counts: Readonly<Record<string, number>>;
}

/** Asks the curator for a dataset of every refined turn (its HTTP API, as an operator would). */
export async function buildDataset(app: RunningApp): Promise<BuiltDataset> {
  const response = await fetch(`${app.url}/curator/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true }) });
  if (response.status !== 201) throw new Error(`curator: POST /curator/datasets answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as BuiltDataset;
}

export interface TrainedStudent {
  readonly student: string;
  readonly stages: ReadonlyArray<{ readonly stage: string; readonly metrics: Readonly<Record<string, number | string>> }>;
}

/**
 * Distills the student from the dataset with the compute plane (`python -m distillery_compute
 * train`), printing its stage and progress lines; `maxSteps` caps every stage for a quick loop.
 */
export async function trainStudent(app: RunningApp, dataset: BuiltDataset, options: { maxSteps: number; runDir: string; print: (line: string) => void }): Promise<TrainedStudent> {
  const python = computePython();
  if (!python) throw new Error('compute/.venv missing: run bash compute/bootstrap.sh');
  const part = (name: string) => {
    const ref = dataset.parts[name];
    if (!ref) throw new Error(`dataset ${dataset.datasetId} v${dataset.version} has no ${name} part`);
    return app.platform.artifacts.pathOf(ref);
  };
  const args = ['-m', 'distillery_compute', 'train', '--run-dir', options.runDir, '--preset', 'tiny', '--cpt', part('cpt'), '--sft', part('sft'), '--dpo', part('dpo'), '--eval', part('eval'), '--max-steps', String(options.maxSteps), '--eval-limit', '6'];
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let done: TrainedStudent | undefined;
  let lastProgress = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as Record<string, unknown>;
    if (event.event === 'stage_done') {
      const metrics = event.metrics as Record<string, number>;
      options.print(`      ${String(event.stage)}: held-out loss ${metrics.held_out_loss?.toFixed(3) ?? '–'}, exact match ${metrics.exact_match?.toFixed(2) ?? '–'}${event.skipped ? ' (done earlier)' : ''}`);
    } else if (event.event === 'progress' && Date.now() - lastProgress > 5_000) {
      lastProgress = Date.now();
      options.print(`      ${String(event.stage)} step ${String(event.step)}/${String(event.total)} loss ${Number(event.loss).toFixed(3)} eta ${Number(event.eta_s).toFixed(0)} s`);
    } else if (event.event === 'done') {
      done = event as unknown as TrainedStudent;
    }
  }
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || !done) throw new Error(`python -m distillery_compute train exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return done;
}
