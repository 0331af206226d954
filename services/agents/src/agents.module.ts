import { type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PLATFORM, type Platform } from '@distillery/service-kit';
import { type AgentsDomain, AgentsRuntime } from './agents-runtime.js';
import { loadAgentsConfig } from './config/agents.config.js';

const DOMAIN = Symbol('agents.domain');

/** Starts the agents runtime once the platform is up; drains it before the platform closes. */
@Injectable()
class AgentsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private runtime: AgentsRuntime | undefined;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(DOMAIN) private readonly domain: AgentsDomain,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.runtime = await AgentsRuntime.start(this.platform, loadAgentsConfig(this.platform.env), this.domain);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime?.stop();
  }
}

/** The agents service's Nest module: config validated at boot, then the gRPC API and its pipeline. */
@Module({})
export class AgentsModule {
  static forDomain(domain: AgentsDomain): DynamicModule {
    return { module: AgentsModule, providers: [{ provide: DOMAIN, useValue: domain }, AgentsLifecycle] };
  }
}
