import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { OpenAiModel } from '@distillery/llm';
import { AgentsClient } from '@distillery/proto';
import type { Platform } from '@distillery/service-kit';
import { Outbox, OutboxRelay } from '@distillery/storage';
import { CampaignRunner } from './campaigns/campaign-runner.js';
import { type CampaignProgress, CampaignStore, type ConversationPage, type ConversationRow, type StoredCampaign } from './campaigns/campaign-store.js';
import { CampaignSupervisor } from './campaigns/campaign-supervisor.js';
import { resolveCampaignSpec } from './campaigns/resolve-campaign-spec.js';
import { agentsEndpointOf, openAiEndpointOf, type SimulatorConfig, stressAgentsEndpointOf } from './config/simulator.config.js';
import type { AgentsPort } from './conversations/agents-port.js';
import { CampaignNotFoundError } from './errors/campaign-not-found.error.js';
import { PolicyUnavailableError } from './errors/policy-unavailable.error.js';
import { CampaignManifestRecorder } from './lineage/campaign-manifest-recorder.js';
import { llmSimulator } from './policies/llm-simulator.js';
import { referenceSimulator } from './policies/reference-customer.js';
import type { UserSimulator } from './policies/user-simulator.js';
import { SimulatorMetrics } from './simulator-metrics.js';
import type { StressAgentsPort } from './stress/stress-agents-port.js';
import { StressRuns } from './stress/stress-runs.js';

/** Seeds the dealership when neither the simulator nor the agents name one (the agents' own default). */
const DEFAULT_DEALERSHIP_SEED = 7;

export interface SimulatorRuntimeOptions {
  /** The agents to drive; the gRPC client of the configured address when absent. */
  readonly agents?: AgentsPort;
  /** The agents the stress runs play against; the gRPC client of the configured stress address when absent. */
  readonly stressAgents?: StressAgentsPort;
}

/**
 * A running simulator replica: campaigns created over its API, and running campaigns nobody holds
 * (a crashed or drained replica's) resumed; conversations played against the agents over gRPC;
 * each campaign's campaigns.completed event through the outbox. Stress runs asked over its API are
 * played one at a time and held in memory (`stressRuns`).
 */
export class SimulatorRuntime {
  private constructor(
    /** Names this replica in leases and claimed conversations. */
    readonly replica: string,
    private readonly config: SimulatorConfig,
    readonly store: CampaignStore,
    private readonly supervisor: CampaignSupervisor,
    private readonly relay: OutboxRelay,
    private readonly manifests: CampaignManifestRecorder,
    /** The E2E stress runs asked of this replica (POST /stress-runs). */
    readonly stressRuns: StressRuns,
    private readonly close: () => void,
  ) {}

