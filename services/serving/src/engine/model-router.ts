import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { ArtifactStore } from '@distillery/artifacts';
import { ComputeJobError, type ServeOptions } from '@distillery/compute';
import type { CheckpointBf16, CheckpointFp8, DrafterReady } from '@distillery/contracts';
import type { EngineHealth } from '@distillery/proto';
import type { Logger } from 'pino';
import { ModelNotFoundError } from '../errors/serving.errors.js';
import type { InferenceBackend, InferenceChunk, InferenceRequest, ServedModel } from '../inference/inference.types.js';
import { CheckpointRefusedError, materializeCheckpoint } from '../models/checkpoint-materializer.js';
import { DrafterRefusedError, materializeDrafter } from '../models/drafter-materializer.js';
import { type Fp8Figures, fp8DrafterRefusal, fp8Figures, fp8QualityRefusal } from '../models/fp8-gate.js';
import { Fp8DrafterRefusedError, Fp8RefusedError, materializeFp8Drafter, materializeFp8Student, readQuantizerManifest } from '../models/fp8-materializer.js';
import { type Fp8Version, type ModelCatalog, type ModelVersion, versionName } from '../models/model-catalog.js';
import type { DeployGate } from '../gate/deploy-gate.js';
import { EngineInstance, type EngineInstanceOptions } from './engine-instance.js';

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
  /** Serve a version as its FP8 version once checkpoints.fp8 announced one (DISTILLERY_SERVING_PRECISION=fp8), refusing one whose exact match is below BF16's less `tolerance`; absent: FP8 versions are recorded and not loaded. */
  readonly fp8?: { readonly tolerance: number };
  readonly python?: string;
  readonly logger: Logger;
  readonly localModels?: readonly LocalModel[];
  /** How often the catalog is read for new versions and pins (other replicas record them too). */
  readonly reconcileMs?: number;
  /** A version loaded and serving (again, with another drafter or in FP8), a version retired, an engine died, a version, a drafter, an FP8 version or its drafter refused. */
  readonly onChange?: (change: { readonly kind: 'loaded' | 'retired' | 'crashed' | 'refused' | 'gate-refused' | 'drafter-refused' | 'fp8-refused' | 'fp8-drafter-refused'; readonly version: string; readonly reason?: string }) => void;
  /** Measures a new version against the one serving before switching (DISTILLERY_SERVING_GATE); absent: every new version is switched to once loaded. */
  readonly gate?: DeployGate;
  /** `base`: a model's first version is gated against the pretrained base it was distilled from when this replica serves that base (DISTILLERY_SERVING_BASE); `none`: it is served on its own figures. */
  readonly gateBaseline?: 'base' | 'none';
  /** Starts an engine process (a test's stand-in; default EngineInstance.start). */
  readonly launch?: (options: EngineInstanceOptions) => Promise<EngineInstance>;
}

/** How one engine process serves a version: its precision and the drafter it decodes with. */
export interface EngineForm {
  readonly precision: 'bf16' | 'fp8';
  /** The drafter it decodes speculatively with (an FP8 drafter goes by the id of the drafter it was quantized from); null: plain decoding. */
  readonly drafterId: string | null;
  /** An FP8 engine's version: its id and calibration, and the quantizer's figures once read. */
  readonly fp8?: { readonly fp8Id: string; readonly format: string; readonly calibration: CheckpointFp8['calibration']; readonly figures?: Fp8Figures };
}

interface Loaded {
  readonly modelId: string;
  readonly instance: EngineInstance;
  readonly createdAt: number;
  /** engineKey of what it serves. */
  readonly key: string;
  readonly form: EngineForm;
  readonly checkpoint?: CheckpointBf16;
  /** The BF16 drafter its engine decodes speculatively with. */
  readonly drafter?: DrafterReady;
  /** The FP8 version it serves. */
  readonly fp8?: CheckpointFp8;
}

