/**
 * Needs the compute plane (compute/.venv, which `npm test` makes; skipped without it), not Kafka or
 * PostgreSQL: the serving service runs embedded (in-process bus, PGlite) with real engine processes
 * serving an 8-layer micro student announced on checkpoints.bf16, and a drafter the compute plane's
 * `drafter` job trains for it (tiny settings) announced on drafters.ready: the version is loaded
 * again with `--drafter` beside the engine serving it and swapped in without failing a request, its
 * greedy completions are the same as without the drafter, /serving/models and /metrics show the
 * drafter's live acceptance, and a drafter that does not verify is refused while the version goes on.
 * Then the compute plane's `quantize` job (tiny settings) makes the FP8 student and drafter, announced
 * on checkpoints.fp8: the FP8 version is swapped in the same way, GET /serving/models names its
 * precision and calibration set. About a minute and a half on 2 cores.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { computePython, runDrafterJob, writeMicroCheckpoint } from '@distillery/compute';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { eventually } from '@distillery/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServingLifecycle } from '../src/serving-lifecycle.js';
import { servingService } from '../src/serving.service-definition.js';
import { announceCheckpoint, tamper } from '../src/testing/announce-checkpoint.js';
import { announceDrafter } from '../src/testing/announce-drafter.js';
import { announceFp8 } from '../src/testing/announce-fp8.js';

const STUDENT = 'student-drafter-test';
const VERSION = `${STUDENT}@ckpt_1`;
const WORDS = 'the customer wants a red sedan with low mileage and asks about financing options for next week'.split(' ');
const line = (i: number) => Array.from({ length: 4 + (i % 7) }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');
const PROMPTS = [0, 1, 2, 3].map((i) => `<|user|>\n${line(i + 20)}`);

interface Registry {
  engines: Array<{ version: string; precision: string; drafterId: string | null; status: string; speculation?: { rounds: number; meanAcceptedLength: number; acceptanceByPosition: number[] } }>;
  versions: Array<{
    version: string;
    serving: boolean;
    precision: string | null;
    calibration: { set: string; samples: number } | null;
    fp8: { figures: { fp8DrafterSpeedup: number | null } | null } | null;
    drafter: { drafterId: string; offline: Record<string, number> | null; live: { rounds: number; meanAcceptedLength: number } | null } | null;
    drafters: Array<{ drafterId: string; refused: string | null }>;
    fp8Versions: Array<{ drafterId: string | null; refused: string | null; drafterRefused: string | null }>;
  }>;
}

describe.skipIf(!computePython())('the serving service with an EAGLE drafter', () => {
  let app: RunningApp;
  let dir: string;
  let client: OpenAI;
  let drafterDir: string;
  const registry = async () => (await (await fetch(`${app.url}/serving/models`, { headers: { authorization: 'Bearer dev-key' } })).json()) as Registry;
  const engineOf = async () => (await registry()).engines.find((engine) => engine.version === VERSION);
  /** Streams completions from `workers` callers until the returned stop is called; it resolves with the answers and the failures. */
  const underLoad = (workers: number) => {
    const failures: unknown[] = [];
    const answered: string[] = [];
    let load = true;
    const worker = async () => {
      while (load) {
        try {
          const stream = await client.completions.create({ model: STUDENT, prompt: PROMPTS[0]!, max_tokens: 24, temperature: 0, stream: true });
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
          answered.push(text);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const running = Array.from({ length: workers }, worker);
    return {
      answered,
      stop: async () => {
        load = false;
        await Promise.all(running);
        return { answered, failures };
      },
    };
  };
  const complete = async () => Promise.all(PROMPTS.map(async (prompt) => (await client.completions.create({ model: STUDENT, prompt, max_tokens: 24, temperature: 0 })).choices[0]!.text));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-serving-drafter-'));
    const student = join(dir, 'student');
    await writeMicroCheckpoint({ out: student });
    // The drafter, trained by the compute plane's job on the student's own answers (what the drafter service runs).
    const rows = Array.from({ length: 12 }, (_, i) => ({ id: `e${i}`, set: i % 2 ? 'in-domain' : 'external', prompt: `<|user|>\n${line(i)}` }));
    await writeFile(join(dir, 'eagle.jsonl'), rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    await writeFile(join(dir, 'eval.jsonl'), PROMPTS.slice(0, 3).map((prompt) => `${JSON.stringify({ prompt, output: 'x' })}\n`).join(''));
    const drafted = await runDrafterJob({ checkpoint: student, eagleRows: join(dir, 'eagle.jsonl'), evalRows: join(dir, 'eval.jsonl'), runDir: join(dir, 'eagle'), steps: 6, draftVocab: 64, maxNewTokens: 24, evalLimit: 3, evalMaxTokens: 24 });
    drafterDir = join(dir, 'eagle', 'drafters', drafted.best, 'drafter');

    app = await startApp([servingService], { name: 'serving-drafter-test', defaultPort: 0, env: { DISTILLERY_DATA_DIR: join(dir, 'data'), DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_SERVING_GRPC_PORT: '0' } });
    client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'dev-key', maxRetries: 0 });
    await announceCheckpoint(app, student, { modelId: STUDENT, checkpointId: 'ckpt_1' });
    await eventually(async () => (await engineOf())?.status === 'serving', `${VERSION} served`, 120_000, 200);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads the version again with its drafter without failing a request, and decodes the same greedy output', async () => {
    const plain = await complete();
    expect(plain.every((text) => text.length > 0)).toBe(true);
    expect((await engineOf())?.drafterId).toBeNull();

    const load = underLoad(2);
    await announceDrafter(app, drafterDir, { modelId: STUDENT, checkpointId: 'ckpt_1', drafterId: 'eagle_1' }, { metrics: { acceptanceLength: 1.5 } });
    await eventually(async () => (await engineOf())?.drafterId === 'eagle_1', `${VERSION} with eagle_1`, 120_000, 200);
    const switchedAt = load.answered.length;
    await eventually(() => load.answered.length >= switchedAt + 3, 'answers after the switch', 60_000, 100);
    const { answered, failures } = await load.stop();
    expect(failures).toEqual([]);
    expect(new Set(answered)).toEqual(new Set([plain[0]])); // before, during and after the switch: one greedy answer

    expect(await complete()).toEqual(plain);
    const engine = (await engineOf())!;
    expect(engine.speculation!.rounds).toBeGreaterThan(0);
    expect(engine.speculation!.meanAcceptedLength).toBeGreaterThanOrEqual(1);
    expect(engine.speculation!.acceptanceByPosition.length).toBeGreaterThan(0);
    expect((await registry()).engines.filter((candidate) => candidate.version === VERSION)).toHaveLength(1); // the plain engine stopped
    const version = (await registry()).versions.find((candidate) => candidate.version === VERSION)!;
    expect(version).toMatchObject({ serving: true, drafter: { drafterId: 'eagle_1', offline: { acceptanceLength: 1.5 } }, drafters: [{ drafterId: 'eagle_1', refused: null }] });
    expect(version.drafter!.live!.rounds).toBeGreaterThan(0);
    await eventually(
      async () => new RegExp(`^distillery_serving_mean_accepted_length\\{version="${VERSION}"\\} [1-9]`, 'm').test(await (await fetch(`${app.url}/metrics`)).text()),
      'the mean accepted length on /metrics',
      10_000,
      200,
    );
  });

  it('refuses a drafter that does not verify; the version goes on with the drafter it has', async () => {
    // A copy whose manifest.json only it lists (the store keeps one blob per content), damaged once stored.
    const copy = join(dir, 'eagle_2');
    await cp(drafterDir, copy, { recursive: true });
    const own = JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(copy, 'manifest.json'), JSON.stringify({ ...own, note: 'eagle_2' }));
    await announceDrafter(app, copy, { modelId: STUDENT, checkpointId: 'ckpt_1', drafterId: 'eagle_2' }, { beforePublish: (files) => tamper(app, files['manifest.json']!) });
    const catalog = app.app.get(ServingLifecycle).runtime.catalog!;
    await eventually(async () => (await catalog.drafters(STUDENT)).find((entry) => entry.drafter.drafterId === 'eagle_2')?.refused != null, 'eagle_2 refused', 60_000, 200);
    expect((await catalog.drafters(STUDENT)).find((entry) => entry.drafter.drafterId === 'eagle_2')?.refused).toMatch(/corrupt|manifest/);
    await eventually(async () => (await engineOf())?.drafterId === 'eagle_1', `${VERSION} still with eagle_1`, 60_000, 200);
    expect((await client.completions.create({ model: STUDENT, prompt: PROMPTS[1]!, max_tokens: 4, temperature: 0 })).model).toBe(VERSION);
  });

  it('refuses a drafter its job measured slower than plain decoding; the version goes on with the drafter it has', async () => {
    const copy = join(dir, 'eagle_3');
    await cp(drafterDir, copy, { recursive: true });
    await announceDrafter(app, copy, { modelId: STUDENT, checkpointId: 'ckpt_1', drafterId: 'eagle_3' }, { metrics: { acceptanceLength: 1.2, chainSpeedup: 0.68, speedup: 0.7 } });
    const catalog = app.app.get(ServingLifecycle).runtime.catalog!;
    await eventually(async () => (await catalog.drafters(STUDENT)).find((entry) => entry.drafter.drafterId === 'eagle_3')?.refused != null, 'eagle_3 refused', 60_000, 200);
    expect((await catalog.drafters(STUDENT)).find((entry) => entry.drafter.drafterId === 'eagle_3')?.refused).toMatch(/0\.68x plain decoding as a chain, below DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP 1/);
    await eventually(async () => (await engineOf())?.drafterId === 'eagle_1', `${VERSION} still with eagle_1`, 60_000, 200);
  });

  it('swaps in the FP8 version the quantizer announced without failing a request; its FP8 drafter unless measured slower than plain FP8 decoding', async () => {
    // The quantizer service's job on the student and eagle_1, tiny: 2 calibration texts of 32 tokens, 3 held-out rows.
    const texts = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, set: ['public', 'in-domain', 'mixed'][i % 3], bucket: 32, tokens: 32, text: `${line(i + 5)} ${line(i + 9)}` }));
    await writeFile(join(dir, 'calibration.jsonl'), texts.map((row) => `${JSON.stringify(row)}\n`).join(''));
    await writeFile(join(dir, 'fp8-eval.jsonl'), PROMPTS.slice(0, 3).map((prompt) => `${JSON.stringify({ agent: 'understander', prompt, output: 'x' })}\n`).join(''));
    const runDir = join(dir, 'fp8');
    await promisify(execFile)(computePython()!, ['-m', 'distillery_compute', 'quantize', '--checkpoint', join(dir, 'student'), '--drafter', drafterDir, '--calibration', join(dir, 'calibration.jsonl'),
      '--eval-rows', join(dir, 'fp8-eval.jsonl'), '--run-dir', runDir, '--samples', '2', '--length', '32', '--test-limit', '3', '--test-max-tokens', '64', '--eval-limit', '3', '--eval-max-tokens', '24']);

    const load = underLoad(2);
    await announceFp8(app, runDir, { modelId: STUDENT, checkpointId: 'ckpt_1', drafterId: 'eagle_1' });
    await eventually(async () => (await engineOf())?.precision === 'fp8', `${VERSION} in FP8`, 120_000, 200);
    const switchedAt = load.answered.length;
    await eventually(() => load.answered.length >= switchedAt + 3, 'answers after the switch', 60_000, 100);
    const { failures } = await load.stop();
    expect(failures).toEqual([]);

    const version = (await registry()).versions.find((candidate) => candidate.version === VERSION)!;
    expect(version).toMatchObject({ serving: true, precision: 'fp8', calibration: { set: 'mixed', samples: 2 } });
    expect((await registry()).engines.filter((candidate) => candidate.version === VERSION)).toHaveLength(1); // the BF16 engine stopped
    // On a CPU the FP8 drafter is emulated: slower than plain FP8 decoding, refused with the figure; a GPU may serve it.
    const slow = version.fp8!.figures!.fp8DrafterSpeedup! < 1;
    const refusedAsSlow = expect.stringMatching(/x plain FP8 decoding as a chain, below DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP 1/);
    expect({ drafterRefused: version.fp8Versions[0]!.drafterRefused, drafterId: (await engineOf())?.drafterId }).toEqual(slow ? { drafterRefused: refusedAsSlow, drafterId: null } : { drafterRefused: null, drafterId: 'eagle_1' });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(new RegExp(`distillery_serving_version_changes_total\\{version="${VERSION}",kind="fp8-drafter-refused"\\} 1`).test(metrics)).toBe(slow);
    expect((await client.completions.create({ model: STUDENT, prompt: PROMPTS[1]!, max_tokens: 4, temperature: 0 })).model).toBe(VERSION);
  });
});
