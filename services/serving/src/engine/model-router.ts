import { join } from 'node:path';
import type { ArtifactStore } from '@distillery/artifacts';
import { ComputeJobError, type ServeOptions } from '@distillery/compute';
import type { CheckpointBf16, DrafterReady } from '@distillery/contracts';
import type { EngineHealth } from '@distillery/proto';
import type { Logger } from 'pino';
import { ModelNotFoundError } from '../errors/serving.errors.js';
import type { InferenceBackend, InferenceChunk, InferenceRequest, ServedModel } from '../inference/inference.types.js';
import { CheckpointRefusedError, materializeCheckpoint } from '../models/checkpoint-materializer.js';
import { DrafterRefusedError, materializeDrafter } from '../models/drafter-materializer.js';
import { type ModelCatalog, versionName } from '../models/model-catalog.js';
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
  /** How a version with a drafter decodes (DISTILLERY_SERVING_SPECULATIVE); absent: drafters are recorded and not loaded. */
  readonly speculative?: Pick<ServeOptions, 'speculative' | 'draftTokens'>;
  /** A drafter measured slower than this many times plain decoding (for the method above) is refused (DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP). */
  readonly minDrafterSpeedup?: number;
  readonly python?: string;
  readonly logger: Logger;
  readonly localModels?: readonly LocalModel[];
  /** How often the catalog is read for new versions and pins (other replicas record them too). */
  readonly reconcileMs?: number;
  /** A version loaded and serving (again, with another drafter), a version retired, an engine died, a version or a drafter refused. */
  readonly onChange?: (change: { readonly kind: 'loaded' | 'retired' | 'crashed' | 'refused' | 'drafter-refused'; readonly version: string; readonly reason?: string }) => void;
}

interface Loaded {
  readonly modelId: string;
  readonly instance: EngineInstance;
  readonly createdAt: number;
  readonly checkpoint?: CheckpointBf16;
  /** The drafter its engine decodes speculatively with. */
  readonly drafter?: DrafterReady;
}

/** A version the catalog (or this replica's packaged base) wants served, with the drafter it wants it served with. */
interface Wanted {
  readonly modelId: string;
  readonly version: string;
  readonly checkpoint?: CheckpointBf16;
  readonly drafter?: DrafterReady;
  readonly load: () => Promise<EngineInstance>;
}

/** What one engine process serves: a version, with or without a drafter. */
const engineKey = (version: string, drafter: DrafterReady | undefined): string => (drafter ? `${version}+${drafter.drafterId}` : version);

/**
 * Serves every model from engine processes of this replica: for each model, the version the
 * catalog wants (the pinned one, else the newest servable one) is loaded beside the one serving,
 * traffic switches to it once its engine is ready, and the old one stops after its requests
 * finished — no request in flight fails. A version whose artifacts do not verify, or that its
 * engine refuses, is marked refused and the old one keeps serving. A drafter announced for a
 * version is taken the same way: the version is loaded again with it beside the engine serving it,
 * then swapped in; a drafter that does not verify, or that the engine refuses, is marked refused
 * and the version goes on without it.
 */