/** A version the catalog (or this replica's packaged base) wants served, in the form it wants it served in. */
interface Wanted {
  readonly modelId: string;
  readonly version: string;
  readonly form: EngineForm;
  readonly checkpoint?: CheckpointBf16;
  readonly drafter?: DrafterReady;
  readonly fp8?: Fp8Version;
  /** Whether the FP8 version's drafter is loaded with it. */
  readonly fp8Drafter?: boolean;
  readonly load: () => Promise<{ readonly instance: EngineInstance; readonly figures?: Fp8Figures }>;
  /** The operator pinned it: served without the deploy gate. */
  readonly pinned?: boolean;
}

/** What one engine process serves: a version, in BF16 or as one FP8 version, with or without a drafter. */
const engineKey = (version: string, form: EngineForm): string => [version, form.fp8?.fp8Id, form.drafterId].filter(Boolean).join('+');
const BF16: EngineForm = { precision: 'bf16', drafterId: null };

/**
 * Serves every model from engine processes of this replica: for each model, the version the
 * catalog wants (the pinned one, else the newest servable one) is loaded beside the one serving,
 * traffic switches to it once its engine is ready, and the old one stops after its requests
 * finished — no request in flight fails. A version whose artifacts do not verify, or that its
 * engine refuses, is marked refused and the old one keeps serving. A drafter announced for a
 * version is taken the same way: the version is loaded again with it beside the engine serving it,
 * then swapped in; a drafter that does not verify, or that the engine refuses, is marked refused
 * and the version goes on without it. An FP8 version the quantizer announced for a version is taken
 * the same way (with its FP8 drafter when it has one): one whose exact match falls too far below
 * BF16's, or that does not verify, is marked refused and the version goes on in BF16; an FP8
 * drafter measured too slow, or that does not verify, is refused and the FP8 student is served
 * without it.
 */
export class ModelRouter implements InferenceBackend {
  private readonly loaded = new Map<string, Loaded>();
  private readonly active = new Map<string, string>();
  private readonly loading = new Set<string>();
  /** Versions under the deploy gate: loaded, not serving, but answering requests that name them (the gate's E2E test reaches them through the agents). */
  private readonly gating = new Map<string, EngineInstance>();
  /** An engine (engineKey) whose load failed for a reason other than its artifacts: not retried before this time. */
  private readonly retryAfter = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Aborted on stop: engines still loading are killed rather than waited for. */
  private readonly stopping = new AbortController();
  private sockets = 0;

  constructor(private readonly options: ModelRouterOptions) {
    // Every gate decode listens to it (DISTILLERY_SERVING_GATE_ROWS rows on two engines at once): not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

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
    for (const local of this.options.localModels ?? []) wanted.push({ modelId: local.modelId, version: local.version, form: BF16, load: async () => ({ instance: await this.startEngine(local.version, local.dir) }) });
    for (const { version, pinned } of await this.options.catalog.desired()) wanted.push({ ...(this.options.fp8 && version.fp8 ? this.wantFp8(version, version.fp8) : this.wantBf16(version)), pinned });
    await Promise.all(wanted.map((want) => this.serve(want)));
  }

  /** The version in BF16, with its drafter when speculative decoding is on. */
  private wantBf16(version: ModelVersion): Wanted {
    const name = versionName(version.modelId, version.checkpointId);
    const drafter = this.options.speculative ? (version.drafter ?? undefined) : undefined;
    return {
      modelId: version.modelId,
      version: name,
      form: { precision: 'bf16', drafterId: drafter?.drafterId ?? null },
      checkpoint: version.checkpoint,
      ...(drafter ? { drafter } : {}),
      load: async () => {
        if (drafter) this.checkSpeedup(drafter);
        const dir = await materializeCheckpoint(this.options.artifacts, version.checkpoint, this.options.modelsDir);
        return { instance: await this.startEngine(name, dir, drafter ? await materializeDrafter(this.options.artifacts, drafter, version.checkpoint, this.options.modelsDir) : undefined) };
      },
    };
  }

