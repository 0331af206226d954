import { sleep, subscribeEvents } from '@distillery/bus';
import type { z } from 'zod';
import { type ArtifactRef, type CheckpointFp8, checkpointFp8Contract, type MessageContract, traceRefinedContract } from '@distillery/contracts';
import { type QuantizerManifest, readQuantizerManifest } from '@distillery/serving';
import { DEV_API_KEY, type RunningApp } from '@distillery/service-kit';

/**
 * Counts the events of `contract` on the platform's bus (a new group: the embedded bus delivers
 * every event already sent too) until `wanted` have come or `timeoutMs` has passed; `onEvent` sees each.
 */
export async function countEvents<S extends z.ZodType>(app: RunningApp, contract: MessageContract<S>, wanted: number, options: { groupId: string; timeoutMs: number; onEvent?: (data: z.infer<S>) => void }): Promise<number> {
  let seen = 0;
  const subscription = await subscribeEvents(app.platform.bus, contract, {
    groupId: options.groupId,
    handler: async (event) => {
      seen++;
      options.onEvent?.(event.data);
    },
  });
  try {
    const deadline = Date.now() + options.timeoutMs;
    while (seen < wanted && Date.now() < deadline) await sleep(50);
    return seen;
  } finally {
    await subscription.stop();
  }
}

/** Waits until the judge has refined `turns` traces (counted from the topic's start, under its own consumer group); counts the refined calls by verdict. */
export async function awaitRefined(app: RunningApp, turns: number, groupId = 'cli-run-refined'): Promise<{ refined: number; calls: Record<string, number> }> {
  const calls: Record<string, number> = {};
  const refined = await countEvents(app, traceRefinedContract, turns, {
    groupId,
    timeoutMs: 120_000,
    onEvent: (data) => {
      for (const call of data.calls) calls[call.verdict] = (calls[call.verdict] ?? 0) + 1;
    },
  });
  return { refined, calls };
}

export interface BuiltDataset {
  readonly datasetId: string;
  readonly version: number;
  /** Its manifest (files, splits), as the curator's API shows it (`artifact:…`: no host path). */
  readonly manifestUri: string;
  /** The manifest's sha256: what the artifact store reads it by. */
  readonly manifestSha256: string;
  readonly counts: Readonly<Record<string, number>>;
}

export interface SimulatedCampaign {
  readonly campaignId: string;
  readonly conversations: Readonly<Record<string, number>>;
  readonly exits: Readonly<Record<string, number>>;
  readonly turns: number;
  readonly seconds: number;
}

/** The headers of the CLI's calls to the services' HTTP APIs: an operator's key (DISTILLERY_API_KEY, else the development key the embedded run accepts). */
export function operatorHeaders(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...extra, 'x-api-key': process.env.DISTILLERY_API_KEY || DEV_API_KEY };
}

