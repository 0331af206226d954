import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AgentsMetrics, phaseMs } from './agents-metrics.js';

const timings = { sessionReadMs: 1, modelMs: 5, evaluatorMs: 0.5, sandboxMs: 3, toolsMs: 2, writeMs: 2.5, totalMs: 12 };

describe('AgentsMetrics', () => {
  it('splits a turn into phases: the sandbox less its tools, the overhead less model and tools', () => {
    expect(phaseMs(timings, 'sandbox')).toBe(1);
    expect(phaseMs(timings, 'overhead')).toBe(5);
    expect(phaseMs(timings, 'tools')).toBe(2);
    expect(phaseMs(timings, 'write')).toBe(2.5);
    expect(phaseMs({ ...timings, sandboxMs: 1.9 }, 'sandbox')).toBe(0); // rounding never makes a negative phase
  });

  it('counts turns by source and outcome and observes every phase once a turn', async () => {
    const registry = new Registry();
    const metrics = new AgentsMetrics(registry);
    metrics.turn('production', false, timings);
    metrics.turn('simulation', true, timings);
    const turns = await registry.getSingleMetric('distillery_agents_turns_total')!.get();
    expect(turns.values.map(({ labels, value }) => [labels.source, labels.outcome, value])).toEqual([
      ['production', 'answered', 1],
      ['simulation', 'fallback', 1],
    ]);
    const phases = (await registry.getSingleMetric('distillery_agents_turn_phase_seconds')!.get()).values as Array<{ metricName?: string; labels: { phase?: string }; value: number }>;
    const find = (suffix: string, phase: string) => phases.find((value) => value.metricName === `distillery_agents_turn_phase_seconds_${suffix}` && value.labels.phase === phase)?.value;
    const count = (phase: string) => find('count', phase);
    const sum = (phase: string) => find('sum', phase);
    expect(['session_read', 'model', 'evaluator', 'sandbox', 'tools', 'write', 'overhead', 'total'].map(count)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
    expect(sum('overhead')).toBeCloseTo(0.01, 9);
    expect(await registry.metrics()).toContain('distillery_agents_turn_phase_seconds_bucket{le="0.005",phase="write"} 2');
  });
});
