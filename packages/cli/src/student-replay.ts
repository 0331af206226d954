import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { understandingSchema } from '@distillery/dealership';
import type { CheckpointFp8 } from '@distillery/contracts';
import { AgentsClient, type TurnTrace__Output } from '@distillery/proto';
import { fp8IdOf, ServingLifecycle } from '@distillery/serving';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { z } from 'zod';
import type { BuiltDataset } from './loop-stages.js';

/** The model id the trainer announces the student as (DISTILLERY_TRAINER_MODEL_ID's default). */
export const STUDENT_MODEL = 'student-dealership';
/** The key the embedded agents (and the simulator) use: the default DISTILLERY_AGENTS_API_KEYS. */
const AGENTS_KEY = 'dev-key';
/** What the agents answer when no valid plan was found (turn-pipeline.ts's FALLBACK_REPLY starts so). */
const FALLBACK = "I'm sorry, I couldn't complete that request.";

/** One column of the side-by-side table: rates over the replayed turns. */
export interface ReplayScores {
  readonly turns: number;
  readonly understanderJson: number;
  readonly intentsMatch: number;
  readonly entitiesMatch: number;
  readonly planValid: number;
  readonly planFirstTry: number;
  readonly executesAsTeacher: number;
  readonly replyFaithful: number;
  readonly turnsCompleted: number;
  readonly secondsPerTurn: number;
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

const goldRowSchema = z.object({ agent: z.string(), output: z.string(), turnId: z.string(), conversationId: z.string() });

/**
 * The loop closed: the student the trainer announced is served by the serving service (it loads
 * checkpoints.bf16 itself), a second agents service answers on its `serving` backend, and the
 * curator's held-out conversations (never trained on) are replayed through it turn by turn. Each
 * turn is scored for the teacher (its recorded turn) and the student alike against the judge's
 * refined outputs of the held-out rows: Understander intents and entities, Planner plans valid and
 * executing the teacher's tool calls, Explainer replies faithful to the tool results, turns
 * completed without the fallback.
 */
export async function replayOnStudent(
  app: RunningApp,
  dataset: BuiltDataset & { readonly manifestUri: string },
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

  const manifest = await app.platform.artifacts.getManifest(dataset.manifestUri);
  const held = ((manifest.attributes as { splits?: { eval?: string[] } }).splits?.eval ?? []).slice(0, options.conversations);
  const gold = new Map<string, Map<string, string>>(); // turnId → agent → refined output
  const evalRef = manifest.files['eval.jsonl'];
  if (evalRef) {
    for (const line of (await app.platform.artifacts.get(evalRef)).toString('utf8').split('\n').filter(Boolean)) {
      const row = goldRowSchema.parse(JSON.parse(line));
      if (!gold.has(row.turnId)) gold.set(row.turnId, new Map());
      gold.get(row.turnId)!.set(row.agent, row.output);
    }
  }

  const port = await freePort();
  const dataDir = join(app.platform.config.DISTILLERY_DATA_DIR, 'student-agents');
  await mkdir(dataDir, { recursive: true });
  const studentAgents = await startApp([agentsService], {
    name: 'agents-on-student',
    defaultPort: 0,
    env: {
      ...options.env,
      DISTILLERY_DATA_DIR: dataDir,
      DISTILLERY_HTTP_PORT: '0',
      DISTILLERY_AGENTS_GRPC_PORT: String(port),
      DISTILLERY_AGENTS_BACKEND: 'serving',
      DISTILLERY_SERVING_URL: `${app.url}/v1`,
      DISTILLERY_SERVING_MODEL: STUDENT_MODEL,
    },
  });
  const teacherClient = new AgentsClient({ address: `127.0.0.1:${options.env.DISTILLERY_AGENTS_GRPC_PORT}`, apiKey: AGENTS_KEY, timeoutMs: 60_000 });
  const studentClient = new AgentsClient({ address: `127.0.0.1:${port}`, apiKey: AGENTS_KEY, timeoutMs: 600_000 });
  const teacherTurns: Scored[] = [];
  const studentTurns: Scored[] = [];
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
        const refined = gold.get(turn.turnId) ?? new Map<string, string>();
        teacherTurns.push(score(teacher, teacher, refined, 0));
        studentTurns.push(score(student, teacher, refined, seconds));
        if (answer.ended) break;
      }
      options.print(`      conversation ${index + 1}/${held.length} (${recorded.turns.length} turns): student turns so far ${studentTurns.length}, completed ${studentTurns.filter((turn) => turn.completed).length}`);
    }
  } finally {
    teacherClient.close();
    studentClient.close();
    await studentAgents.close();
  }
  const engine = (await serving.router?.health())?.find((candidate) => candidate.version === version);
  const health = engine?.drafterId ? engine.health : undefined;
  const drafter = health && engine?.drafterId
    ? { drafterId: engine.drafterId, rounds: Number(health.specRounds), meanAcceptedLength: health.meanAcceptedLength, acceptanceByPosition: [...health.acceptanceByPosition] }
    : undefined;
  return { version, servedAs, conversations: held.length, teacher: summarize(teacherTurns), student: summarize(studentTurns), ...(drafter ? { drafter } : {}) };
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

