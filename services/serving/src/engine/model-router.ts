import { join } from 'node:path';
import type { ArtifactStore } from '@distillery/artifacts';
import { ComputeJobError, type ServeOptions } from '@distillery/compute';
import type { EngineHealth } from '@distillery/proto';
import type { Logger } from 'pino';
import { ModelNotFoundError } from '../errors/serving.errors.js';
import type { InferenceBackend, InferenceChunk, InferenceRequest, ServedModel } from '../inference/inference.types.js';
import { CheckpointRefusedError, materializeCheckpoint } from '../models/checkpoint-materializer.js';
import { type ModelCatalog, type ModelVersion, versionName } from '../models/model-catalog.js';
import { EngineInstance } from './engine-instance.js';

/** A model served from a dir this replica has (a packaged base), not announced on checkpoints.bf16. */
export interface LocalModel {
  readonly modelId: string;
  readonly version: string;
  readonly dir: string;
}

export interface ModelRouterOptions {
  readonly catalog: ModelCatalog;
  readonly artifacts: ArtifactStore;
  /** Where announced checkpoints are linked for the engine: `<modelsDir>/<model id>/<checkpoint id>/`. */
  readonly modelsDir: string;
  /** Where the engines' Unix sockets go (short: a socket path holds 107 bytes). */
  readonly socketDir: string;
  readonly engine: Pick<ServeOptions, 'maxSeqs' | 'maxBatchedTokens' | 'device'>;
  readonly python?: string;
  readonly logger: Logger;
  readonly localModels?: readonly LocalModel[];
  /** How often the catalog is read for new versions and pins (other replicas record them too). */
  readonly reconcileMs?: number;
  /** A version loaded and serving, a version retired, an engine died, a version refused. */
  readonly onChange?: (change: { readonly kind: 'loaded' | 'retired' | 'crashed' | 'refused'; readonly version: string; readonly reason?: string }) => void;
}

interface Loaded {
  readonly modelId: string;
  readonly instance: EngineInstance;
  readonly createdAt: number;
  readonly checkpoint?: ModelVersion['checkpoint'];
}

/**
 * Serves every model from engine processes of this replica: for each model, the version the
 * catalog wants (the pinned one, else the newest servable one) is loaded beside the one serving,
 * traffic switches to it once its engine is ready, and the old one stops after its requests
 * finished — no request in flight fails. A version whose artifacts do not verify, or that its
 * engine refuses, is marked refused and the old one keeps serving.
 */
export class ModelRouter implements InferenceBackend {
  private readonly loaded = new Map<string, Loaded>();
  private readonly active = new Map<string, string>();
  private readonly loading = new Set<string>();
  /** A version whose load failed for a reason other than its artifacts: not retried before this time. */
  private readonly retryAfter = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private sockets = 0;

  constructor(private readonly options: ModelRouterOptions) {}

  start(): void {
    this.wake();
    this.timer = setInterval(() => this.wake(), this.options.reconcileMs ?? 2_000);
  }

