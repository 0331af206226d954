import { Counter, type Registry } from 'prom-client';

/** The simulator's numbers on /metrics: conversations by outcome, turns played, business switches, stress runs by outcome. */
export class SimulatorMetrics {
  readonly conversations: Counter<'status' | 'exit_reason'>;
  readonly turns: Counter;
  readonly switches: Counter<'kind' | 'applied'>;
  readonly stressRuns: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.conversations = new Counter({ name: 'distillery_simulator_conversations_total', help: 'Conversations finished, by status and EXIT reason', labelNames: ['status', 'exit_reason'], registers: [registry] });
    this.turns = new Counter({ name: 'distillery_simulator_turns_total', help: 'Customer turns played against the agents', registers: [registry] });
    this.switches = new Counter({ name: 'distillery_simulator_switches_total', help: 'Business switches asked for, by kind and whether they applied', labelNames: ['kind', 'applied'], registers: [registry] });
    this.stressRuns = new Counter({ name: 'distillery_simulator_stress_runs_total', help: 'Stress runs ended, by outcome (done: measured; failed: no pass rate)', labelNames: ['outcome'], registers: [registry] });
  }
}
