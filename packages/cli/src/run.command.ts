import { randomUUID } from 'node:crypto';
import { computeInfo, IMPORTABLE_BASES } from '@distillery/compute';
import { traceRawContract } from '@distillery/contracts';
import { DEFAULT_TRAINER_PRESET } from '@distillery/trainer';
import { checkConfig, freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { ConsoleModule } from '@distillery/console';
import { ALL_SERVICES } from './all-services.js';
import { fp8IdOf } from '@distillery/serving';
import { awaitCampaignSettled, awaitDataset, awaitDrafter, awaitQuantized, awaitRefined, awaitStudent, countEvents, type QuantizedStudent, type SimulatedCampaign, simulateCampaign, type TrainedDrafter } from './loop-stages.js';
import { awaitGate, gateReportOf, gateTable } from './deploy-gate-step.js';
import { gateEvaluations, quantizerEvaluations, teacherEvaluation } from './teacher-evaluation.js';
import { collectRunReport } from './report/collect-run-report.js';
import { describeFp8 } from './report/fp8-figures.js';
import { renderRunReport } from './report/render-run-report.js';
import type { StageLine } from './report/run-report-data.js';
import { writeRunReport } from './report/write-run-report.js';
import { ProgressPrinter } from './progress.js';
import { describeServed, replayOnStudent, replayTable } from './student-replay.js';
import { startStudentAgents } from './student-agents.js';
import { loadRunConfig } from './run-config.js';

/** Held-out rows whose loss the embedded run measures after each stage (each agent in turn), and how many of them it decodes: two per agent, the same rows at every stage. */
const RUN_EVAL_ROWS = 6;
const RUN_DECODED_ROWS = 6;

export interface RunOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Keep the embedded platform up (health, metrics) until interrupted. */
  readonly serve: boolean;
}

export interface RunSummary {
  readonly runId: string;
  readonly stagesRun: string[];
  readonly stagesMissing: string[];
  /** The run's report.html in its folder, `<DISTILLERY_DATA_DIR>/runs/<runId>/`. */
  readonly reportPath: string;
  /** The same report.html in the artifact store. */
  readonly reportUri: string;
}

/**
 * `distillery run`: the whole loop in one process — in-process bus, PGlite, CPU compute. Runs the
 * stages this build implements, in flow order, and names those it does not implement yet.
 */
