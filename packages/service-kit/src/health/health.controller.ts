import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Probe } from '../auth/roles.decorator.js';
import type { Platform } from '../platform.js';
import type { ServiceDefinition } from '../service-definition.js';
import { PLATFORM, SERVICES } from '../tokens.js';

/**
 * `/health`: 200 while the bus and the database answer, 503 when either does not. The `consumers`
 * entry is `degraded` while a consumer in this process is stuck behind a record (one record
 * failing for longer than DISTILLERY_CONSUMER_STUCK_MS: everything after it on its partition
 * waits) and names it; `up` again once the consumer moves on. The `stages` entry lists each
 * service's stages and is `degraded` while some are not implemented yet.
 */
@Controller('health')
@Probe()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(SERVICES) private readonly services: readonly ServiceDefinition[],
  ) {}

  @Get()
  @HealthCheck()
  check() {
    const busHealth = this.platform.bus.health();
    return this.health.check([
      async () => {
        const bus = this.indicators.check('bus');
        const state = await busHealth;
        return state.up ? bus.up({ adapter: state.adapter, detail: state.detail }) : bus.down({ adapter: state.adapter, detail: state.detail });
      },
      async () => {
        const consumers = this.indicators.check('consumers');
        const { stuck } = await busHealth;
        return stuck.length === 0 ? consumers.up({ stuck }) : consumers.degraded({ stuck });
      },
      async () => {
        const database = this.indicators.check('database');
        try {
          await this.platform.database.ping();
          return database.up({ target: this.platform.database.target });
        } catch (error) {
          return database.down({ target: this.platform.database.target, detail: String(error) });
        }
      },
      async () => {
        const stages = this.indicators.check('stages');
        const services = Object.fromEntries(
          this.services.map((service) => [
            service.name,
            {
              implemented: service.stages.filter((stage) => stage.implemented).map((stage) => stage.name),
              notImplemented: service.stages.filter((stage) => !stage.implemented).map((stage) => `${stage.name}${stage.issue ? ` (issue #${stage.issue})` : ''}`),
            },
          ]),
        );
        const complete = this.services.every((service) => service.stages.every((stage) => stage.implemented));
        return complete ? stages.up({ services }) : stages.degraded({ services });
      },
    ]);
  }
}