  /** The version as its FP8 version, with the FP8 drafter when it has one not refused and speculative decoding is on; the quantizer's figures are gated first. */
  private wantFp8(version: ModelVersion, fp8: Fp8Version): Wanted {
    const name = versionName(version.modelId, version.checkpointId);
    const withDrafter = this.options.speculative !== undefined && fp8.fp8.drafter !== undefined && fp8.drafterRefused === null;
    const form: EngineForm = { precision: 'fp8', drafterId: withDrafter ? (fp8.fp8.drafterId ?? 'fp8-drafter') : null, fp8: { fp8Id: fp8.fp8Id, format: fp8.fp8.format, calibration: fp8.fp8.calibration } };
    return {
      modelId: version.modelId,
      version: name,
      form,
      checkpoint: version.checkpoint,
      fp8,
      fp8Drafter: withDrafter,
      load: async () => {
        const { artifacts, modelsDir } = this.options;
        const quantizer = await readQuantizerManifest(artifacts, fp8.fp8);
        const figures = fp8Figures(quantizer);
        const refusal = fp8QualityRefusal(figures, this.options.fp8?.tolerance ?? 0);
        if (refusal) throw new Fp8RefusedError(refusal);
        const slow = withDrafter ? fp8DrafterRefusal(figures, this.options.speculative?.speculative ?? 'chain', this.options.minDrafterSpeedup ?? 0) : null;
        if (slow) throw new Fp8DrafterRefusedError(slow);
        const student = await materializeFp8Student(artifacts, fp8.fp8, version.checkpoint, quantizer, modelsDir);
        const drafterDir = withDrafter ? await materializeFp8Drafter(artifacts, fp8.fp8, quantizer, modelsDir) : undefined;
        return { instance: await this.startEngine(name, student, drafterDir), figures };
      },
    };
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
    const key = engineKey(want.version, want.form);
    const current = this.loaded.get(want.version);
    const same = current !== undefined && current.key === key;
    if (this.stopped || (this.active.get(want.modelId) === want.version && same) || this.loading.has(key) || (this.retryAfter.get(key) ?? 0) > Date.now()) return;
    this.loading.add(key);
    try {
      const started = same ? { instance: current.instance, figures: current.form.fp8?.figures } : await want.load();
      const { instance } = started;
      if (this.stopped) {
        if (!same) await instance.stop(0);
        return;
      }
      if (!same && current === undefined && !(await this.passesGate(want, instance))) return;
      // The same version's engine in another form (precision, drafter), read now: another load may have finished meanwhile.
      const replaced = this.loaded.get(want.version);
      const form: EngineForm = want.form.fp8 && started.figures ? { ...want.form, fp8: { ...want.form.fp8, figures: started.figures } } : want.form;
      this.loaded.set(want.version, {
        modelId: want.modelId,
        instance,
        createdAt: Date.now(),
        key,
        form,
        ...(want.checkpoint ? { checkpoint: want.checkpoint } : {}),
        ...(want.drafter ? { drafter: want.drafter } : {}),
        ...(want.fp8 ? { fp8: want.fp8.fp8 } : {}),
      });
      const previous = this.active.get(want.modelId);
      this.active.set(want.modelId, want.version);
      this.options.onChange?.({ kind: 'loaded', version: want.version });
      this.options.logger.info(
        { model: want.modelId, version: want.version, previous, precision: form.precision, fp8Id: form.fp8?.fp8Id ?? null, drafter: form.drafterId },
        replaced && replaced.instance !== instance ? 'serving the version with its new engine (precision or drafter changed)' : 'serving a new version',
      );
      if (previous && previous !== want.version) void this.retire(previous);
      // It stops once its requests finished.
      if (replaced && replaced.instance !== instance) void this.stopReplaced(want.version, replaced);
    } catch (error) {
      if (!this.stopped) await this.failed(want, error);
    } finally {
      this.loading.delete(key);
    }
  }

