import type { DeploymentGated } from '@distillery/contracts';
import type { RunningApp } from '@distillery/service-kit';
import { ServingLifecycle } from '@distillery/serving';
import type { GateReport } from './report/run-report-data.js';
import { STUDENT_MODEL } from './student-agents.js';

/** How the run's student fared at serving's deploy gate: its decision, or why serving never gated it. */
export type GateOutcome = { readonly gated: DeploymentGated } | { readonly refusedBefore: string };

/**
 * Waits for serving's deploy gate to decide on the run's student (its engine loaded, the held-out
 * rows decoded on it and on the incumbent — the pretrained base it was distilled from on a first
 * run — and the E2E stress scenarios played on both: tens of minutes on 2 loaded cores), or for
 * serving to refuse the version before the gate (its artifacts or its engine).
 */
export async function awaitGate(app: RunningApp, checkpointId: string, timeoutMs = 2_700_000): Promise<GateOutcome> {
  const runtime = app.app.get(ServingLifecycle).runtime;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gated = await runtime.gates?.decided(STUDENT_MODEL, checkpointId);
    if (gated) return { gated };
    const version = (await runtime.catalog?.versions(STUDENT_MODEL))?.find((candidate) => candidate.checkpointId === checkpointId);
    if (version?.refused) return { refusedBefore: version.refused };
    if (Date.now() > deadline) throw new Error(`serving: no deploy-gate decision on ${STUDENT_MODEL}@${checkpointId} within ${Math.round(timeoutMs / 1_000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const figure = (value: { readonly mean: number; readonly low: number; readonly high: number } | null) => (value ? `${value.mean.toFixed(2)} [${value.low.toFixed(2)}, ${value.high.toFixed(2)}]` : '–');

/** The gate's table as the run prints it: incumbent against candidate per agent metric, then the decision. */
export function gateTable(gated: DeploymentGated): string[] {
  const against = gated.incumbent ?? 'no incumbent';
  const width = Math.max(28, ...gated.rows.map((row) => `${row.agent} ${row.metric}`.length));
  const e2e = gated.rows.find((row) => row.agent === 'e2e');
  return [
    `deploy gate: ${STUDENT_MODEL}@${gated.checkpointId} against ${against}, ${gated.evalRows} held-out rows${e2e ? `, ${e2e.candidate.n} E2E stress scenarios` : ''}, tolerance ${gated.tolerance}`,
    `  ${'agent metric'.padEnd(width)}  ${'incumbent'.padEnd(20)}  ${'candidate'.padEnd(20)}  ok`,
    ...gated.rows.map((row) => `  ${`${row.agent} ${row.metric}`.padEnd(width)}  ${figure(row.incumbent).padEnd(20)}  ${figure(row.candidate).padEnd(20)}  ${row.ok ? 'yes' : 'NO'}`),
    `  → ${gated.decision}: ${gated.reason}`,
  ];
}

/** The report's deploy-gate section from the decision. */
export function gateReportOf(gated: DeploymentGated): GateReport {
  return {
    decision: gated.decision,
    reason: gated.reason,
    incumbent: gated.incumbent,
    candidate: `${gated.modelId}@${gated.checkpointId}`,
    rows: gated.rows.map((row) => ({ metric: row.metric, agent: row.agent, incumbent: row.incumbent, candidate: row.candidate, tolerance: gated.tolerance, ok: row.ok })),
  };
}
