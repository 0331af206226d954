import type { ScenarioResult } from './stress-runner.js';

/** The stress test's figures over k runs of the same scenarios. */
export interface StressSummary {
  readonly scenarios: number;
  readonly turns: number;
  readonly runs: number;
  /** Share of scenarios passed, per run. */
  readonly passRates: readonly number[];
  /** pass^k: share of scenarios passed in every one of the k runs. */
  readonly passAllRuns: number;
  /** Scenarios failed in at least one run, with their first failure in the first run that failed them. */
  readonly failing: readonly { readonly run: number; readonly result: ScenarioResult }[];
  /** Failed scenarios by the first failure's kind (goal, rule, error), over all runs. */
  readonly failuresByKind: Readonly<Record<string, number>>;
  readonly seconds: number;
}

export function summarizeStress(runs: readonly (readonly ScenarioResult[])[], turnsPerScenario: number): StressSummary {
  const scenarios = runs[0]?.length ?? 0;
  const failing: { run: number; result: ScenarioResult }[] = [];
  const seen = new Set<string>();
  const failuresByKind: Record<string, number> = {};
  runs.forEach((results, run) => {
    for (const result of results) {
      if (result.passed) continue;
      const kind = result.firstFailure?.kind ?? 'goal';
      failuresByKind[kind] = (failuresByKind[kind] ?? 0) + 1;
      if (!seen.has(result.scenarioId)) {
        seen.add(result.scenarioId);
        failing.push({ run: run + 1, result });
      }
    }
  });
  return {
    scenarios,
    turns: scenarios * turnsPerScenario,
    runs: runs.length,
    passRates: runs.map((results) => (results.length ? results.filter((result) => result.passed).length / results.length : 0)),
    passAllRuns: scenarios ? (scenarios - seen.size) / scenarios : 0,
    failing,
    failuresByKind,
    seconds: runs.flat().reduce((sum, result) => sum + result.seconds, 0),
  };
}

const percent = (share: number) => `${(share * 100).toFixed(2)}%`;

/** One line per finished scenario. */
export function scenarioLine(result: ScenarioResult, run: number, runs: number): string {
  const where = runs > 1 ? `run ${run}/${runs} ` : '';
  const verdict = result.passed ? 'pass' : `FAIL at turn ${result.firstFailure?.turn ?? '?'} (${result.firstFailure?.kind ?? 'goal'}): ${result.firstFailure?.reason ?? 'unknown'}`;
  return `${where}${result.scenarioId} ${verdict} — ${result.description.slice(0, 90)} [${result.turnsPlayed} turns, ${result.seconds.toFixed(1)} s]`;
}

/** The summary table. */
export function summaryLines(summary: StressSummary): string[] {
  const lines = [
    `E2E stress test: ${summary.scenarios} scenarios × ${summary.turns / Math.max(1, summary.scenarios)} turns, ${summary.runs} run(s)`,
    '| run | passed | pass rate |',
    '|-----|--------|-----------|',
    ...summary.passRates.map((rate, run) => `| ${run + 1} | ${Math.round(rate * summary.scenarios)}/${summary.scenarios} | ${percent(rate)} |`),
    `pass^${summary.runs}: ${percent(summary.passAllRuns)} (${summary.scenarios - summary.failing.length}/${summary.scenarios} scenarios passed every run)`,
  ];
  if (summary.failing.length) {
    lines.push(`failed scenarios by first failure: ${Object.entries(summary.failuresByKind).map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
    for (const { run, result } of summary.failing) lines.push(`  ${result.scenarioId} (run ${run}) turn ${result.firstFailure?.turn ?? '?'}: ${result.firstFailure?.reason ?? ''}`);
  }
  return lines;
}