/** One replayed turn, scored. */
export interface Scored {
  readonly understanderJson: boolean;
  readonly intentsMatch: boolean;
  readonly entitiesMatch: boolean;
  readonly planValid: boolean;
  readonly planFirstTry: boolean;
  readonly executesAsTeacher: boolean;
  readonly replyFaithful: boolean;
  readonly completed: boolean;
  readonly seconds: number;
}

function understanding(text: string | undefined): z.infer<typeof understandingSchema> | undefined {
  if (!text) return undefined;
  try {
    const parsed = understandingSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Object keys sorted at every depth, so two equal values print the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b))) : inner));
}

/** Every number the reply states is one the tool results (or the customer) gave: no price, year or mileage made up. */
function faithful(trace: TurnTrace__Output): boolean {
  if (!trace.reply.trim() || trace.reply.startsWith(FALLBACK)) return false;
  const sources = `${trace.toolCalls.map((call) => call.resultJson ?? '').join(' ')} ${trace.userMessage}`.replace(/,/g, '');
  return (trace.reply.replace(/,/g, '').match(/\d+(?:\.\d+)?/g) ?? []).every((number) => sources.includes(number));
}

export function score(trace: TurnTrace__Output, teacher: TurnTrace__Output, gold: ReadonlyMap<string, string>, seconds: number): Scored {
  const said = understanding(trace.calls.find((call) => call.agent === 'UNDERSTANDER')?.output);
  const wanted = understanding(gold.get('understander'));
  const toolCalls = (turn: TurnTrace__Output) => canonical(turn.toolCalls.map((call) => ({ tool: call.tool, args: call.argsJson })));
  return {
    understanderJson: said !== undefined,
    intentsMatch: !!said && !!wanted && canonical([...said.intents].sort()) === canonical([...wanted.intents].sort()),
    entitiesMatch: !!said && !!wanted && canonical(said.entities) === canonical(wanted.entities),
    planValid: trace.planCode !== '',
    planFirstTry: trace.planCode !== '' && trace.replans === 0,
    executesAsTeacher: trace.planCode !== '' && toolCalls(trace) === toolCalls(teacher),
    replyFaithful: faithful(trace),
    completed: !trace.reply.startsWith(FALLBACK),
    seconds,
  };
}

export function summarize(turns: readonly Scored[]): ReplayScores {
  const rate = (pick: (turn: Scored) => boolean) => (turns.length ? turns.filter(pick).length / turns.length : 0);
  return {
    turns: turns.length,
    understanderJson: rate((turn) => turn.understanderJson),
    intentsMatch: rate((turn) => turn.intentsMatch),
    entitiesMatch: rate((turn) => turn.entitiesMatch),
    planValid: rate((turn) => turn.planValid),
    planFirstTry: rate((turn) => turn.planFirstTry),
    executesAsTeacher: rate((turn) => turn.executesAsTeacher),
    replyFaithful: rate((turn) => turn.replyFaithful),
    turnsCompleted: rate((turn) => turn.completed),
    secondsPerTurn: turns.length ? turns.reduce((sum, turn) => sum + turn.seconds, 0) / turns.length : 0,
  };
}

/** The side-by-side table, as markdown rows (the run report) or printed. */
export function replayTable(replay: StudentReplay): string[] {
  const rows: Array<[string, keyof ReplayScores]> = [
    ['Understander: JSON of the schema', 'understanderJson'],
    ['Understander: intents = refined', 'intentsMatch'],
    ['Understander: entities = refined', 'entitiesMatch'],
    ['Planner: plan valid (passed the Evaluator)', 'planValid'],
    ['Planner: valid on the first try', 'planFirstTry'],
    ['Executor: same tool calls as the teacher', 'executesAsTeacher'],
    ['Explainer: reply faithful to the tool results', 'replyFaithful'],
    ['turns completed (no fallback)', 'turnsCompleted'],
  ];
  return [
    `| per agent, ${replay.teacher.turns} held-out turns of ${replay.conversations} conversations | teacher | student (${replay.version}) |`,
    '|---|---|---|',
    ...rows.map(([label, key]) => `| ${label} | ${replay.teacher[key].toFixed(2)} | ${replay.student[key].toFixed(2)} |`),
    `| seconds per turn (student on CPU) | – | ${replay.student.secondsPerTurn.toFixed(1)} |`,
  ];
}
