import { Counter, Histogram, type Registry } from 'prom-client';
import type { TurnTimings } from './api/conversation.service.js';

/** Where a turn's time goes, as the `phase` label of `distillery_agents_turn_phase_seconds`. */
export const TURN_PHASES = ['session_read', 'model', 'evaluator', 'sandbox', 'tools', 'write', 'overhead', 'total'] as const;
export type TurnPhase = (typeof TURN_PHASES)[number];

/** The agents' numbers on /metrics: turns by source and outcome, and the time of each phase of a turn. */
export class AgentsMetrics {
  readonly turns: Counter<'source' | 'outcome'>;
  readonly phaseSeconds: Histogram<'phase'>;

  constructor(registry: Registry) {
    this.turns = new Counter({
      name: 'distillery_agents_turns_total',
      help: 'Turns answered, by session source (production, simulation) and outcome (answered: a plan ran; fallback: handed to a person after the replans ran out)',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    });
    this.phaseSeconds = new Histogram({
      name: 'distillery_agents_turn_phase_seconds',
      help: 'Time of one turn by phase: session_read, model (all agent calls), evaluator (static checks), sandbox (plan execution less its tools), tools, write (turn + trace), overhead (total less model and tools), total',
      labelNames: ['phase'],
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  turn(source: string, fallback: boolean, timings: TurnTimings): void {
    this.turns.inc({ source, outcome: fallback ? 'fallback' : 'answered' });
    for (const phase of TURN_PHASES) this.phaseSeconds.observe({ phase }, phaseMs(timings, phase) / 1000);
  }
}

/** One phase's milliseconds from a turn's timings. */
export function phaseMs(timings: TurnTimings, phase: TurnPhase): number {
  switch (phase) {
    case 'session_read':
      return timings.sessionReadMs;
    case 'model':
      return timings.modelMs;
    case 'evaluator':
      return timings.evaluatorMs;
    case 'sandbox':
      return Math.max(0, timings.sandboxMs - timings.toolsMs);
    case 'tools':
      return timings.toolsMs;
    case 'write':
      return timings.writeMs;
    case 'overhead':
      return Math.max(0, timings.totalMs - timings.modelMs - timings.toolsMs);
    case 'total':
      return timings.totalMs;
  }
}
