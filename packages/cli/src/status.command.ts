import { type ArtifactStore, type Lineage, lineageLine, lineageOf, lineageProblemPhrases, type LineageProblem, type Manifest, openArtifactStore } from '@distillery/artifacts';
import type { ArtifactRef } from '@distillery/contracts';
import { artifactRootOf, loadPlatformConfig } from '@distillery/service-kit';

export interface StatusOptions {
  /** Every manifest of every kind, and every missing node by name; else the newest few of each kind. */
  readonly all?: boolean;
  /** Columns a line may take (default 80); only an id longer than that runs past it. */
  readonly width?: number;
}

/** How many of a kind's manifests are listed without `--all`. */
const NEWEST = 3;
const WIDTH = 80;
/** The order a person reads the kinds in: what a run made, then what it came from. Other kinds follow by name. */
const KIND_ORDER = ['run', 'report', 'fp8', 'drafter', 'checkpoint', 'dataset', 'traces', 'campaign'];

/**
 * `distillery status`: per kind of manifest in the artifact store (runs, FP8 builds, drafters,
 * checkpoints, datasets, traces, campaigns) a count and the newest few, newest first, each with its
 * lineage on one line (`← dataset ds.v1 ← traces(212) ← campaign camp_1`) and its lineage problems
 * only when a node it names is not recorded; `--all` lists every manifest and every missing node.
 * Ends with a line saying whether every node named is recorded.
 */
export async function statusCommand(env: Readonly<Record<string, string | undefined>>, write: (line: string) => void, options: StatusOptions = {}): Promise<number> {
  const root = artifactRootOf(loadPlatformConfig(env));
  const store: ArtifactStore = openArtifactStore(root);
  write(`artifact store: ${root}`);
  for (const line of renderStatus(await store.listManifests(), options)) write(line);
  return 0;
}

/** The lines `distillery status` prints for these manifests (after the store's line). */
export function renderStatus(entries: ReadonlyArray<{ readonly ref: ArtifactRef; readonly manifest: Manifest }>, options: StatusOptions = {}): string[] {
  const width = options.width ?? WIDTH;
  if (entries.length === 0) return ['nothing yet: run `./distillery run` first'];
  const lineages = new Map<Manifest, Lineage>(entries.map(({ manifest }) => [manifest, lineageOf(manifest.id, entries)]));
  const byKind = new Map<string, Manifest[]>();
  for (const { manifest } of entries) byKind.set(manifest.kind, [...(byKind.get(manifest.kind) ?? []), manifest]);

  const lines: string[] = [];
  for (const kind of [...byKind.keys()].sort(byReadingOrder)) {
    const newestFirst = [...byKind.get(kind)!].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
    const shown = options.all ? newestFirst : newestFirst.slice(0, NEWEST);
    lines.push('', `${kind} (${newestFirst.length})`);
    for (const manifest of shown) lines.push(...entryLines(manifest, lineages.get(manifest)!, width, options.all ?? false));
    if (shown.length < newestFirst.length) lines.push(`  … ${newestFirst.length - shown.length} older (--all lists them)`);
  }
  lines.push('', ...closingLines(lineages, width, options.all ?? false));
  return lines;
}

/** `  ckpt_1  2026-12-06 08:28  model m`, then its lineage and, when there are some, its problems. */
function entryLines(manifest: Manifest, lineage: Lineage, width: number, all: boolean): string[] {
  const head = `  ${manifest.id}  ${minuteOf(manifest.createdAt)}`;
  const summary = summaryOf(manifest);
  const room = width - head.length - 2;
  const lines = [summary && room >= 12 ? `${head}  ${cut(summary, room)}` : head];
  const ancestors = lineage.chain.filter((step) => step !== manifest);
  if (ancestors.length) lines.push(`    ← ${lineageLine(ancestors, width - 6)}`);
  if (lineage.problems.length) lines.push(...wrapped('    lineage problems: ', lineageProblemPhrases(lineage.problems, { all }), width));
  return lines;
}

/** Whether every node the manifests name is recorded; if not, each node missing once, however many name it. */
function closingLines(lineages: ReadonlyMap<Manifest, Lineage>, width: number, all: boolean): string[] {
  const problems = new Map<string, LineageProblem>();
  let withProblems = 0;
  for (const lineage of lineages.values()) {
    if (lineage.problems.length) withProblems++;
    for (const problem of lineage.problems) problems.set(problem.type === 'cycle' ? `cycle ${problem.ids.join(' ')}` : `${problem.parent.kind} ${problem.parent.id}`, problem);
  }
  if (problems.size === 0) return [`lineage resolves: every node the ${lineages.size} manifests name is recorded`];
  return wrapped(`lineage problems in ${withProblems} of ${lineages.size} manifests: `, lineageProblemPhrases([...problems.values()], { all }), width);
}

/** What a person wants to know of a manifest at a glance, from its metrics and attributes. */
function summaryOf(manifest: Manifest): string {
  const metric = (name: string) => manifest.metrics?.[name];
  const attributes = manifest.attributes ?? {};
  switch (manifest.kind) {
    case 'run': {
      const { stagesRun, stagesMissing } = attributes as { stagesRun?: unknown[]; stagesMissing?: unknown[] };
      return stagesRun ? `${stagesRun.length} stages run, ${stagesMissing?.length ?? 0} not implemented` : '';
    }
    case 'campaign':
      return metric('conversations') === undefined ? '' : `${metric('conversations')} conversations, ${metric('turns') ?? 0} turns`;
    case 'traces':
      return metric('traces') === undefined ? '' : `${metric('traces')} traces of ${metric('conversations') ?? 0} conversations`;
    case 'dataset': {
      const parts = ['cpt', 'sft', 'dpo', 'eval'].flatMap((part) => (metric(`${part}.rows`) === undefined ? [] : [`${part} ${metric(`${part}.rows`)}`]));
      return parts.length ? `rows: ${parts.join(', ')}` : '';
    }
    default:
      return typeof attributes.modelId === 'string' ? `model ${attributes.modelId}` : '';
  }
}

/** Phrases after a prefix, as many a line as fit; the lines after the first indented under it by two. */
function wrapped(prefix: string, phrases: readonly string[], width: number): string[] {
  const indent = ' '.repeat(prefix.length - prefix.trimStart().length + 2);
  const lines: string[] = [];
  let line = prefix;
  let empty = true;
  for (const [i, phrase] of phrases.entries()) {
    const text = i < phrases.length - 1 ? `${phrase};` : phrase;
    if (!empty && line.length + 1 + text.length > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += empty ? text : ` ${text}`;
    empty = false;
  }
  return [...lines, line];
}

function byReadingOrder(a: string, b: string): number {
  const rank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** `2026-12-06 08:28` (UTC). */
function minuteOf(createdAt: string): string {
  return new Date(createdAt).toISOString().slice(0, 16).replace('T', ' ');
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