async function getJson<T>(url: string, what: string): Promise<T> {
  const response = await fetch(url, { headers: operatorHeaders() });
  if (!response.ok) throw new Error(`${what}: GET ${new URL(url).pathname} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Starts a simulator campaign over the simulator's HTTP API at `url` (as an operator would) and follows it
 * to completion, printing its progress; the campaign then announces itself on campaigns.completed.
 */
export async function simulateCampaign(url: string, request: Readonly<Record<string, unknown>>, print: (line: string) => void): Promise<SimulatedCampaign> {
  const started = Date.now();
  const response = await fetch(`${url}/simulator/campaigns`, { method: 'POST', headers: operatorHeaders({ 'content-type': 'application/json' }), body: JSON.stringify(request) });
  // 201: a new campaign; 200: the same id and spec asked again, so follow the existing one.
  if (response.status !== 201 && response.status !== 200) throw new Error(`simulator: POST /simulator/campaigns answered ${response.status}: ${await response.text()}`);
  const { campaignId } = (await response.json()) as { campaignId: string };
  let lastPrinted = 0;
  for (;;) {
    const progress = await getJson<SimulatedCampaign & { status: string; count: number }>(`${url}/simulator/campaigns/${campaignId}`, 'simulator');
    const finished = (progress.conversations.done ?? 0) + (progress.conversations.failed ?? 0);
    if (progress.status === 'completed') return { campaignId, conversations: progress.conversations, exits: progress.exits, turns: progress.turns, seconds: (Date.now() - started) / 1000 };
    if (Date.now() - lastPrinted > 5_000) {
      lastPrinted = Date.now();
      print(`      ${campaignId}: ${finished}/${progress.count} conversations finished, ${progress.turns} turns`);
    }
    await sleep(250);
  }
}

/** Waits until the curator has settled a completed campaign (GET /curator/campaigns/:id): built into a version, or held over without one. */
export async function awaitCampaignSettled(app: RunningApp, campaignId: string, timeoutMs = 300_000): Promise<{ datasetId: string | null; datasetVersion: number | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${app.url}/curator/campaigns/${encodeURIComponent(campaignId)}`, { headers: operatorHeaders() });
    if (response.ok) {
      const outcome = (await response.json()) as { status: string; datasetId: string | null; datasetVersion: number | null };
      if (outcome.status !== 'pending') return outcome;
    } else if (response.status !== 404) throw new Error(`curator: GET /curator/campaigns/${campaignId} answered ${response.status}: ${await response.text()}`);
    if (Date.now() > deadline) throw new Error(`curator: campaign ${campaignId} not settled within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

/** Waits for the dataset the curator builds when the campaign completes (GET /curator/datasets). */
export async function awaitDataset(app: RunningApp, campaignId: string, timeoutMs = 300_000): Promise<BuiltDataset> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const versions = await getJson<Array<BuiltDataset & { campaignId: string | null }>>(`${app.url}/curator/datasets`, 'curator');
    const built = versions.find((version) => version.campaignId === campaignId);
    if (built) return built;
    if (Date.now() > deadline) throw new Error(`curator: no dataset for campaign ${campaignId} within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

export interface TrainedStudent {
  readonly jobId: string;
  readonly checkpointId: string;
  readonly weights: string;
  readonly stages: ReadonlyArray<{ readonly stage: string; readonly metrics: Readonly<Record<string, unknown>> }>;
}

interface TrainingJobView {
  readonly id: string;
  readonly datasetVersion: number;
  readonly status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  readonly stage: string | null;
  readonly step: number | null;
  readonly total: number | null;
  readonly loss: number | null;
  readonly stages: ReadonlyArray<{ readonly stage: string; readonly metrics: Readonly<Record<string, unknown>>; readonly skipped: boolean }>;
  readonly error: string | null;
  readonly checkpointId: string | null;
  readonly checkpoint: { readonly weights: ArtifactRef } | null;
}

/** How long a wait on a job goes on asking an API it cannot reach. */
const UNREACHABLE_MS = 60_000;

/**
 * getJson for a poll of a job's API that outlasts a minute of failed requests: fetch's TypeError
 * (the request did not get through: on a machine loaded far past its cores a poll of the
 * in-process API can time out while the job computes on) is asked again every second.
 */
async function pollJson<T>(url: string, what: string): Promise<T> {
  const since = Date.now();
  for (;;) {
    try {
      return await getJson<T>(url, what);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      if (Date.now() - since > UNREACHABLE_MS) throw new Error(`${what}: GET ${new URL(url).pathname} failed for ${UNREACHABLE_MS / 1000} s: ${error.message}${error.cause ? ` (${String(error.cause)})` : ''}`);
      await sleep(1_000);
    }
  }
}

/**
 * Follows the trainer service's job for the dataset (it starts on datasets.ready) over the
 * trainer's HTTP API, printing stage results and progress lines, until its checkpoint is out.
 */
export async function awaitStudent(app: RunningApp, dataset: BuiltDataset, options: { print: (line: string) => void; timeoutMs?: number }): Promise<TrainedStudent> {
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let printedStages = 0;
  let lastProgress = 0;
  let lastAt = '';
  for (;;) {
    const jobs = await pollJson<TrainingJobView[]>(`${app.url}/trainer/jobs?datasetId=${encodeURIComponent(dataset.datasetId)}&limit=20`, 'trainer');
    const job = jobs.find((candidate) => candidate.datasetVersion === dataset.version);
    if (job) {
      for (const { stage, metrics, skipped } of job.stages.slice(printedStages)) {
        const figure = (key: string, digits: number) => (typeof metrics[key] === 'number' ? (metrics[key] as number).toFixed(digits) : '–');
        options.print(`      ${stage}: held-out loss ${figure('held_out_loss', 3)}, exact match ${figure('exact_match', 2)}${skipped ? ' (done earlier)' : ''}`);
      }
      printedStages = job.stages.length;
      if (job.status === 'succeeded' && job.checkpoint && job.checkpointId) {
        return { jobId: job.id, checkpointId: job.checkpointId, weights: job.checkpoint.weights.uri, stages: job.stages };
      }
      if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`trainer: job ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
      const at = `${job.stage} ${job.step}`;
      if (job.stage && job.step !== null && at !== lastAt && Date.now() - lastProgress > 5_000) {
        lastProgress = Date.now();
        lastAt = at;
        options.print(`      ${job.stage} step ${job.step}/${job.total ?? '?'}${job.loss === null ? '' : ` loss ${job.loss.toFixed(3)}`}`);
      }
    }
    if (Date.now() > deadline) throw new Error(`trainer: no checkpoint for ${dataset.datasetId} v${dataset.version} within ${Math.round((options.timeoutMs ?? 3_600_000) / 1000)} s${job ? ` (job ${job.id} ${job.status})` : ' (no job)'}`);
    await sleep(500);
  }
}

/** The drafter the drafter service trained for a checkpoint, as its job reports it. */
export interface TrainedDrafter {
  readonly jobId: string;
  readonly drafterId: string;
  readonly metrics: Readonly<Record<string, number>>;
}

interface DrafterJobView {
  readonly id: string;
  readonly status: string;
  readonly stage: string | null;
  readonly step: number | null;
  readonly total: number | null;
  readonly drafterId: string | null;
  readonly metrics: Record<string, number> | null;
  readonly error: string | null;
}

/** Waits for the drafter service's job on the checkpoint (it starts on checkpoints.bf16) to announce its drafter on drafters.ready. */
export async function awaitDrafter(app: RunningApp, checkpointId: string, options: { print: (line: string) => void; timeoutMs?: number }): Promise<TrainedDrafter> {
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let lastAt = '';
  let lastProgress = 0;
  for (;;) {
    const jobs = await pollJson<DrafterJobView[]>(`${app.url}/drafter/jobs?checkpointId=${encodeURIComponent(checkpointId)}&limit=5`, 'drafter');
    const job = jobs[0];
    if (job?.status === 'succeeded' && job.drafterId) return { jobId: job.id, drafterId: job.drafterId, metrics: job.metrics ?? {} };
    if (job && (job.status === 'failed' || job.status === 'cancelled')) throw new Error(`drafter: job ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
    const at = job ? `${job.stage ?? ''} ${job.step ?? ''}` : '';
    if (job?.stage && at !== lastAt && Date.now() - lastProgress > 5_000) {
      lastProgress = Date.now();
      lastAt = at;
      options.print(`      ${job.stage}${job.step === null ? '' : ` step ${job.step}/${job.total ?? '?'}`}`);
    }
    if (Date.now() > deadline) throw new Error(`drafter: no drafter for ${checkpointId} within ${Math.round((options.timeoutMs ?? 3_600_000) / 1000)} s${job ? ` (job ${job.id} ${job.status})` : ' (no job)'}`);
    await sleep(500);
  }
}

/** The FP8 student (and drafter) the quantizer service made of a checkpoint, as checkpoints.fp8 announced it. */
export interface QuantizedStudent {
  readonly jobId: string;
  readonly fp8: CheckpointFp8;
  /** The quantize run's manifest.json: calibration, clip rates by set and length (`sweep.sets`), BF16 against FP8, the drafters' acceptance, memory. */
  readonly manifest: QuantizerManifest;
}

interface QuantizerJobView {
  readonly id: string;
  readonly status: string;
  readonly drafterId: string | null;
  readonly stage: string | null;
  readonly step: number | null;
  readonly total: number | null;
  readonly error: string | null;
}

/**
 * Waits for the quantizer's checkpoints.fp8 of the checkpoint — the one quantized with `drafterId`
 * (it starts on drafters.ready), or without a drafter (on checkpoints.bf16) — printing its job's
 * stages from the quantizer's HTTP API, and reads the run's manifest from the artifact store.
 */
export async function awaitQuantized(app: RunningApp, checkpointId: string, drafterId: string | undefined, options: { print: (line: string) => void; timeoutMs?: number }): Promise<QuantizedStudent> {
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  const wanted = (candidate: { readonly checkpointId?: string; readonly drafterId?: string | null }) => (candidate.checkpointId ?? checkpointId) === checkpointId && (candidate.drafterId ?? null) === (drafterId ?? null);
  const announced: CheckpointFp8[] = [];
  // a new group: the embedded bus delivers the events already sent too
  const subscription = await subscribeEvents(app.platform.bus, checkpointFp8Contract, { groupId: `cli-run-fp8-${checkpointId}`, handler: async (event) => void announced.push(event.data) });
  let lastAt = '';
  let lastProgress = 0;
  try {
    for (;;) {
      const jobs = await pollJson<QuantizerJobView[]>(`${app.url}/quantizer/jobs?checkpointId=${encodeURIComponent(checkpointId)}&limit=10`, 'quantizer');
      const job = jobs.find(wanted);
      const fp8 = announced.find(wanted);
      if (fp8) return { jobId: job?.id ?? '–', fp8, manifest: await readQuantizerManifest(app.platform.artifacts, fp8) };
      if (job && (job.status === 'failed' || job.status === 'cancelled')) throw new Error(`quantizer: job ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`);
      const at = job ? `${job.stage ?? ''} ${job.step ?? ''}` : '';
      if (job?.stage && at !== lastAt && Date.now() - lastProgress > 5_000) {
        lastProgress = Date.now();
        lastAt = at;
        options.print(`      ${job.stage}${job.step === null ? '' : ` step ${job.step}/${job.total ?? '?'}`}`);
      }
      if (Date.now() > deadline) throw new Error(`quantizer: no FP8 version of ${checkpointId}${drafterId ? ` with ${drafterId}` : ''} within ${Math.round((options.timeoutMs ?? 3_600_000) / 1000)} s${job ? ` (job ${job.id} ${job.status})` : ' (no job)'}`);
      await sleep(500);
    }
  } finally {
    await subscription.stop();
  }
}
