import type { LineageProblem } from './lineage.js';
import type { Manifest } from './manifest.js';

const ARROW = ' ← ';

interface Step {
  /** `dataset ds_1`: the kind with its node's id. */
  readonly full: string;
  /** `dataset`: what is left when the line is too long. */
  readonly short: string;
}

/**
 * A lineage on one line, newest first: `checkpoint ckpt_1 ← dataset ds_1.v1 ← traces(212) ← campaign camp_1`
 * (the chain `lineageOf` walks, oldest first). The nodes of one kind are one step: a single node with its id,
 * several as `kind ×n`; a `traces` step reads `traces(<traces recorded>)`. Longer than `width` characters,
 * the oldest steps lose their ids first, then the line is cut with '…'.
 */
export function lineageLine(chain: readonly Manifest[], width: number = Number.POSITIVE_INFINITY): string {
  const byKind = new Map<string, Manifest[]>();
  for (const manifest of [...chain].reverse()) byKind.set(manifest.kind, [...(byKind.get(manifest.kind) ?? []), manifest]);
  const steps = [...byKind.entries()].map(([kind, nodes]) => stepOf(kind, nodes));
  const shown = steps.map((step) => step.full);
  for (let i = steps.length - 1; i >= 0 && shown.join(ARROW).length > width; i--) shown[i] = steps[i]!.short;
  const line = shown.join(ARROW);
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/**
 * The problems of a lineage as short phrases: `missing campaign camp_1`, `cycle a → b → a`. The missing nodes of
 * one kind are one phrase when there are several (`missing 212 traces nodes, e.g. 62d4…`) unless `all` is set.
 */
export function lineageProblemPhrases(problems: readonly LineageProblem[], options: { readonly all?: boolean } = {}): string[] {
  const missing = new Map<string, string[]>();
  const cycles: string[] = [];
  for (const problem of problems) {
    if (problem.type === 'cycle') cycles.push(`cycle ${problem.ids.join(' → ')}`);
    else missing.set(problem.parent.kind, [...(missing.get(problem.parent.kind) ?? []), problem.parent.id]);
  }
  const phrases = [...missing.entries()].flatMap(([kind, ids]) =>
    ids.length === 1 || options.all ? ids.map((id) => `missing ${kind} ${id}`) : [`missing ${ids.length} ${kind} nodes, e.g. ${ids[0]}`],
  );
  return [...phrases, ...cycles];
}

function stepOf(kind: string, nodes: readonly Manifest[]): Step {
  const traces = nodes.map((node) => node.metrics?.traces);
  if (kind === 'traces' && traces.every((n) => n !== undefined)) {
    const label = `traces(${traces.reduce((sum: number, n) => sum + (n ?? 0), 0)})`;
    return { full: label, short: label };
  }
  const short = nodes.length === 1 ? kind : `${kind} ×${nodes.length}`;
  return { full: nodes.length === 1 ? `${kind} ${nodes[0]!.id}` : short, short };
}
