import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ServiceDefinition } from '../service-definition.js';

/** The process's Prometheus registry: Node's default metrics plus distillery's own. */
export class Metrics {
  readonly registry = new Registry();
  readonly stageImplemented = new Gauge({
    name: 'distillery_stage_implemented',
    help: '1 when the service implements the stage in this build, 0 when not yet',
    labelNames: ['service', 'stage'],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'distillery_dead_letters_total',
    help: 'Records sent to a dead-letter topic, by source topic and reason',
    labelNames: ['topic', 'reason'],
    registers: [this.registry],
  });

  constructor(services: readonly ServiceDefinition[]) {
    collectDefaultMetrics({ register: this.registry, prefix: 'distillery_' });
    for (const service of services) {
      for (const stage of service.stages) this.stageImplemented.set({ service: service.name, stage: stage.name }, stage.implemented ? 1 : 0);
    }
  }
}
