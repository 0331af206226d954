import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { computePython, runImportBase } from '@distillery/compute';
import { type Platform, UnknownApiKeyError } from '@distillery/service-kit';
import { Inbox, Outbox, OutboxRelay } from '@distillery/storage';
import type { ServingConfig } from './config/serving.config.js';
import { type LocalModel, ModelRouter } from './engine/model-router.js';
import { InvalidRequestError, UnauthenticatedError } from './errors/serving.errors.js';
import { DeployGate } from './gate/deploy-gate.js';
import { SimulatorStressProbe } from './gate/gate-e2e.js';
import { GateStore } from './gate/gate-store.js';
import { ServingGrpcServer } from './grpc/serving-grpc.server.js';
import { Admission } from './inference/admission.js';
import { InferenceService } from './inference/inference.service.js';
import type { InferenceBackend } from './inference/inference.types.js';
import { UpstreamBackend } from './inference/upstream-backend.js';
import { CheckpointConsumer, SERVING_GROUP } from './models/checkpoint.consumer.js';
import { DrafterConsumer, SERVING_DRAFTERS_GROUP } from './models/drafter.consumer.js';
import { Fp8Consumer, SERVING_FP8_GROUP } from './models/fp8.consumer.js';
import { ModelCatalog } from './models/model-catalog.js';
import { ServingMetrics } from './serving-metrics.js';

/** How often the engines' load is sampled for /metrics. */
const SAMPLE_MS = 2_000;

/** The catalog's three announcement handlers. */
export interface ServingAnnouncements {
  readonly checkpoints: CheckpointConsumer;
  readonly drafters: DrafterConsumer;
  readonly fp8: Fp8Consumer;
}

/**
 * A running serving replica: the checkpoints.bf16, drafters.ready and checkpoints.fp8 consumers
 * record versions, their drafters and their FP8 versions in the catalog, the router loads what the
 * catalog wants (a version with its drafter: speculative decoding; as its FP8 version with
 * DISTILLERY_SERVING_PRECISION=fp8) into engine processes and switches traffic, and both APIs
 * (OpenAI HTTP, gRPC) answer through one InferenceService with admission control. In gateway mode
 * (DISTILLERY_SERVING_UPSTREAM) an upstream server answers instead and no engine runs here.
 */
export class ServingRuntime {
  private constructor(
    readonly inference: InferenceService,
    readonly defaultMaxTokens: number,
    readonly grpcPort: number,
    /** Absent in gateway mode. */
    readonly catalog: ModelCatalog | undefined,
    /** The deploy gate's decisions; absent in gateway mode. */
    readonly gates: GateStore | undefined,
    readonly router: ModelRouter | undefined,
    /** What records announcements in the catalog (`ServingEventsController` hands them over); absent in gateway mode. */
    readonly announcements: ServingAnnouncements | undefined,
    private readonly stopParts: () => Promise<void>,
  ) {}

