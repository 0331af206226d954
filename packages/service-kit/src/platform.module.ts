import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BusClient } from './bus-transport/bus-client.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { Metrics } from './metrics/metrics.js';
import type { Platform } from './platform.js';
import type { ServiceDefinition } from './service-definition.js';
import { ARTIFACTS, BUS, DATABASE, PLATFORM, PLATFORM_CONFIG, SERVICES } from './tokens.js';

/** Closes the platform last: consumers drain (bus), then the database closes. */
@Injectable()
class PlatformLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  async onApplicationShutdown(): Promise<void> {
    await this.platform.close();
  }
}

/** Makes the platform injectable everywhere and serves `/health` and `/metrics`. */
@Module({})
export class PlatformModule {
  static forRoot(platform: Platform, services: readonly ServiceDefinition[]): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: PLATFORM, useValue: platform },
        { provide: BUS, useValue: platform.bus },
        { provide: DATABASE, useValue: platform.database },
        { provide: ARTIFACTS, useValue: platform.artifacts },
        { provide: PLATFORM_CONFIG, useValue: platform.config },
        { provide: SERVICES, useValue: services },
        { provide: Metrics, useValue: platform.metrics },
        // Producers inject it: `client.emit(topic, data)` publishes a validated event (the outbox stays the way for events written with an effect).
        { provide: BusClient, useValue: new BusClient(platform.bus, services.map((service) => service.name).join('+') || 'distillery') },
        PlatformLifecycle,
      ],
      exports: [PLATFORM, BUS, DATABASE, ARTIFACTS, PLATFORM_CONFIG, SERVICES, Metrics, BusClient],
    };
  }
}