  static async start(platform: Platform, config: SimulatorConfig, options: SimulatorRuntimeOptions = {}): Promise<SimulatorRuntime> {
    const { dataSource } = platform.database;
    const logger = platform.logger.child({ component: 'simulator' });
    const endpoint = agentsEndpointOf(config);
    // Over TLS: trusting the platform's CA (else the system's) and presenting its certificate, when it has one (mutual TLS).
    const tls = config.DISTILLERY_SIMULATOR_AGENTS_TLS ? { tls: { ca: platform.tls?.ca, cert: platform.tls?.cert, key: platform.tls?.key } } : {};
    const client = options.agents ? undefined : new AgentsClient({ address: endpoint.address, apiKey: endpoint.apiKey, timeoutMs: config.DISTILLERY_SIMULATOR_CALL_TIMEOUT_MS, ...tls });
    const agents: AgentsPort = options.agents ?? client!;
    const stressEndpoint = stressAgentsEndpointOf(config);
    const stressClient = options.stressAgents ? undefined : new AgentsClient({ address: stressEndpoint.address, apiKey: stressEndpoint.apiKey, timeoutMs: config.DISTILLERY_SIMULATOR_STRESS_CALL_TIMEOUT_MS, ...tls });
    const llm = openAiEndpointOf(config);
    const policies: Partial<Record<'reference' | 'llm', UserSimulator>> = {
      reference: referenceSimulator,
      ...(llm ? { llm: llmSimulator(new OpenAiModel(llm)) } : {}),
    };
    const store = new CampaignStore(dataSource);
    const relay = new OutboxRelay({ dataSource, bus: platform.bus, schema: 'simulator', logger });
    relay.start();
    const outbox = new Outbox('simulator');
    const metrics = new SimulatorMetrics(platform.metrics.registry);
    const stressRuns = new StressRuns({
      agents: options.stressAgents ?? stressClient!,
      dealershipSeed: dealershipSeedOf(config),
      onFinished: (run) => {
        metrics.stressRuns.inc({ outcome: run.status });
        logger.info({ runId: run.runId, model: run.model, status: run.status, passRate: run.passRate, error: run.error }, 'stress run ended');
      },
    });
    const replica = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const manifests = new CampaignManifestRecorder({ artifacts: platform.artifacts, store, logger });
    const supervisor = new CampaignSupervisor({
      store,
      owner: replica,
      leaseMs: config.DISTILLERY_SIMULATOR_LEASE_MS,
      logger,
      runnerFor: (spec) => {
        const simulator = policies[spec.policy];
        if (!simulator) throw new PolicyUnavailableError();
        return new CampaignRunner(spec, {
          dataSource,
          store,
          outbox,
          agents,
          simulator,
          owner: replica,
          leaseMs: config.DISTILLERY_SIMULATOR_LEASE_MS,
          maxAttempts: config.DISTILLERY_SIMULATOR_MAX_ATTEMPTS,
          logger,
          metrics,
          onCommitted: () => {
            relay.wake();
            manifests.record(spec.campaignId);
          },
        });
      },
    });
    supervisor.start();
    logger.info({ agents: endpoint.address, stressAgents: stressEndpoint.address, policies: Object.keys(policies), replica }, 'simulator ready for campaigns');
    return new SimulatorRuntime(replica, config, store, supervisor, relay, manifests, stressRuns, () => {
      client?.close();
      stressClient?.close();
    });
  }

  /** Validates a campaign request (a CampaignRequest) and starts it (InvalidCampaignError, PolicyUnavailableError, CampaignConflictError); the same id and spec again answers the existing one. */
  async create(request: unknown): Promise<{ created: boolean; campaign: StoredCampaign }> {
    const spec = resolveCampaignSpec(request, {
      policy: this.config.DISTILLERY_SIMULATOR_POLICY,
      dealershipSeed: dealershipSeedOf(this.config),
    });
    if (spec.policy === 'llm' && !openAiEndpointOf(this.config)) throw new PolicyUnavailableError();
    return this.supervisor.create(spec);
  }

  async progress(campaignId: string): Promise<CampaignProgress> {
    const progress = await this.store.progress(campaignId);
    if (!progress) throw new CampaignNotFoundError(campaignId);
    return progress;
  }

  /** A page of the campaign's conversations in index order (CampaignNotFoundError); `more` when rows follow it. */
  async conversations(campaignId: string, page: ConversationPage): Promise<{ rows: ConversationRow[]; more: boolean }> {
    if (!(await this.store.find(campaignId))) throw new CampaignNotFoundError(campaignId);
    return this.store.conversations(campaignId, page);
  }

  /** Resolves when this replica's run of the campaign ends (completed, drained or lost). */
  settled(campaignId: string): Promise<void> {
    return this.supervisor.settled(campaignId);
  }

  /** Drain: no new stress runs, the queued and running ones failed (not waited for); conversations in flight stop between turns and go back to pending, the leases are released, the campaign manifests being written are, the outbox is published. */
  async stop(): Promise<void> {
    this.stressRuns.stop();
    await this.supervisor.stop();
    await this.manifests.drain();
    await this.relay.stop();
    this.close();
  }
}

/** The dealership the campaigns' goals and the stress scenarios are drawn from. */
function dealershipSeedOf(config: SimulatorConfig): number {
  return config.DISTILLERY_SIMULATOR_DEALERSHIP_SEED ?? config.DISTILLERY_AGENTS_SEED ?? DEFAULT_DEALERSHIP_SEED;
}