  static async start(platform: Platform, config: ServingConfig): Promise<ServingRuntime> {
    const logger = platform.logger.child({ component: 'serving' });
    const metrics = new ServingMetrics(platform.metrics.registry);
    const keys = platform.config.DISTILLERY_API_KEYS;
    const admission = new Admission({ maxRunning: config.DISTILLERY_SERVING_MAX_RUNNING, maxQueued: config.DISTILLERY_SERVING_MAX_QUEUED });
    let backend: InferenceBackend;
    let router: ModelRouter | undefined;
    let catalog: ModelCatalog | undefined;
    let consumer: CheckpointConsumer | undefined;
    let drafters: DrafterConsumer | undefined;
    let fp8: Fp8Consumer | undefined;
    let socketDir: string | undefined;
    let gates: GateStore | undefined;
    let relay: OutboxRelay | undefined;
    if (config.DISTILLERY_SERVING_UPSTREAM) {
      backend = new UpstreamBackend({ baseUrl: config.DISTILLERY_SERVING_UPSTREAM, ...(config.DISTILLERY_SERVING_UPSTREAM_API_KEY ? { apiKey: config.DISTILLERY_SERVING_UPSTREAM_API_KEY } : {}) });
      logger.info({ upstream: config.DISTILLERY_SERVING_UPSTREAM }, 'gateway mode: completions come from the upstream server');
    } else {
      const python = computePython(config);
      if (!python) logger.error('no compute Python (set DISTILLERY_COMPUTE_PYTHON or run bash compute/bootstrap.sh): no engine can start, every model is unavailable');
      const dataDir = resolve(platform.config.DISTILLERY_DATA_DIR);
      const localModels: LocalModel[] = [];
      if (config.DISTILLERY_SERVING_BASE !== 'none' && python) {
        const preset = config.DISTILLERY_SERVING_BASE;
        const base = await runImportBase({ preset, out: join(dataDir, 'bases', preset) }, { python, logger });
        localModels.push({ modelId: preset, version: `${preset}@${base.sha256.slice(0, 12)}`, dir: base.out });
        logger.info({ preset, dir: base.out, license: base.license }, 'serving a packaged base');
      }
      catalog = new ModelCatalog(platform.database.dataSource);
      // The gate's decisions go out on deployments.gated through the outbox.
      relay = new OutboxRelay({ dataSource: platform.database.dataSource, bus: platform.bus, schema: 'serving', logger });
      relay.start();
      const relayRef = relay;
      gates = new GateStore(platform.database.dataSource, new Outbox('serving'), () => relayRef.wake());
      const gate =
        config.DISTILLERY_SERVING_GATE === 'on'
          ? new DeployGate({
              artifacts: platform.artifacts,
              store: gates,
              logger,
              rows: config.DISTILLERY_SERVING_GATE_ROWS,
              tolerance: config.DISTILLERY_SERVING_GATE_TOLERANCE,
              maxTokens: config.DISTILLERY_SERVING_GATE_MAX_TOKENS,
              ...(config.DISTILLERY_SERVING_GATE_E2E_URL
                ? {
                    e2e: new SimulatorStressProbe({
                      baseUrl: config.DISTILLERY_SERVING_GATE_E2E_URL,
                      scenarios: config.DISTILLERY_SERVING_GATE_E2E_SCENARIOS,
                      turns: config.DISTILLERY_SERVING_GATE_E2E_TURNS,
                      timeoutMs: config.DISTILLERY_SERVING_GATE_E2E_TIMEOUT_MS,
                      apiKey: config.DISTILLERY_SERVING_GATE_E2E_API_KEY,
                    }),
                  }
                : {}),
            })
          : undefined;
      socketDir = await mkdtemp(join(tmpdir(), 'dsv-'));
      router = new ModelRouter({
        catalog,
        artifacts: platform.artifacts,
        modelsDir: join(dataDir, 'serving', 'models'),
        socketDir,
        engine: { maxSeqs: config.DISTILLERY_SERVING_MAX_SEQS, device: config.DISTILLERY_SERVING_DEVICE },
        ...(config.DISTILLERY_SERVING_SPECULATIVE !== 'off' ? { speculative: { speculative: config.DISTILLERY_SERVING_SPECULATIVE, draftTokens: config.DISTILLERY_SERVING_DRAFT_TOKENS }, minDrafterSpeedup: config.DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP } : {}),
        ...(config.DISTILLERY_SERVING_PRECISION === 'fp8' ? { fp8: { tolerance: config.DISTILLERY_SERVING_FP8_TOLERANCE } } : {}),
        ...(python ? { python } : {}),
        ...(gate ? { gate, gateBaseline: config.DISTILLERY_SERVING_GATE_BASELINE } : {}),
        logger,
        localModels,
        onChange: (change) => {
          metrics.versionChanges.inc({ version: change.version, kind: change.kind });
          if (change.kind === 'crashed') metrics.engineRestarts.inc({ version: change.version });
        },
      });
      router.start();
      backend = router;
      const routerRef = router;
      consumer = new CheckpointConsumer({
        inbox: new Inbox(platform.database.dataSource, 'serving', SERVING_GROUP),
        catalog,
        logger,
        onRecorded: () => void routerRef.wake(),
      });
      drafters = new DrafterConsumer({
        inbox: new Inbox(platform.database.dataSource, 'serving', SERVING_DRAFTERS_GROUP),
        catalog,
        logger,
        onRecorded: () => void routerRef.wake(),
      });
      if (config.DISTILLERY_SERVING_PRECISION === 'bf16') logger.info('DISTILLERY_SERVING_PRECISION=bf16: FP8 versions on checkpoints.fp8 are recorded, never loaded; every version is served in BF16');
      fp8 = new Fp8Consumer({
        inbox: new Inbox(platform.database.dataSource, 'serving', SERVING_FP8_GROUP),
        catalog,
        logger,
        onRecorded: () => void routerRef.wake(),
        precision: config.DISTILLERY_SERVING_PRECISION,
      });
    }
    const inference = new InferenceService(backend, admission, metrics);
    const grpc = new ServingGrpcServer(inference, {
      authenticate: (key) => {
        try {
          keys.authenticate(key);
        } catch (error) {
          throw error instanceof UnknownApiKeyError ? new UnauthenticatedError(error.given) : error;
        }
      },
      defaultMaxTokens: config.DISTILLERY_SERVING_DEFAULT_MAX_TOKENS,
      ...(platform.tls ? { tls: platform.tls } : {}),
      onUnexpected: (error, method) => logger.error({ err: error, method }, 'serving API call failed'),
    });
    const grpcPort = await grpc.start(config.DISTILLERY_SERVING_GRPC_HOST, config.DISTILLERY_SERVING_GRPC_PORT);
    const sampler = router ? sampleEngines(router, metrics) : undefined;
    logger.info({ grpc: `${config.DISTILLERY_SERVING_GRPC_HOST}:${grpcPort}`, maxRunning: config.DISTILLERY_SERVING_MAX_RUNNING, maxQueued: config.DISTILLERY_SERVING_MAX_QUEUED }, 'serving API listening');
    const stopParts = async () => {
      clearInterval(sampler);
      await grpc.stop();
      await router?.stop();
      await relay?.stop();
      if (socketDir) await rm(socketDir, { recursive: true, force: true });
    };
    return new ServingRuntime(inference, config.DISTILLERY_SERVING_DEFAULT_MAX_TOKENS, grpcPort, catalog, gates, router, consumer && drafters && fp8 ? { checkpoints: consumer, drafters, fp8 } : undefined, stopParts);
  }