  /**
   * Whether a version loaded for the first time here may replace the one serving its model: the
   * deploy gate measures both on held-out rows (a pinned version is the operator's call and is not
   * gated). A model's first version is measured against its pretrained base when this replica
   * serves that base and gateBaseline is `base`. A refused version's engine is stopped; the gate has marked it refused, so the
   * incumbent goes on serving. An error (an engine dying mid-measure) stops it too and is retried.
   */
  private async passesGate(want: Wanted, instance: EngineInstance): Promise<boolean> {
    const gate = this.options.gate;
    const preset = this.options.gateBaseline === 'base' ? want.checkpoint?.base?.preset : undefined;
    const incumbentVersion = this.active.get(want.modelId) ?? (preset ? this.active.get(preset) : undefined);
    if (!gate || !want.checkpoint || want.pinned || incumbentVersion === want.version) return true;
    this.gating.set(want.version, instance);
    try {
      const incumbent = incumbentVersion ? this.loaded.get(incumbentVersion)?.instance : undefined;
      const gated = await gate.decide({ checkpoint: want.checkpoint, engine: instance }, incumbent, this.stopping.signal).finally(() => this.gating.delete(want.version));
      if (gated.decision === 'accepted') return true;
      await instance.stop(0);
      this.options.onChange?.({ kind: 'gate-refused', version: want.version, reason: gated.reason });
      this.options.logger.error({ version: want.version, incumbent: incumbentVersion ?? null, reason: gated.reason }, 'deploy gate refused the version; the incumbent goes on serving');
      return false;
    } catch (error) {
      await instance.stop(0);
      throw error;
    }
  }

  /**
   * A load that failed. A drafter its artifacts or engine refuse is marked refused (the version is
   * served without it, at once); an FP8 version the gate, its artifacts or the engine refuse is
   * marked refused (the version is served in BF16), its FP8 drafter alone when that is what failed
   * (the FP8 student is served without it); an announced checkpoint its artifacts or engine refuse
   * is marked refused for good; anything else is tried again later.
   */
  private async failed(want: Wanted, error: unknown): Promise<void> {
    const { version, checkpoint, drafter, fp8 } = want;
    const refusedInput = error instanceof ComputeJobError && error.badInput;
    if (fp8 && checkpoint && (error instanceof Fp8DrafterRefusedError || error instanceof Fp8RefusedError || refusedInput)) {
      const reason = (error as Error).message;
      const which = { modelId: checkpoint.modelId, checkpointId: checkpoint.checkpointId, fp8Id: fp8.fp8Id };
      // An engine that refuses the pair: the drafter is dropped first, the FP8 student alone tried next.
      if (error instanceof Fp8DrafterRefusedError || (refusedInput && want.fp8Drafter)) {
        await this.options.catalog.refuseFp8Drafter(which, reason);
        this.options.onChange?.({ kind: 'fp8-drafter-refused', version, reason });
        this.options.logger.error({ version, fp8Id: fp8.fp8Id, drafter: want.form.drafterId, reason }, 'FP8 drafter refused; the FP8 version is served without it');
      } else {
        await this.options.catalog.refuseFp8(which, reason);
        this.options.onChange?.({ kind: 'fp8-refused', version, reason });
        this.options.logger.error({ version, fp8Id: fp8.fp8Id, reason }, 'FP8 version refused; the version is served in BF16');
      }
      this.again = true;
      return;
    }
    if (drafter && (error instanceof DrafterRefusedError || refusedInput)) {
      const reason = (error as Error).message;
      await this.options.catalog.refuseDrafter(drafter, reason);
      this.options.onChange?.({ kind: 'drafter-refused', version, reason });
      this.options.logger.error({ version, drafter: drafter.drafterId, reason }, 'drafter refused; the version is served without it');
      this.again = true;
      return;
    }
    if (!(error instanceof CheckpointRefusedError || refusedInput) || !checkpoint) {
      this.retryAfter.set(engineKey(version, want.form), Date.now() + 30_000);
      this.options.logger.error({ version, precision: want.form.precision, drafter: want.form.drafterId, err: error }, 'loading a version failed; retrying in 30 s');
      return;
    }
    const reason = (error as Error).message;
    await this.options.catalog.refuse(checkpoint.modelId, checkpoint.checkpointId, reason);
    this.options.onChange?.({ kind: 'refused', version, reason });
    this.options.logger.error({ version, reason }, 'version refused; the version serving now goes on');
  }