  /** Reads the catalog now (a version was just recorded, a pin changed); resolves once acted on. */
  wake(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = this.reconcile()
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'reading the model catalog failed'))
      .finally(() => {
        this.reconciling = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.wake();
        }
      });
    return this.reconciling;
  }

  private async reconcile(): Promise<void> {
    const wanted: Array<{ modelId: string; version: string; load: () => Promise<EngineInstance>; checkpoint?: ModelVersion['checkpoint'] }> = [];
    for (const local of this.options.localModels ?? []) wanted.push({ modelId: local.modelId, version: local.version, load: () => this.startEngine(local.version, local.dir) });
    for (const { version } of await this.options.catalog.desired()) {
      const name = versionName(version.modelId, version.checkpointId);
      wanted.push({
        modelId: version.modelId,
        version: name,
        checkpoint: version.checkpoint,
        load: async () => this.startEngine(name, await materializeCheckpoint(this.options.artifacts, version.checkpoint, this.options.modelsDir)),
      });
    }
    await Promise.all(
      wanted.map(async (want) => {
        if (this.stopped || this.active.get(want.modelId) === want.version || this.loading.has(want.version) || (this.retryAfter.get(want.version) ?? 0) > Date.now()) return;
        this.loading.add(want.version);
        try {
          const instance = this.loaded.get(want.version)?.instance ?? (await want.load());
          this.loaded.set(want.version, { modelId: want.modelId, instance, createdAt: Date.now(), ...(want.checkpoint ? { checkpoint: want.checkpoint } : {}) });
          const previous = this.active.get(want.modelId);
          this.active.set(want.modelId, want.version);
          this.options.onChange?.({ kind: 'loaded', version: want.version });
          this.options.logger.info({ model: want.modelId, version: want.version, previous }, 'serving a new version');
          if (previous) void this.retire(previous);
        } catch (error) {
          await this.failed(want.version, want.checkpoint, error);
        } finally {
          this.loading.delete(want.version);
        }
      }),
    );
  }

  /** A load that failed: an announced checkpoint its artifacts or engine refuse is marked refused for good; anything else is tried again later. */
  private async failed(version: string, checkpoint: ModelVersion['checkpoint'] | undefined, error: unknown): Promise<void> {
    const refused = error instanceof CheckpointRefusedError || (error instanceof ComputeJobError && error.badInput);
    if (!refused || !checkpoint) {
      this.retryAfter.set(version, Date.now() + 30_000);
      this.options.logger.error({ version, err: error }, 'loading a version failed; retrying in 30 s');
      return;
    }
    const reason = (error as Error).message;
    await this.options.catalog.refuse(checkpoint.modelId, checkpoint.checkpointId, reason);
    this.options.onChange?.({ kind: 'refused', version, reason });
    this.options.logger.error({ version, reason }, 'version refused; the version serving now goes on');
  }

  private startEngine(version: string, dir: string): Promise<EngineInstance> {
    return EngineInstance.start({
      version,
      serve: { checkpoint: dir, socket: join(this.options.socketDir, `engine-${process.pid}-${this.sockets++}.sock`), modelId: version, ...this.options.engine },
      logger: this.options.logger,
      ...(this.options.python ? { python: this.options.python } : {}),
      onCrash: (exit) => this.options.onChange?.({ kind: 'crashed', version, reason: `exit ${exit.code ?? exit.signal}` }),
    });
  }

  private async retire(version: string): Promise<void> {
    const loaded = this.loaded.get(version);
    if (!loaded || [...this.active.values()].includes(version)) return;
    this.loaded.delete(version);
    await loaded.instance.stop();
    this.options.onChange?.({ kind: 'retired', version });
    this.options.logger.info({ version }, 'version retired');
  }

  /** The instance a request names: a model id (its active version) or a loaded version. */
  route(model: string): EngineInstance {
    const version = this.active.get(model) ?? model;
    const loaded = this.loaded.get(version);
    if (!loaded) throw new ModelNotFoundError(model, [...this.active.keys(), ...this.loaded.keys()]);
    return loaded.instance;
  }

  async *generate(request: InferenceRequest, signal: AbortSignal): AsyncGenerator<InferenceChunk> {
    yield* this.route(request.model).generate(request, signal);
  }

  async models(): Promise<ServedModel[]> {
    const versions = [...this.loaded.entries()].map(([version, loaded]): ServedModel => ({
      id: version,
      root: version,
      parent: loaded.modelId,
      format: 'bf16',
      createdAt: loaded.createdAt,
      ...(loaded.checkpoint ? { checkpoint: loaded.checkpoint.manifest } : {}),
    }));
    const aliases = [...this.active.entries()].map(([modelId, version]): ServedModel => {
      const target = versions.find((candidate) => candidate.id === version);
      return { id: modelId, root: version, format: 'bf16', createdAt: target?.createdAt ?? Date.now(), ...(target?.checkpoint ? { checkpoint: target.checkpoint } : {}) };
    });
    return [...aliases, ...versions];
  }

  /** The engines' load, for the metrics. */
  async health(): Promise<Array<{ version: string; health: EngineHealth | undefined; restarts: number; inFlight: number }>> {
    return Promise.all([...this.loaded.entries()].map(async ([version, { instance }]) => ({ version, health: await instance.health(), restarts: instance.restarts, inFlight: instance.inFlight })));
  }

  /**
   * Stops reading the catalog and every engine: requests in flight get `graceMs` to finish (the
   * service's drain is bounded by DISTILLERY_SHUTDOWN_TIMEOUT_MS), then the engines are stopped.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reconciling;
    await Promise.all([...this.loaded.values()].map((loaded) => loaded.instance.stop(graceMs, 3_000)));
    this.loaded.clear();
    this.active.clear();
  }
}
