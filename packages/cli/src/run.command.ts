import { randomUUID } from 'node:crypto';
import { runScriptedConversations, scriptedConversations } from '@distillery/agents';
import { subscribeEvents } from '@distillery/bus';
import { traceRawContract } from '@distillery/contracts';
import { AgentsClient } from '@distillery/proto';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { join } from 'node:path';
import { ALL_SERVICES } from './all-services.js';
import { computeInfo } from './compute-info.js';
import { awaitRefined, buildDataset, type TrainedStudent, trainStudent } from './loop-stages.js';
import { ProgressPrinter } from './progress.js';

export interface RunOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Keep the embedded platform up (health, metrics) until interrupted. */
  readonly serve: boolean;
}

export interface RunSummary {
  readonly runId: string;
  readonly stagesRun: string[];
  readonly stagesMissing: string[];
  readonly reportUri: string;
}

/**
 * `distillery run`: the whole loop in one process — in-process bus, PGlite, CPU compute. Runs the
 * stages this build implements, in flow order, and names those it does not implement yet.
 */
export async function runCommand(options: RunOptions): Promise<{ summary: RunSummary; app: RunningApp }> {
  const runId = `run_${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomUUID().slice(0, 6)}`;
  const stages = ALL_SERVICES.flatMap((service) => service.stages.map((stage) => ({ service: service.name, ...stage })));
  const progress = new ProgressPrinter(7 + stages.length);
  process.stdout.write(`distillery run ${runId} — embedded: in-process bus, PGlite, CPU\n`);

  const env = { DISTILLERY_LOG_LEVEL: 'warn', DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()), ...options.env, DISTILLERY_MODE: 'embedded' };
  const app = await progress.run(
    'platform',
    () => startApp(ALL_SERVICES, { name: 'embedded', env, defaultPort: 0 }),
    (running) => `${ALL_SERVICES.length} services up at ${running.url} (data in ${running.platform.config.DISTILLERY_DATA_DIR})`,
  );
  const health = await progress.run(
    'health',
    async () => (await fetch(`${app.url}/health`)).json() as Promise<{ status: string; details: Record<string, { status: string }> }>,
    (body) => `${body.status} (bus ${body.details.bus?.status}, database ${body.details.database?.status})`,
  );
  const compute = await progress.run('compute plane', computeInfo, (result) =>
    result.available ? `torch ${String(result.info.torch_version ?? result.info.torch ?? '?')} on ${String(result.info.device ?? '?')}` : result.reason,
  );

  const stagesRun: string[] = [];
  const stagesMissing: string[] = [];
  const agents = await progress.run('agents: scripted conversations over gRPC', () => driveAgents(app, env), (result) => result.summary);
  const judged = await progress.run('judge: refine every agent call', () => awaitRefined(app, agents.turns), (result) =>
    `${result.refined} of ${agents.turns} turns refined; calls ${Object.entries(result.calls).map(([verdict, n]) => `${n} ${verdict}`).join(', ')}`,
  );
  agents.stages['judge/refine'] = `${judged.refined} turns refined (${Object.entries(judged.calls).map(([verdict, n]) => `${n} ${verdict}`).join(', ')})`;
  const dataset = await progress.run('curator: build the datasets', () => buildDataset(app), (built) =>
    `${built.datasetId} v${built.version}: ${Object.entries(built.counts).map(([part, n]) => `${part} ${n}`).join(', ')}`,
  );
  agents.stages['curator/datasets'] = `${dataset.datasetId} v${dataset.version} (${Object.entries(dataset.counts).map(([part, n]) => `${part} ${n}`).join(', ')})`;
  const trainSteps = Number(options.env.DISTILLERY_RUN_TRAIN_STEPS ?? 20);
  const student =
    compute.available && trainSteps > 0
      ? await progress.run(
          `compute: distill the student (tiny preset, at most ${trainSteps} steps a stage)`,
          () => trainStudent(app, dataset, { maxSteps: trainSteps, runDir: join(app.platform.config.DISTILLERY_DATA_DIR, 'runs', runId), print: (line) => process.stdout.write(`${line}\n`) }),
          (trained) => `student at ${trained.student}`,
        )
      : undefined;
  for (const stage of stages) {
    const name = `${stage.service}/${stage.name}`;
    // Each stage issue plugs its work in above and reports here.
    progress.note(name, stage.implemented ? (agents.stages[name] ?? 'implemented') : `not implemented yet${stage.issue ? ` (issue #${stage.issue})` : ''}`);
    (stage.implemented ? stagesRun : stagesMissing).push(name);
  }

  const report = renderReport({ runId, health: health.status, compute, stagesRun, stagesMissing, agents: agents.summary, student });
  const reportRef = await app.platform.artifacts.put(report, { kind: 'run-report' });
  await app.platform.artifacts.putManifest({
    id: runId,
    kind: 'run',
    createdAt: new Date().toISOString(),
    createdBy: 'distillery-cli',
    files: { report: reportRef },
    parents: [],
    attributes: { mode: 'embedded', health: health.status, compute, stagesRun, stagesMissing },
  });
  process.stdout.write(
    `\nsummary: run ${runId} in ${progress.elapsed()} — ${stagesRun.length} stages run, ${stagesMissing.length} not implemented yet` +
      `\nreport: ${reportRef.uri}\n`,
  );
  if (!options.serve) await app.close();
  return { summary: { runId, stagesRun, stagesMissing, reportUri: reportRef.uri }, app };
}

/**
 * The agents stage of the loop: scripted customers talk to the agents service through its gRPC API,
 * and every turn's trace must reach traces.raw. Until the simulator lands, these stand in for it.
 */
async function driveAgents(app: RunningApp, env: Readonly<Record<string, string | undefined>>): Promise<{ summary: string; turns: number; stages: Record<string, string> }> {
  let traces = 0;
  const subscription = await subscribeEvents(app.platform.bus, traceRawContract, { groupId: 'cli-run-traces', handler: async () => void traces++ });
  const apiKey = (env.DISTILLERY_AGENTS_API_KEYS ?? 'dev-key:dev').split(',')[0]!.split(':')[0]!;
  const client = new AgentsClient({ address: `127.0.0.1:${env.DISTILLERY_AGENTS_GRPC_PORT}`, apiKey, timeoutMs: 60_000 });
  try {
    const conversations = scriptedConversations({ seed: Number(env.DISTILLERY_AGENTS_SEED ?? 7), now: new Date(), count: Number(env.DISTILLERY_RUN_CONVERSATIONS ?? 20) });
    let done = 0;
    const turns = await runScriptedConversations(client, conversations, {
      concurrency: 2,
      onTurn: (turn) => {
        if (++done % 10 === 0) process.stdout.write(`      ${done} turns, latest: ${turn.conversation} «${turn.say}» → ${turn.reply.slice(0, 80)}${turn.reply.length > 80 ? '…' : ''}\n`);
      },
    });
    const deadline = Date.now() + 10_000;
    while (traces < turns.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const latencies = turns.map((turn) => turn.latencyMs).sort((a, b) => a - b);
    const offScript = turns.filter((turn) => turn.problems.length).length;
    const replans = turns.reduce((sum, turn) => sum + turn.replans, 0);
    return {
      turns: turns.length,
      summary: `${conversations.length} conversations, ${turns.length} turns, p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(0)} ms a turn; ${replans} replans, ${offScript} turns off script (the reference teacher errs on purpose at DISTILLERY_AGENTS_MISTAKE_RATE)`,
      stages: {
        'agents/pipeline': `${turns.length} turns through the five agents, ${replans} replans`,
        'agents/grpc-api': `${conversations.length} sessions over gRPC`,
        'agents/traces': `${traces} of ${turns.length} traces on traces.raw`,
      },
    };
  } finally {
    client.close();
    await subscription.stop();
  }
}

function renderReport(run: { runId: string; health: string; compute: unknown; stagesRun: string[]; stagesMissing: string[]; agents: string; student: TrainedStudent | undefined }): string {
  const figure = run.student
    ? [
        '## Quality per stage (first version of the paper\'s Figure 3, this run)',
        '',
        '| stage | held-out loss | exact match | understander | planner | evaluator | explainer |',
        '|---|---|---|---|---|---|---|',
        ...run.student.stages.map(({ stage, metrics }) => {
          const value = (key: string) => (typeof metrics[key] === 'number' ? (metrics[key] as number).toFixed(3) : '–');
          return `| ${stage} | ${value('held_out_loss')} | ${value('exact_match')} | ${value('exact_match.understander')} | ${value('exact_match.planner')} | ${value('exact_match.evaluator')} | ${value('exact_match.explainer')} |`;
        }),
        '',
      ]
    : [];
  return [
    `# distillery run ${run.runId}`,
    '',
    `- mode: embedded (in-process bus, PGlite, CPU)`,
    `- platform health: ${run.health}`,
    `- compute plane: ${JSON.stringify(run.compute)}`,
    `- agents: ${run.agents}`,
    '',
    '## Stages',
    '',
    '| stage | state |',
    '|---|---|',
    ...run.stagesRun.map((stage) => `| ${stage} | run |`),
    ...run.stagesMissing.map((stage) => `| ${stage} | not implemented yet |`),
    '',
    ...figure,
    'The paper-mirroring tables and figures (Table 1–2, Figures 3–4) appear here once the stages that produce them exist.',
    '',
  ].join('\n');
}
