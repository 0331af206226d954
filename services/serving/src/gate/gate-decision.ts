import { LOWER_IS_BETTER_METRICS, type MetricSummary } from '@distillery/evaluation';

/** One agent metric, incumbent against candidate. */
export interface GateRow {
  readonly agent: string;
  readonly metric: string;
  readonly incumbent: Figure | null;
  readonly candidate: Figure;
  /** Whether a higher value is better (rates, F1) or worse (violation counts). */
  readonly higherIsBetter: boolean;
  readonly tolerance: number;
  /** The candidate is no worse than the incumbent less the tolerance (true without an incumbent). */
  readonly ok: boolean;
}

/** A metric's mean, 95% interval and how many calls or turns it was measured on. */
export interface Figure {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
}

export interface GateVerdict {
  readonly decision: 'accepted' | 'refused';
  readonly reason: string;
  readonly rows: readonly GateRow[];
}

/** Every metric but those where more is worse (counts of business-rule violations). */
function higherIsBetter(metric: string): boolean {
  return !LOWER_IS_BETTER_METRICS.has(metric);
}

const figureOf = (summary: MetricSummary): Figure => ({ mean: summary.mean, low: summary.low, high: summary.high, n: summary.n });

/**
 * The deploy gate's rule: a candidate replaces the incumbent only if none of its agent metrics (as
 * both were measured on the same held-out rows), nor its E2E pass rate (the same scenarios), is worse than the incumbent's by more than
 * `tolerance` (absolute: 0.05 is five points of a rate). Without an incumbent the candidate is
 * accepted on its own figures. A metric the incumbent was not measured on does not decide.
 */
export function decideGate(candidate: readonly MetricSummary[], incumbent: readonly MetricSummary[] | null, tolerance: number, incumbentName?: string): GateVerdict {
  const rows: GateRow[] = candidate.map((summary) => {
    const against = incumbent?.find((other) => other.agent === summary.agent && other.metric === summary.metric);
    const better = higherIsBetter(summary.metric);
    const ok = !against || (better ? summary.mean >= against.mean - tolerance : summary.mean <= against.mean + tolerance);
    return { agent: summary.agent, metric: summary.metric, incumbent: against ? figureOf(against) : null, candidate: figureOf(summary), higherIsBetter: better, tolerance, ok };
  });
  if (!incumbent) return { decision: 'accepted', reason: 'no incumbent: the first version of the model is served on its own figures', rows };
  const worse = rows.filter((row) => !row.ok);
  if (worse.length === 0) return { decision: 'accepted', reason: `no metric worse than ${incumbentName ?? 'the incumbent'}'s by more than ${tolerance}`, rows };
  const named = worse.map((row) => `${row.agent} ${row.metric} ${row.candidate.mean.toFixed(3)} against ${row.incumbent!.mean.toFixed(3)}`).join('; ');
  return { decision: 'refused', reason: `worse than ${incumbentName ?? 'the incumbent'} beyond the tolerance ${tolerance}: ${named}`, rows };
}