  /** The catalog, or a 400 in gateway mode (the upstream decides what it serves). */
  requireCatalog(): { catalog: ModelCatalog; router: ModelRouter } {
    if (!this.catalog || !this.router) throw new InvalidRequestError(null, 'gateway mode (DISTILLERY_SERVING_UPSTREAM): the upstream server decides which versions it serves');
    return { catalog: this.catalog, router: this.router };
  }

  /** Drain: stop recording versions and taking calls, finish those in flight, stop the engines. */
  async stop(): Promise<void> {
    await this.stopParts();
  }
}

/** Samples the engines' Health into the per-version gauges every SAMPLE_MS (the speculation gauges only while the version decodes with a drafter). */
function sampleEngines(router: ModelRouter, metrics: ServingMetrics): NodeJS.Timeout {
  const lastTokens = new Map<string, number>();
  return setInterval(() => {
    void (async () => {
      const tokens = new Map(((await metrics.outputTokens.get()).values ?? []).map((value) => [String(value.labels.version), value.value]));
      for (const { version, health } of await router.health()) {
        const total = tokens.get(version) ?? 0;
        metrics.tokensPerSecond.set({ version }, Math.max(0, total - (lastTokens.get(version) ?? total)) / (SAMPLE_MS / 1_000));
        lastTokens.set(version, total);
        if (!health) continue;
        metrics.engineRunning.set({ version }, health.running);
        metrics.engineWaiting.set({ version }, health.waiting);
        metrics.kvBlocksTotal.set({ version }, health.blocksTotal);
        metrics.kvBlocksUsed.set({ version }, health.blocksTotal - health.blocksFree);
        metrics.prefixHitRate.set({ version }, health.prefixHitRate);
        if (health.drafter) {
          metrics.meanAcceptedLength.set({ version }, health.meanAcceptedLength);
          metrics.speculativeRounds.set({ version }, Number(health.specRounds));
        } else {
          metrics.meanAcceptedLength.remove({ version });
          metrics.speculativeRounds.remove({ version });
        }
      }
    })().catch(() => undefined);
  }, SAMPLE_MS);
}