export async function runCommand(options: RunOptions): Promise<{ summary: RunSummary; app: RunningApp }> {
  const settings = loadRunConfig(options.env);
  // The trainer service distills the student when the curator announces the dataset: a short run on the
  // trainer's default base, SmolLM2-135M-Instruct (imported once into the data dir): DISTILLERY_RUN_TRAIN_STEPS
  // optimizer steps a stage, the held-out loss on RUN_EVAL_ROWS rows and RUN_DECODED_ROWS of them decoded,
  // unless told otherwise (DISTILLERY_TRAINER_*); 0 steps trains nothing. Sized to fit 15 minutes on 2 cores.
  const trainSteps = settings.DISTILLERY_RUN_TRAIN_STEPS;
  const training = trainSteps > 0 ? { DISTILLERY_TRAINER_MAX_STEPS: String(trainSteps), DISTILLERY_TRAINER_EVAL_LIMIT: String(RUN_DECODED_ROWS), DISTILLERY_TRAINER_EVAL_ROWS: String(RUN_EVAL_ROWS) } : { DISTILLERY_TRAINER_SLOTS: '0' };
  const preset = options.env.DISTILLERY_TRAINER_PRESET ?? DEFAULT_TRAINER_PRESET;
  // The drafter service trains an EAGLE drafter for the student on checkpoints.bf16: here on 12 eagle
  // prompts a set answered in at most 96 tokens, DISTILLERY_RUN_DRAFTER_STEPS steps, measured on 4
  // held-out prompts (a few minutes on 2 cores); serving then decodes the student with it. 0: none.
  const drafterSteps = trainSteps > 0 ? settings.DISTILLERY_RUN_DRAFTER_STEPS : 0;
  const drafting = drafterSteps > 0
    ? { DISTILLERY_DRAFTER_STEPS: String(drafterSteps), DISTILLERY_DRAFTER_MAX_PROMPTS: '12', DISTILLERY_DRAFTER_MAX_NEW_TOKENS: '96', DISTILLERY_DRAFTER_EVAL_LIMIT: '4', DISTILLERY_DRAFTER_EVAL_MAX_TOKENS: '96' }
    : { DISTILLERY_DRAFTER_SLOTS: '0' };
  // The quantizer service makes an FP8 student of the checkpoint on checkpoints.bf16, and again with
  // its drafter on drafters.ready: here DISTILLERY_RUN_QUANTIZE_SAMPLES calibration texts a set and
  // length (every bucket of the curator's calibration part, for the clip rates by length), the
  // scales of DISTILLERY_RUN_QUANTIZE_LENGTH deployed, DISTILLERY_RUN_QUANTIZE_EVAL_ROWS held-out rows
  // decoded BF16 against FP8 (32 tokens) and measured for the clip rates (256 tokens): a minute or
  // two on 2 cores. Serving then serves the FP8 version unless its figures are refused. 0: none.
  const quantizeSamples = trainSteps > 0 ? settings.DISTILLERY_RUN_QUANTIZE_SAMPLES : 0;
  const evalRows = String(settings.DISTILLERY_RUN_QUANTIZE_EVAL_ROWS);
  const quantizing = quantizeSamples > 0
    ? { DISTILLERY_QUANTIZER_SAMPLES: String(quantizeSamples), DISTILLERY_QUANTIZER_LENGTH: String(settings.DISTILLERY_RUN_QUANTIZE_LENGTH), DISTILLERY_QUANTIZER_TEST_LIMIT: evalRows, DISTILLERY_QUANTIZER_TEST_MAX_TOKENS: '256', DISTILLERY_QUANTIZER_EVAL_LIMIT: evalRows, DISTILLERY_QUANTIZER_EVAL_MAX_TOKENS: '32' }
    : { DISTILLERY_QUANTIZER_SLOTS: '0' };
  // The agents' compact prompts (~830 tokens, all within the 135M student's 2,048-token training cap;
  // the production ones average ~1,250 and a third pass 2,048): the student is trained on what the
  // agents send, in a third less CPU time. DISTILLERY_AGENTS_PROMPT_PROFILE=production to override.
  const prompts = { DISTILLERY_AGENTS_PROMPT_PROFILE: 'compact' };
  // Serving's deploy gate measures the student against the pretrained base it was distilled from
  // (the run's first version of the model has no other incumbent): serving serves that base too,
  // and the gate decodes DISTILLERY_SERVING_GATE_ROWS held-out rows on both (8 here: a minute or two on 2 cores).
  const gating = trainSteps > 0 && (IMPORTABLE_BASES as readonly string[]).includes(preset) ? { DISTILLERY_SERVING_BASE: preset, DISTILLERY_SERVING_GATE_ROWS: '8', DISTILLERY_SERVING_GATE_MAX_TOKENS: '192' } : {};
  // The gate also plays DISTILLERY_RUN_GATE_E2E_SCENARIOS stress scenarios (of DISTILLERY_RUN_GATE_E2E_TURNS
  // turns) on the student and on the base: serving asks the simulator's stress-run API, which plays them
  // through a third agents service on the serving backend (started below, on a port fixed now), each
  // session pinned to the version under test. Both addresses must be known before the platform boots.
  const e2eScenarios = Object.keys(gating).length ? settings.DISTILLERY_RUN_GATE_E2E_SCENARIOS : 0;
  const httpPort = e2eScenarios > 0 ? (options.env.DISTILLERY_HTTP_PORT ?? String(await freePort())) : undefined;
  const gateAgentsPort = e2eScenarios > 0 ? await freePort() : undefined;
  const endToEnd = httpPort && gateAgentsPort
    ? {
        DISTILLERY_HTTP_PORT: httpPort,
        DISTILLERY_SERVING_GATE_E2E_URL: `http://127.0.0.1:${httpPort}/simulator`,
        DISTILLERY_SERVING_GATE_E2E_SCENARIOS: String(e2eScenarios),
        DISTILLERY_SERVING_GATE_E2E_TURNS: String(settings.DISTILLERY_RUN_GATE_E2E_TURNS),
        DISTILLERY_SIMULATOR_STRESS_AGENTS_ADDRESS: `127.0.0.1:${gateAgentsPort}`,
      }
    : {};
  // The simulator is the one tenant here, so the agents' per-tenant rate limit is lifted for the run.
  const env = { DISTILLERY_LOG_LEVEL: 'warn', DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()), DISTILLERY_SERVING_GRPC_PORT: String(await freePort()), DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000', DISTILLERY_AGENTS_RATE_BURST: '10000', ...prompts, ...gating, ...endToEnd, ...training, ...drafting, ...quantizing, ...options.env, DISTILLERY_MODE: 'embedded' };
  checkConfig(ALL_SERVICES, env); // every setting checked before anything starts or prints
  const startedAt = new Date().toISOString();
  const runId = `run_${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomUUID().slice(0, 6)}`;
  const stages = ALL_SERVICES.flatMap((service) => service.stages.map((stage) => ({ service: service.name, ...stage })));
  const heldOutConversations = trainSteps > 0 ? settings.DISTILLERY_RUN_HELDOUT_CONVERSATIONS : 0;
  const progress = new ProgressPrinter(13 + (heldOutConversations > 0 ? 2 : 0) + stages.length);
  process.stdout.write(`distillery run ${runId} — embedded: in-process bus, PGlite, CPU\n`);
  const app = await progress.run(
    'platform',
    () => startApp(ALL_SERVICES, { name: 'embedded', env, defaultPort: 0, modules: [ConsoleModule.forRoot({ liveRun: { runId, board: progress.live } })] }),
    (running) => `${ALL_SERVICES.length} services up at ${running.url} (console ${running.url}/console, data in ${running.platform.config.DISTILLERY_DATA_DIR})`,
  );
  const health = await progress.run(
    'health',
    async () => (await fetch(`${app.url}/health`)).json() as Promise<{ status: string; details: Record<string, { status: string }> }>,
    (body) => `${body.status} (bus ${body.details.bus?.status}, database ${body.details.database?.status})`,
  );
  const compute = await progress.run('compute plane', computeInfo, describeCompute);
  const gateAgents = gateAgentsPort ? await startStudentAgents(app, env, { name: 'gate-agents', port: gateAgentsPort }) : undefined;

  const stagesRun: string[] = [];
  const stagesMissing: string[] = [];
  const stageNotes: Record<string, string> = {};
  // The held-out-phrasing campaign first: its turns are never trained on, and the curator puts them in
  // the eval-heldout part of the version it builds for the training campaign below, on which the
  // trainer measures every stage — the generalisation figure beside the eval split's.
  const heldOut = heldOutConversations > 0
    ? await progress.run(
        'simulator: a held-out-phrasing campaign (wordings and personas no training campaign uses)',
        () => simulateCampaign(app.url, { count: heldOutConversations, seed: settings.DISTILLERY_RUN_SEED + 1, concurrency: 4, phrasing: 'held-out' }, (line) => process.stdout.write(`${line}\n`)),
        (result) => describeCampaign(result),
      )
    : undefined;
  // The training campaign starts once the curator has settled the held-out one (no version: nothing to train on yet).
  if (heldOut) {
    await progress.run(
      'curator: the held-out turns, kept for the next version\'s eval-heldout',
      async () => {
        const judged = await awaitRefined(app, heldOut.turns, 'cli-run-refined-heldout');
        return { judged, settled: await awaitCampaignSettled(app, heldOut.campaignId) };
      },
      ({ judged, settled }) => `${judged.refined} of ${heldOut.turns} turns refined; ${settled.datasetId ? `built into ${settled.datasetId} v${settled.datasetVersion}` : 'held over for the next version'}`,
    );
  }
  const campaign = await progress.run(
    'simulator: a campaign of simulated customers over the agents\' gRPC API',
    () => simulateCampaign(app.url, { count: settings.DISTILLERY_RUN_CONVERSATIONS, seed: settings.DISTILLERY_RUN_SEED, concurrency: 4 }, (line) => process.stdout.write(`${line}\n`)),
    (result) => describeCampaign(result),
  );
  stageNotes['simulator/campaigns'] = describeCampaign(campaign);
  const allTurns = campaign.turns + (heldOut?.turns ?? 0);
  const traced = await progress.run('agents: every turn traced on traces.raw', () => countEvents(app, traceRawContract, allTurns, { groupId: 'cli-run-traces', timeoutMs: 30_000 }), (n) => `${n} of ${allTurns} turns`);
  const sessions = [campaign, ...(heldOut ? [heldOut] : [])].reduce((sum, played) => sum + Object.values(played.conversations).reduce((all, n) => all + n, 0), 0);
  stageNotes['agents/pipeline'] = `${allTurns} turns through the five agents${heldOut ? ` (${heldOut.turns} of the held-out-phrasing campaign)` : ''}`;
  stageNotes['agents/grpc-api'] = `${sessions} simulated sessions over gRPC`;
  stageNotes['agents/traces'] = `${traced} of ${allTurns} traces on traces.raw`;
  const judged = await progress.run('judge: refine every agent call', () => awaitRefined(app, allTurns), (result) => `${result.refined} of ${allTurns} turns refined; calls ${counted(result.calls)}`);
  stageNotes['judge/refine'] = `${judged.refined} turns refined (${counted(judged.calls)})`;
  const dataset = await progress.run('curator: the campaign\'s datasets (on campaigns.completed)', () => awaitDataset(app, campaign.campaignId), (built) => `${built.datasetId} v${built.version}: ${counted(built.counts)}`);
  stageNotes['curator/datasets'] = `${dataset.datasetId} v${dataset.version} (${counted(dataset.counts)})`;
  const student =
    compute.available && trainSteps > 0
      ? await progress.run(
          `trainer: distill the student (${preset}, at most ${trainSteps} steps a stage)`,
          () => awaitStudent(app, dataset, { print: (line) => process.stdout.write(`${line}\n`) }),
          (trained) => `${trained.checkpointId} (job ${trained.jobId}) on checkpoints.bf16, weights ${trained.weights}`,
        )
      : undefined;
  const gate =
    student && options.env.DISTILLERY_SERVING_GATE !== 'off'
      ? await progress.run(
          'serving: the deploy gate, the student against the incumbent on held-out rows',
          () => awaitGate(app, student.checkpointId),
          (outcome) => ('gated' in outcome ? `${outcome.gated.decision} (against ${outcome.gated.incumbent ?? 'no incumbent'}): ${outcome.gated.reason}` : `refused before the gate: ${outcome.refusedBefore}`),
        )
      : undefined;
  if (gate && 'gated' in gate) {
    process.stdout.write(`\n${gateTable(gate.gated).join('\n')}\n\n`);
    stageNotes['serving/deploy-gate'] = `${gate.gated.decision} against ${gate.gated.incumbent ?? 'no incumbent'} on ${gate.gated.evalRows} held-out rows`;
  }
  // A student the gate (or serving) refused is not served: nothing to replay on it.
  const served = !gate || ('gated' in gate && gate.gated.decision === 'accepted');
  const drafter: TrainedDrafter | undefined =
    student && drafterSteps > 0
      ? await progress.run(
          `drafter: an EAGLE drafter for the student (${drafterSteps} steps)`,
          () => awaitDrafter(app, student.checkpointId, { print: (line) => process.stdout.write(`${line}\n`) }),
          (trained) => `${trained.drafterId} on drafters.ready: ${describeDrafter(trained)}`,
        )
      : undefined;
  if (drafter) {
    stageNotes['drafter/eagle-data'] = `${drafter.drafterId}: the student's own answers to the eagle prompts`;
    stageNotes['drafter/eagle-train'] = `${drafter.drafterId}: ${drafterSteps} TTT steps, final loss ${drafter.metrics.trainLoss?.toFixed(3) ?? '–'}`;
    stageNotes['drafter/eagle-evaluate'] = describeDrafter(drafter);
  }
  const quantized: QuantizedStudent | undefined =
    student && quantizeSamples > 0
      ? await progress.run(
          `quantizer: the FP8 student${drafter ? ` and drafter` : ''} (${quantizeSamples} calibration text${quantizeSamples === 1 ? '' : 's'} a set and length, ${settings.DISTILLERY_RUN_QUANTIZE_LENGTH} tokens deployed)`,
          () => awaitQuantized(app, student.checkpointId, drafter?.drafterId, { print: (line) => process.stdout.write(`${line}\n`) }),
          (result) => `${fp8IdOf(result.fp8)} on checkpoints.fp8: ${describeFp8(result)}`,
        )
      : undefined;
  if (quantized) {
    const { calibration } = quantized.fp8;
    stageNotes['quantizer/fp8-calibrate'] = `${calibration.set} calibration, ${calibration.samples} texts; clip rates of every set and length on held-out sequences`;
    stageNotes['quantizer/fp8-ptq'] = `${fp8IdOf(quantized.fp8)}: ${quantized.fp8.format}${quantized.fp8.drafterId ? `, with ${quantized.fp8.drafterId}` : ''}`;
    stageNotes['quantizer/fp8-evaluate'] = describeFp8(quantized);
  }
  const replayConversations = settings.DISTILLERY_RUN_REPLAY_CONVERSATIONS;
  const replay =
    student && served && replayConversations > 0
      ? await progress.run(
          `serving: the student behind the agents, ${replayConversations} held-out conversations replayed`,
          () => replayOnStudent(app, dataset, student.checkpointId, {
              conversations: replayConversations,
              env,
              print: (line) => process.stdout.write(`${line}\n`),
              ...(drafter ? { drafterId: drafter.drafterId } : {}),
              ...(quantized ? { fp8: quantized.fp8 } : {}),
            }),
          (result) => `${result.student.turns} turns on ${result.version} ${describeServed(result.servedAs)}: ${(result.student.turnsCompleted * 100).toFixed(0)}% completed (teacher ${(result.teacher.turnsCompleted * 100).toFixed(0)}%)`,
        )
      : undefined;
  if (replay) {
    stageNotes['serving/engine'] = `${replay.version} served; ${replay.student.turns} held-out turns replayed through the agents on it`;
    if (quantized) stageNotes['serving/fp8'] = `${replay.version} served ${describeServed(replay.servedAs)}`;
    process.stdout.write(`\n${replayTable(replay).join('\n')}\n`);
    if (replay.drafter) process.stdout.write(`drafter ${replay.drafter.drafterId} during the replay: ${replay.drafter.rounds} drafts verified, mean accepted length ${replay.drafter.meanAcceptedLength.toFixed(2)}\n`);
  }
  const trainerStages: Record<string, string> = { 'block-expansion': 'expand', 'ca-cpt': 'cpt', 'sft-lora': 'sft', 'dpo-lora': 'dpo' };
  for (const [name, stage] of Object.entries(trainerStages)) {
    const metrics = student?.stages.find((result) => result.stage === stage)?.metrics;
    if (typeof metrics?.held_out_loss === 'number') stageNotes[`trainer/${name}`] = `${stage}: held-out loss ${metrics.held_out_loss.toFixed(3)}${typeof metrics.exact_match === 'number' ? `, exact match ${metrics.exact_match.toFixed(2)}` : ''}`;
  }
  for (const stage of stages) {
    const name = `${stage.service}/${stage.name}`;
    // Each stage issue plugs its work in above and reports here.
    progress.note(name, stage.implemented ? (stageNotes[name] ?? 'implemented') : `not implemented yet${stage.issue ? ` (issue #${stage.issue})` : ''}`);
    (stage.implemented ? stagesRun : stagesMissing).push(name);
  }

  // The teacher's own outputs on the held-out rows, scored as every model is: Figure 3's reference row.
  const teacher = await progress.run('evaluation: the teacher’s agent-level figures on the held-out rows', () => teacherEvaluation(app, dataset), (result) =>
    result ? `${result.summaries.filter((summary) => summary.agent === 'turn').map((summary) => `whole-turn success ${summary.mean.toFixed(2)} [${summary.low.toFixed(2)}, ${summary.high.toFixed(2)}] on ${summary.n} turns`).join('') || `${result.summaries.length} figures`}` : 'no teacher outputs in the eval part',
  );
  const overview = { runId, startedAt, elapsed: progress.elapsed(), mode: 'embedded (in-process bus, PGlite, CPU)', health: health.status, compute: describeCompute(compute), campaign: describeCampaign(campaign), stages: stageLines(stages, stageNotes) };
  const report = await renderRunReport(collectRunReport({
      overview,
      campaignId: campaign.campaignId,
      dataset,
      student,
      drafter,
      quantized,
      replay,
      evaluations: [...(teacher ? [teacher] : []), ...(gate && 'gated' in gate ? gateEvaluations(gate.gated) : []), ...(quantized ? await quantizerEvaluations(app, quantized) : [])],
      ...(gate && 'gated' in gate ? { gate: gateReportOf(gate.gated) } : {}),
    }));
  const written = await writeRunReport(app.platform.artifacts, app.platform.config.DISTILLERY_DATA_DIR, runId, report);
  await app.platform.artifacts.putManifest({
    id: runId,
    kind: 'run',
    createdAt: new Date().toISOString(),
    createdBy: 'distillery-cli',
    files: written.files,
    parents: [],
    attributes: { mode: 'embedded', health: health.status, compute, stagesRun, stagesMissing },
  });
  process.stdout.write(
    `\nsummary: run ${runId} in ${progress.elapsed()} — ${stagesRun.length} stages run, ${stagesMissing.length} not implemented yet` +
      `\nreport: ${written.htmlPath}\n`,
  );
  if (!options.serve) {
    await gateAgents?.app.close();
    await app.close();
  }
  return { summary: { runId, stagesRun, stagesMissing, reportPath: written.htmlPath, reportUri: written.files['report.html'].uri }, app };
}

/** `3 accepted, 1 corrected` */
function counted(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts).map(([name, n]) => `${n} ${name}`).join(', ');
}

function describeCampaign(campaign: SimulatedCampaign): string {
  const finished = (campaign.conversations.done ?? 0) + (campaign.conversations.failed ?? 0);
  return `${campaign.campaignId}: ${finished} conversations (${campaign.conversations.failed ?? 0} failed; EXIT ${counted(campaign.exits)}), ${campaign.turns} turns, ${((finished / Math.max(0.001, campaign.seconds)) * 60).toFixed(0)} conversations/min`;
}

/** `mean accepted length 2.41 (tree), 2.12 (chain); 1.31x plain decoding, 4/4 outputs unchanged` */
function describeDrafter(drafter: TrainedDrafter): string {
  const m = drafter.metrics;
  const figure = (value: number | undefined, digits: number) => (value === undefined ? '–' : value.toFixed(digits));
  return `mean accepted length ${figure(m.acceptanceLength, 2)} (tree), ${figure(m.chainAcceptanceLength, 2)} (chain); ${figure(m.speedup, 2)}x plain decoding, ${figure(m.sameOutput, 0)}/${figure(m.heldOutPrompts, 0)} outputs unchanged`;
}

/** `torch 2.5.1 on cpu`, or why the compute plane is unavailable. */
function describeCompute(result: Awaited<ReturnType<typeof computeInfo>>): string {
  return result.available ? `torch ${String(result.info.torch_version ?? result.info.torch ?? '?')} on ${String(result.info.device ?? '?')}` : result.reason;
}

/** The report's stages table: every stage of the flow, with what it did or the issue that will implement it. */
function stageLines(stages: ReadonlyArray<{ service: string; name: string; implemented: boolean; issue?: number }>, notes: Readonly<Record<string, string>>): StageLine[] {
  return stages.map((stage) => {
    const name = `${stage.service}/${stage.name}`;
    if (!stage.implemented) return { name, state: 'not implemented', ...(stage.issue ? { note: `issue #${stage.issue}` } : {}) };
    return { name, state: 'run', note: notes[name] ?? 'implemented' };
  });
}
