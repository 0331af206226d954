import { Counter, Histogram, type Registry } from 'prom-client';
import type { RefinedTrace } from './refine/trace-refiner.js';

/** The judge's numbers on /metrics: verdicts per agent, traces refined or skipped as duplicates, time per trace. */
export class JudgeMetrics {
  readonly calls: Counter<'agent' | 'verdict'>;
  readonly traces: Counter<'outcome'>;
  readonly traceSeconds: Histogram;

  constructor(registry: Registry) {
    this.calls = new Counter({ name: 'distillery_judge_calls_total', help: 'Agent calls judged, by agent and verdict', labelNames: ['agent', 'verdict'], registers: [registry] });
    this.traces = new Counter({ name: 'distillery_judge_traces_total', help: 'traces.raw events handled: refined, or skipped as a redelivered duplicate', labelNames: ['outcome'], registers: [registry] });
    this.traceSeconds = new Histogram({
      name: 'distillery_judge_trace_seconds',
      help: 'Time to judge every call of one trace',
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
      registers: [registry],
    });
  }

  refined(trace: RefinedTrace, seconds: number): void {
    this.traces.inc({ outcome: 'refined' });
    this.traceSeconds.observe(seconds);
    for (const call of trace.message.calls) this.calls.inc({ agent: call.agent, verdict: call.verdict });
  }

  duplicate(): void {
    this.traces.inc({ outcome: 'duplicate' });
  }
}
