import type { DpoRow, SftRow } from './dataset-rows.js';
import { HARD_NEGATIVE_FAMILIES, HARD_NEGATIVE_KINDS, type HardNegativeContext, type HardNegativeFamily, type HardNegativeKind } from './hard-negative-kinds.js';
import { apportion, randomStream, shuffled } from './seeded.js';

export interface HardNegativeOptions {
  readonly seed: number;
  /** Share of the DPO set that is hard negatives (the paper: 1,000 of 10,000). */
  readonly share: number;
  /** Relative weight of each family. */
  readonly mix: Readonly<Record<HardNegativeFamily, number>>;
}

export interface HardNegativesBuild {
  readonly rows: DpoRow[];
  /** How many the share asked for, and how many valid Planner calls there were to make them from. */
  readonly requested: number;
  readonly candidates: number;
  readonly byKind: Record<string, number>;
  readonly byFamily: Record<HardNegativeFamily, number>;
}

/** A kind's hard negatives, one at a time, from its own seeded order of the candidates. */
function* madeBy(kind: HardNegativeKind, candidates: readonly SftRow[], context: HardNegativeContext, seed: number): Generator<DpoRow> {
  for (const candidate of shuffled(candidates, randomStream(seed, `hard-negative/${kind.name}`))) {
    const made = kind.make({ id: candidate.id, prompt: candidate.prompt, chosen: candidate.output }, context);
    if (made) {
      yield { id: `hn:${kind.name}:${candidate.id}`, agent: 'planner', prompt: candidate.prompt, chosen: candidate.output, rejected: made.rejected, source: 'hard-negative', conversationId: candidate.conversationId, kind: kind.name, rule: made.rule };
    }
  }
}

/**
 * Hard negatives for `judgePairs` judge-made pairs: `share` of the whole DPO set, split over the
 * families by `mix` and within a family round-robin over its kinds; a family with too few plans to
 * move leaves its remainder to the others. Made only from the training conversations' Planner rows.
 */
export function buildHardNegatives(plannerRows: readonly SftRow[], judgePairs: number, context: HardNegativeContext, options: HardNegativeOptions): HardNegativesBuild {
  const candidates = plannerRows.filter((row) => row.agent === 'planner');
  const share = Math.min(0.9, Math.max(0, options.share));
  const requested = share === 0 ? 0 : Math.round((judgePairs * share) / (1 - share));
  const sources = new Map(HARD_NEGATIVE_KINDS.map((kind) => [kind.name, madeBy(kind, candidates, context, options.seed)]));
  const rows: DpoRow[] = [];
  const byKind: Record<string, number> = Object.fromEntries(HARD_NEGATIVE_KINDS.map((kind) => [kind.name, 0]));
  const byFamily = Object.fromEntries(HARD_NEGATIVE_FAMILIES.map((family) => [family, 0])) as Record<HardNegativeFamily, number>;

  /** Takes up to `count` from the kinds given, round-robin, dropping a kind once it runs dry. */
  const take = (kinds: readonly HardNegativeKind[], count: number) => {
    let live = kinds;
    for (let taken = 0; taken < count && live.length; ) {
      const dry = new Set<string>();
      for (const kind of live) {
        if (taken >= count) break;
        const next = sources.get(kind.name)!.next();
        if (next.done) {
          dry.add(kind.name);
          continue;
        }
        rows.push(next.value);
        byKind[kind.name] = (byKind[kind.name] ?? 0) + 1;
        byFamily[kind.family] += 1;
        taken++;
      }
      live = live.filter((kind) => !dry.has(kind.name));
    }
  };
  const quotas = apportion(requested, options.mix);
  for (const family of HARD_NEGATIVE_FAMILIES) take(HARD_NEGATIVE_KINDS.filter((kind) => kind.family === family), quotas[family]);
  const weighted = HARD_NEGATIVE_FAMILIES.filter((family) => options.mix[family] > 0);
  take(HARD_NEGATIVE_KINDS.filter((kind) => weighted.includes(kind.family)), requested - rows.length);
  return { rows, requested, candidates: candidates.length, byKind, byFamily };
}
