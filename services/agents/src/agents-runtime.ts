import { type BusinessChanges, PlanSandbox, type Toolbox, TurnPipeline } from '@distillery/dealership';
import { type ModelPort, OpenAiModel } from '@distillery/llm';
import type { Platform } from '@distillery/service-kit';
import { Outbox, OutboxRelay } from '@distillery/storage';
import { AgentsGrpcServer } from './api/agents-grpc.server.js';
import { ConversationService } from './api/conversation.service.js';
import { sessionModel } from './api/pinned-model.js';
import { RateLimiter } from './api/rate-limiter.js';
import { AgentsMetrics } from './agents-metrics.js';
import type { AgentsConfig } from './config/agents.config.js';
import { SessionStore } from './sessions/session-store.js';

/** What the agents service needs from its domain: the tools, and the reference teacher that knows them. */
export interface AgentsDomain {
  createToolbox(platform: Platform, config: AgentsConfig): Promise<Toolbox>;
  createReferenceModel(toolbox: Toolbox, config: AgentsConfig): ModelPort;
  /** The business changes its admin API offers (none: no DealershipAdminService). */
  createBusinessChanges?(platform: Platform): BusinessChanges;
}

/** The running agents service: gRPC API, pipeline, sandbox and outbox relay, started and drained together. */
export class AgentsRuntime {
  private constructor(
    readonly grpcPort: number,
    private readonly server: AgentsGrpcServer,
    private readonly relay: OutboxRelay,
    private readonly sandbox: PlanSandbox,
  ) {}

  static async start(platform: Platform, config: AgentsConfig, domain: AgentsDomain): Promise<AgentsRuntime> {
    const toolbox = await domain.createToolbox(platform, config);
    const model = modelOf(config, () => domain.createReferenceModel(toolbox, config));
    const sandbox = new PlanSandbox();
    const relay = new OutboxRelay({ dataSource: platform.database.dataSource, bus: platform.bus, schema: 'agents', logger: platform.logger });
    relay.start();
    const store = new SessionStore(platform.database.dataSource, new Outbox('agents'), () => relay.wake());
    const options = {
      profile: config.DISTILLERY_AGENTS_PROMPT_PROFILE,
      maxReplans: config.DISTILLERY_AGENTS_MAX_REPLANS,
      llmEvaluatorVolume: config.DISTILLERY_AGENTS_EVALUATOR_VOLUME,
    };
    const metrics = new AgentsMetrics(platform.metrics.registry);
    const conversations = new ConversationService(
      store,
      (onProgress, session) => new TurnPipeline(sessionModel(model, session), toolbox, sandbox, options, onProgress),
      undefined,
      (source, fallback, timings) => metrics.turn(source, fallback, timings),
    );
    const server = new AgentsGrpcServer(store, conversations, {
      apiKeys: config.DISTILLERY_AGENTS_API_KEYS,
      rateLimiter: new RateLimiter({ perMinute: config.DISTILLERY_AGENTS_RATE_PER_MINUTE, burst: config.DISTILLERY_AGENTS_RATE_BURST }),
      maxMessageChars: config.DISTILLERY_AGENTS_MAX_MESSAGE_CHARS,
      onUnexpected: (error, method) => platform.logger.error({ err: error, method }, 'agents API call failed'),
      ...(domain.createBusinessChanges ? { businessChanges: domain.createBusinessChanges(platform) } : {}),
      adminTenants: config.DISTILLERY_AGENTS_ADMIN_TENANTS,
      backend: config.DISTILLERY_AGENTS_BACKEND,
      onBusinessChange: (change, tenant, reason) => platform.logger.info({ change, tenant, reason }, 'business changed'),
      ...(platform.tls ? { tls: platform.tls } : {}),
    });
    const port = await server.start(config.DISTILLERY_AGENTS_GRPC_HOST, config.DISTILLERY_AGENTS_GRPC_PORT);
    platform.logger.info({ grpc: `${config.DISTILLERY_AGENTS_GRPC_HOST}:${port}`, backend: model.backend }, 'agents API listening');
    return new AgentsRuntime(port, server, relay, sandbox);
  }

  /** Drain: stop taking calls, finish those in flight, publish what the outbox holds. */
  async stop(): Promise<void> {
    await this.server.stop();
    await this.relay.stop();
    await this.sandbox.close();
  }
}

/** The model every agent call goes to, by DISTILLERY_AGENTS_BACKEND. */
function modelOf(config: AgentsConfig, reference: () => ModelPort): ModelPort {
  const timeoutMs = config.DISTILLERY_OPENAI_TIMEOUT_MS;
  switch (config.DISTILLERY_AGENTS_BACKEND) {
    case 'openai':
      return new OpenAiModel({
        baseUrl: config.DISTILLERY_OPENAI_BASE_URL ?? '',
        model: config.DISTILLERY_OPENAI_MODEL ?? '',
        timeoutMs,
        ...(config.DISTILLERY_OPENAI_API_KEY ? { apiKey: config.DISTILLERY_OPENAI_API_KEY } : {}),
      });
    case 'serving':
      // The student behind our serving service; every answer names the version that produced it.
      return new OpenAiModel({ backend: 'serving', baseUrl: config.DISTILLERY_SERVING_URL, model: config.DISTILLERY_SERVING_MODEL, apiKey: config.DISTILLERY_SERVING_API_KEY, timeoutMs });
    default:
      return reference();
  }
}
