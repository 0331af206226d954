import { FALLBACK_REPLY } from '@distillery/dealership';
import type { CheckpointFp8 } from '@distillery/contracts';
import { bootstrapMeanInterval, type CallScore, type EvalRow, type MetricSummary, PlanExecutor, readEvalRows, scoreCall, summarize, wilsonInterval } from '@distillery/evaluation';
import { AgentsClient, type TurnTrace__Output } from '@distillery/proto';
import { fp8IdOf, ServingLifecycle } from '@distillery/serving';
import type { RunningApp } from '@distillery/service-kit';
import type { BuiltDataset } from './loop-stages.js';
import { STUDENT_MODEL, startStudentAgents } from './student-agents.js';
import { withInterval } from './report/format.js';

/** The model id the trainer announces the student as (DISTILLERY_TRAINER_MODEL_ID's default). */
/** The key the embedded agents (and the simulator) use: the default DISTILLERY_AGENTS_API_KEYS. */
const AGENTS_KEY = 'dev-key';

/**
 * One column of the side-by-side table: the agent-level metrics (@distillery/evaluation) of the
 * replayed turns' calls, per agent, then the turn-level figures of agent `turn`:
 * `whole_turn_success`, `completed` (no fallback reply), `plan_first_try` (a valid plan without a
 * replan) and `seconds` (per turn, measured on the student only). Each a mean with its 95% interval.
 */
export interface ReplayScores {
  readonly turns: number;
  readonly metrics: readonly MetricSummary[];
  /** The share of turns completed (`turn` `completed`'s mean), for a one-line summary. */
  readonly turnsCompleted: number;
}

/** How serving served the version during the replay, and what it refused of what the run made. */
export interface ServedAs {
  readonly precision: 'bf16' | 'fp8';
  /** An FP8 version's calibration set and samples. */
  readonly calibration?: { readonly set: string; readonly samples: number };
  /** The drafter it decoded with (null: plain decoding). */
  readonly drafterId: string | null;
  /** Why serving refused the drafter, the FP8 version or its FP8 drafter, one line each. */
  readonly refusals: readonly string[];
}

export interface StudentReplay {
  readonly version: string;
  readonly servedAs: ServedAs;
  readonly conversations: number;
  readonly teacher: ReplayScores;
  readonly student: ReplayScores;
  /** The drafter the student decoded with, and its acceptance over the replay (as its engine measured it). */
  readonly drafter?: { readonly drafterId: string; readonly rounds: number; readonly meanAcceptedLength: number; readonly acceptanceByPosition: readonly number[] };
}

/**
 * The loop closed: the student the trainer announced is served by the serving service (it loads
 * checkpoints.bf16 itself), a second agents service answers on its `serving` backend, and the
 * curator's held-out conversations (never trained on) are replayed through it turn by turn. Each
 * turn's Understander, Planner and Explainer calls are scored with the agent-level metrics
 * (scoreReplayedTurn) against the judge's refined outputs of the same turn (the dataset's eval rows),
 * for the teacher (its recorded calls) and the student alike, with the turn-level facts beside them.
 */