export class ModelRouter implements InferenceBackend {
  private readonly loaded = new Map<string, Loaded>();
  private readonly active = new Map<string, string>();
  private readonly loading = new Set<string>();
  /** An engine (engineKey) whose load failed for a reason other than its artifacts: not retried before this time. */
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
    const wanted: Wanted[] = [];
    for (const local of this.options.localModels ?? []) wanted.push({ modelId: local.modelId, version: local.version, load: () => this.startEngine(local.version, local.dir) });
    for (const { version } of await this.options.catalog.desired()) {
      const name = versionName(version.modelId, version.checkpointId);
      const drafter = this.options.speculative ? (version.drafter ?? undefined) : undefined;
      wanted.push({
        modelId: version.modelId,
        version: name,
        checkpoint: version.checkpoint,
        ...(drafter ? { drafter } : {}),
        load: async () => {
          if (drafter) this.checkSpeedup(drafter);
          const dir = await materializeCheckpoint(this.options.artifacts, version.checkpoint, this.options.modelsDir);
          return this.startEngine(name, dir, drafter ? await materializeDrafter(this.options.artifacts, drafter, version.checkpoint, this.options.modelsDir) : undefined);
        },
      });
    }
    await Promise.all(wanted.map((want) => this.serve(want)));
  }

  /** A drafter its own job measured slower than DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP times plain decoding, for the method served, is refused. */
  private checkSpeedup(drafter: DrafterReady): void {
    const method = this.options.speculative?.speculative ?? 'chain';
    const speedup = drafter.metrics[method === 'chain' ? 'chainSpeedup' : 'speedup'];
    const least = this.options.minDrafterSpeedup ?? 0;
    if (speedup !== undefined && speedup < least) {
      throw new DrafterRefusedError(`its job measured ${speedup.toFixed(2)}x plain decoding as a ${method}, below DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP ${least}: it would slow the version down`);
    }
  }

  /** Loads what `want` names beside what serves now (unless it already serves), then switches to it. */
  private async serve(want: Wanted): Promise<void> {
    const key = engineKey(want.version, want.drafter);
    const current = this.loaded.get(want.version);
    const same = current !== undefined && current.drafter?.drafterId === want.drafter?.drafterId;
    if (this.stopped || (this.active.get(want.modelId) === want.version && same) || this.loading.has(key) || (this.retryAfter.get(key) ?? 0) > Date.now()) return;
    this.loading.add(key);
    try {
      const instance = same ? current.instance : await want.load();
      if (this.stopped) {
        if (!same) await instance.stop(0);
        return;
      }
      // The same version's engine without (or with another) drafter, read now: another load may have finished meanwhile.
      const replaced = this.loaded.get(want.version);
      this.loaded.set(want.version, { modelId: want.modelId, instance, createdAt: Date.now(), ...(want.checkpoint ? { checkpoint: want.checkpoint } : {}), ...(want.drafter ? { drafter: want.drafter } : {}) });
      const previous = this.active.get(want.modelId);
      this.active.set(want.modelId, want.version);
      this.options.onChange?.({ kind: 'loaded', version: want.version });
      this.options.logger.info({ model: want.modelId, version: want.version, previous, drafter: want.drafter?.drafterId ?? null }, replaced && replaced.instance !== instance ? 'serving the version with its new engine (drafter changed)' : 'serving a new version');
      if (previous && previous !== want.version) void this.retire(previous);
      // It stops once its requests finished.
      if (replaced && replaced.instance !== instance) void this.stopReplaced(want.version, replaced);
    } catch (error) {
      await this.failed(want, error);
    } finally {
      this.loading.delete(key);
    }
  }

  /**
   * A load that failed. A drafter its artifacts or engine refuse is marked refused (the version is
   * served without it, at once); an announced checkpoint its artifacts or engine refuse is marked
   * refused for good; anything else is tried again later.
   */
  private async failed(want: Wanted, error: unknown): Promise<void> {
    const { version, checkpoint, drafter } = want;
    const refusedInput = error instanceof ComputeJobError && error.badInput;
    if (drafter && (error instanceof DrafterRefusedError || refusedInput)) {
      const reason = (error as Error).message;
      await this.options.catalog.refuseDrafter(drafter, reason);
      this.options.onChange?.({ kind: 'drafter-refused', version, reason });
      this.options.logger.error({ version, drafter: drafter.drafterId, reason }, 'drafter refused; the version is served without it');
      this.again = true;
      return;
    }
    if (!(error instanceof CheckpointRefusedError || refusedInput) || !checkpoint) {
      this.retryAfter.set(engineKey(version, drafter), Date.now() + 30_000);
      this.options.logger.error({ version, drafter: drafter?.drafterId ?? null, err: error }, 'loading a version failed; retrying in 30 s');
      return;
    }
    const reason = (error as Error).message;
    await this.options.catalog.refuse(checkpoint.modelId, checkpoint.checkpointId, reason);
    this.options.onChange?.({ kind: 'refused', version, reason });
    this.options.logger.error({ version, reason }, 'version refused; the version serving now goes on');
  }

  private startEngine(version: string, dir: string, drafterDir?: string): Promise<EngineInstance> {
    return EngineInstance.start({
      version,
      serve: {
        checkpoint: dir,
        socket: join(this.options.socketDir, `engine-${process.pid}-${this.sockets++}.sock`),
        modelId: version,
        ...this.options.engine,
        ...(drafterDir ? { drafter: drafterDir, ...this.options.speculative } : {}),
      },
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

  /** Stops a version's engine another engine of the same version replaced, once its requests finished. */
  private async stopReplaced(version: string, replaced: Loaded): Promise<void> {
    await replaced.instance.stop();
    this.options.logger.info({ version, drafter: replaced.drafter?.drafterId ?? null }, 'the version’s previous engine stopped');
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

  /** The engines' load and speculation, for the metrics; `drafterId`: the drafter the engine decodes with. */
  async health(): Promise<Array<{ version: string; drafterId: string | null; health: EngineHealth | undefined; restarts: number; inFlight: number }>> {
    return Promise.all(
      [...this.loaded.entries()].map(async ([version, { instance, drafter }]) => ({ version, drafterId: drafter?.drafterId ?? null, health: await instance.health(), restarts: instance.restarts, inFlight: instance.inFlight })),
    );
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