  private startEngine(version: string, dir: string, drafterDir?: string): Promise<EngineInstance> {
    return (this.options.launch ?? EngineInstance.start)({
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
      signal: this.stopping.signal,
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
    this.options.logger.info({ version, precision: replaced.form.precision, drafter: replaced.form.drafterId }, 'the version’s previous engine stopped');
  }

  /** The instance a request names: a model id (its active version), a loaded version, or a version under the deploy gate. */
  route(model: string): EngineInstance {
    const version = this.active.get(model) ?? model;
    const instance = this.loaded.get(version)?.instance ?? this.gating.get(version);
    if (!instance) throw new ModelNotFoundError(model, [...this.active.keys(), ...this.loaded.keys()]);
    return instance;
  }

  async *generate(request: InferenceRequest, signal: AbortSignal): AsyncGenerator<InferenceChunk> {
    yield* this.route(request.model).generate(request, signal);
  }

  async models(): Promise<ServedModel[]> {
    const versions = [...this.loaded.entries()].map(([version, loaded]): ServedModel => {
      const checkpoint = loaded.fp8?.student ?? loaded.checkpoint?.manifest;
      return {
        id: version,
        root: version,
        parent: loaded.modelId,
        format: loaded.form.fp8?.format ?? 'bf16',
        precision: loaded.form.precision,
        ...(loaded.form.fp8 ? { calibration: loaded.form.fp8.calibration } : {}),
        createdAt: loaded.createdAt,
        ...(checkpoint ? { checkpoint } : {}),
      };
    });
    const aliases = [...this.active.entries()].map(([modelId, version]): ServedModel => {
      const target = versions.find((candidate) => candidate.id === version);
      return {
        id: modelId,
        root: version,
        format: target?.format ?? 'bf16',
        ...(target?.precision ? { precision: target.precision } : {}),
        ...(target?.calibration ? { calibration: target.calibration } : {}),
        createdAt: target?.createdAt ?? Date.now(),
        ...(target?.checkpoint ? { checkpoint: target.checkpoint } : {}),
      };
    });
    return [...aliases, ...versions];
  }

  /** The engines' load and speculation, for the metrics; `form`: its precision (and FP8 version) and the drafter it decodes with. */
  async health(): Promise<Array<{ version: string; drafterId: string | null; form: EngineForm; health: EngineHealth | undefined; restarts: number; inFlight: number }>> {
    return Promise.all(
      [...this.loaded.entries()].map(async ([version, { instance, form }]) => ({ version, drafterId: form.drafterId, form, health: await instance.health(), restarts: instance.restarts, inFlight: instance.inFlight })),
    );
  }

  /**
   * Stops reading the catalog and every engine: requests in flight get `graceMs` to finish (the
   * service's drain is bounded by DISTILLERY_SHUTDOWN_TIMEOUT_MS), then the engines are stopped;
   * an engine still loading is killed, not waited for.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopping.abort(new Error('the serving replica is stopping'));
    await this.reconciling;
    await Promise.all([...this.loaded.values()].map((loaded) => loaded.instance.stop(graceMs, 3_000)));
    this.loaded.clear();
    this.active.clear();
  }
}