export async function replayOnStudent(
  app: RunningApp,
  dataset: BuiltDataset,
  checkpointId: string,
  options: {
    readonly conversations: number;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly print: (line: string) => void;
    /** The drafter announced for the checkpoint. */
    readonly drafterId?: string;
    /** The FP8 version announced for it. */
    readonly fp8?: CheckpointFp8;
  },
): Promise<StudentReplay> {
  const version = `${STUDENT_MODEL}@${checkpointId}`;
  const serving = app.app.get(ServingLifecycle).runtime;
  const deadline = Date.now() + 300_000;
  const wanted = { checkpointId, ...(options.drafterId ? { drafterId: options.drafterId } : {}), ...(options.fp8 ? { fp8: options.fp8 } : {}), speculative: options.env.DISTILLERY_SERVING_SPECULATIVE !== 'off', fp8Served: options.env.DISTILLERY_SERVING_PRECISION !== 'bf16' };
  let servedAs: ServedAs | undefined;
  while (!(servedAs = await settledOn(serving, wanted))) {
    if (Date.now() > deadline) throw new Error(`serving: ${version}${options.drafterId ? ` with drafter ${options.drafterId}` : ''}${options.fp8 ? ' in FP8' : ''} not served within 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  options.print(`      ${version} served ${describeServed(servedAs)}; replaying held-out conversations through the agents on it`);

  const manifest = await app.platform.artifacts.getManifest(dataset.manifestSha256);
  const held = ((manifest.attributes as { splits?: { eval?: string[] } }).splits?.eval ?? []).slice(0, options.conversations);
  const evalRef = manifest.files['eval.jsonl'];
  const gold = goldByTurn(evalRef ? readEvalRows((await app.platform.artifacts.get(evalRef)).toString('utf8')) : []);

  const { app: studentAgents, port } = await startStudentAgents(app, options.env);
  const teacherClient = new AgentsClient({ address: `127.0.0.1:${options.env.DISTILLERY_AGENTS_GRPC_PORT}`, apiKey: AGENTS_KEY, timeoutMs: 60_000 });
  const studentClient = new AgentsClient({ address: `127.0.0.1:${port}`, apiKey: AGENTS_KEY, timeoutMs: 600_000 });
  const executor = new PlanExecutor();
  const teacherTurns: ReplayedTurn[] = [];
  const studentTurns: ReplayedTurn[] = [];
  try {
    for (const [index, conversationId] of held.entries()) {
      const recorded = await teacherClient.getSession(conversationId);
      const session = await studentClient.createSession({ customerRef: `replay-${conversationId}`, locale: recorded.locale || 'en-US', source: 'SIMULATION' });
      for (const turn of recorded.turns) {
        const teacher = await teacherClient.getTurnTrace(conversationId, turn.turnId);
        const started = performance.now();
        const answer = await studentClient.sendMessage({ sessionId: session.sessionId, text: turn.userMessage });
        const seconds = (performance.now() - started) / 1_000;
        const student = await studentClient.getTurnTrace(session.sessionId, answer.turnId);
        const refined = gold.get(turn.turnId) ?? new Map<string, EvalRow>();
        teacherTurns.push(await scoreReplayedTurn(teacher, refined, executor));
        studentTurns.push(await scoreReplayedTurn(student, refined, executor, seconds));
        if (answer.ended) break;
      }
      options.print(`      conversation ${index + 1}/${held.length} (${recorded.turns.length} turns): student turns so far ${studentTurns.length}, completed ${studentTurns.filter((turn) => turn.completed).length}`);
    }
  } finally {
    teacherClient.close();
    studentClient.close();
    await studentAgents.close();
    await executor.close();
  }
  const engine = (await serving.router?.health())?.find((candidate) => candidate.version === version);
  const health = engine?.drafterId ? engine.health : undefined;
  const drafter = health && engine?.drafterId
    ? { drafterId: engine.drafterId, rounds: Number(health.specRounds), meanAcceptedLength: health.meanAcceptedLength, acceptanceByPosition: [...health.acceptanceByPosition] }
    : undefined;
  return { version, servedAs, conversations: held.length, teacher: summarizeReplay(teacherTurns), student: summarizeReplay(studentTurns), ...(drafter ? { drafter } : {}) };
}

/**
 * How the version is served once serving has acted on everything the run announced for it (the
 * drafter and the FP8 version recorded, and the engine answering being the one the catalog wants:
 * with DISTILLERY_SERVING_PRECISION=fp8 its newest FP8 version not refused, with its FP8 drafter
 * unless refused, else BF16 with its newest drafter not refused); undefined until then.
 */
async function settledOn(serving: ServingLifecycle['runtime'], wanted: { readonly checkpointId: string; readonly drafterId?: string; readonly fp8?: CheckpointFp8; readonly speculative: boolean; readonly fp8Served: boolean }): Promise<ServedAs | undefined> {
  const { catalog, router } = serving;
  if (!catalog || !router) return undefined;
  const version = `${STUDENT_MODEL}@${wanted.checkpointId}`;
  if (!(await serving.inference.models()).some((model) => model.id === STUDENT_MODEL && model.root === version)) return undefined;
  const engine = (await router.health()).find((candidate) => candidate.version === version && candidate.health?.status === 'serving');
  const desired = (await catalog.desired()).find((candidate) => candidate.version.modelId === STUDENT_MODEL)?.version;
  const drafter = wanted.drafterId ? (await catalog.drafters(STUDENT_MODEL)).find((entry) => entry.drafter.checkpointId === wanted.checkpointId && entry.drafter.drafterId === wanted.drafterId) : undefined;
  const fp8 = wanted.fp8 ? (await catalog.fp8Versions(STUDENT_MODEL)).find((entry) => entry.fp8Id === fp8IdOf(wanted.fp8!)) : undefined;
  if (!engine || desired?.checkpointId !== wanted.checkpointId || (wanted.drafterId && !drafter) || (wanted.fp8 && !fp8)) return undefined;
  const served = wanted.fp8Served ? desired.fp8 : null;
  const settled = served
    ? engine.form.fp8?.fp8Id === served.fp8Id && (engine.drafterId !== null || served.drafterRefused !== null || !served.fp8.drafter || !wanted.speculative)
    : engine.form.precision === 'bf16' && engine.drafterId === (wanted.speculative ? (desired.drafter?.drafterId ?? null) : null);
  if (!settled) return undefined;
  const refusals = [
    ...(drafter?.refused ? [`drafter ${drafter.drafter.drafterId} refused: ${drafter.refused}`] : []),
    ...(fp8?.refused ? [`FP8 version ${fp8.fp8Id} refused: ${fp8.refused}`] : []),
    ...(fp8?.drafterRefused ? [`FP8 drafter of ${fp8.fp8Id} refused: ${fp8.drafterRefused}`] : []),
  ];
  return { precision: engine.form.precision, ...(engine.form.fp8 ? { calibration: engine.form.fp8.calibration } : {}), drafterId: engine.drafterId, refusals };
}

/** `in FP8 (calibration mixed, 1 sample) with drafter eagle_…`, each refusal in brackets. */
export function describeServed(served: ServedAs): string {
  const samples = served.calibration?.samples;
  const precision = served.precision === 'fp8' ? `in FP8 (calibration ${served.calibration?.set ?? '?'}, ${samples ?? '?'} sample${samples === 1 ? '' : 's'})` : 'in BF16';
  return `${precision} ${served.drafterId ? `with drafter ${served.drafterId}` : 'without a drafter'}${served.refusals.length ? ` (${served.refusals.join('; ')})` : ''}`;
}

/** The trace's agents whose calls a replayed turn scores, as the eval rows name them. The Evaluator is left out: it is asked only about complex plans, so whether a turn has its call depends on the plan. */
const REPLAYED_AGENTS = { UNDERSTANDER: 'understander', PLANNER: 'planner', EXPLAINER: 'explainer' } as const;

/** The eval rows of each turn by agent (turnId → agent → row); where a turn has several of an agent (replans), the last, the one the turn used. */
export function goldByTurn(rows: readonly EvalRow[]): Map<string, Map<string, EvalRow>> {
  const gold = new Map<string, Map<string, EvalRow>>();
  for (const row of rows) {
    if (row.turnId === undefined) continue;
    const turn = gold.get(row.turnId) ?? new Map<string, EvalRow>();
    turn.set(row.agent, row);
    gold.set(row.turnId, turn);
  }
  return gold;
}

/** One replayed turn: its calls scored with the agent-level metrics, and what the metrics do not cover. */
export interface ReplayedTurn {
  readonly calls: readonly CallScore[];
  /** The turn ended in a reply, not the fallback (no valid plan within the replans). */
  readonly completed: boolean;
  /** The first plan was valid (no replan). */
  readonly planFirstTry: boolean;
  /** The student's seconds for the turn; the teacher's recorded turns are not timed. */
  readonly seconds?: number;
}

/**
 * Scores a turn's Understander, Planner and Explainer calls (the last call of each, the one the turn
 * used) with @distillery/evaluation's scoreCall against the refined outputs of the same turn: a
 * call the turn lacks scores as an empty output (a Planner never asked has no plan). The row is the
 * eval row, prompt and reference, except that an Explainer call is read against its own prompt:
 * its `Results:` are those of the plan this agent ran (the student's own search, its own booking
 * ids), so `faithful` asks whether the reply states only what its own tools returned.
 */
export async function scoreReplayedTurn(trace: TurnTrace__Output, gold: ReadonlyMap<string, EvalRow>, executor: PlanExecutor, seconds?: number): Promise<ReplayedTurn> {
  const calls: CallScore[] = [];
  for (const [name, agent] of Object.entries(REPLAYED_AGENTS)) {
    const row = gold.get(agent);
    if (!row) continue;
    const call = trace.calls.filter((candidate) => candidate.agent === name).at(-1);
    const prompt = agent === 'explainer' && call?.prompt ? call.prompt : row.prompt;
    calls.push(await scoreCall({ ...row, prompt }, call?.output ?? '', { executor }));
  }
  const completed = trace.reply.trim() !== '' && trace.reply.trim() !== FALLBACK_REPLY;
  return { calls, completed, planFirstTry: trace.planCode !== '' && trace.replans === 0, ...(seconds === undefined ? {} : { seconds }) };
}

const share = (metric: string, n: number, successes: number): MetricSummary => ({ metric, agent: 'turn', n, mean: n ? successes / n : 0, ...wilsonInterval(successes, n), interval: 'wilson' });

/** The turns' agent-level summaries (@distillery/evaluation's summarize: per agent metric, then whole-turn success), then the turn-level facts, each with its 95% interval. */
export function summarizeReplay(turns: readonly ReplayedTurn[]): ReplayScores {
  const seconds = turns.flatMap((turn) => (turn.seconds === undefined ? [] : [turn.seconds]));
  const completed = turns.filter((turn) => turn.completed).length;
  return {
    turns: turns.length,
    turnsCompleted: turns.length ? completed / turns.length : 0,
    metrics: [
      ...summarize(turns.flatMap((turn) => turn.calls)),
      share('completed', turns.length, completed),
      share('plan_first_try', turns.length, turns.filter((turn) => turn.planFirstTry).length),
      ...(seconds.length ? [{ metric: 'seconds', agent: 'turn', n: seconds.length, mean: seconds.reduce((sum, value) => sum + value, 0) / seconds.length, ...bootstrapMeanInterval(seconds), interval: 'bootstrap' as const }] : []),
    ],
  };
}

/** What a turn-level figure means, in the table. */
const TURN_LABELS: Readonly<Record<string, string>> = {
  whole_turn_success: 'turn: every scored call with full marks',
  completed: 'turn: completed (no fallback)',
  plan_first_try: 'turn: plan valid on the first try',
  seconds: 'turn: seconds',
};

/** The side-by-side table, as markdown rows (the run report) or printed: each metric's mean [95% interval], teacher and student. */
export function replayTable(replay: StudentReplay): string[] {
  const key = (line: MetricSummary) => `${line.agent}\u0000${line.metric}`;
  const [teacher, student] = [new Map(replay.teacher.metrics.map((line) => [key(line), line])), new Map(replay.student.metrics.map((line) => [key(line), line]))];
  const rows = [...new Map([...replay.teacher.metrics, ...replay.student.metrics].map((line) => [key(line), line])).values()];
  const cell = (line: MetricSummary | undefined) => (line ? withInterval(line.mean, line.low, line.high, 2) : '–');
  return [
    `| ${replay.teacher.turns} held-out turns of ${replay.conversations} conversations: mean [95% interval] | teacher | student (${replay.version}) |`,
    '|---|---|---|',
    ...rows.map((line) => `| ${line.agent === 'turn' ? (TURN_LABELS[line.metric] ?? `turn: ${line.metric}`) : `${line.agent}: ${line.metric}`} | ${cell(teacher.get(key(line)))} | ${cell(student.get(key(line)))} |`),
  ];
}
