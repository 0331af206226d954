import { RequireRole } from '@distillery/service-kit';
import type { EngineHealth } from '@distillery/proto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { versionName } from '../models/model-catalog.js';
import { ServingLifecycle } from '../serving-lifecycle.js';
import { parseBody } from './openai-requests.js';

const pinSchema = z.object({
  checkpointId: z.string({ error: 'expected the checkpoint id of an announced version' }).min(1).max(200),
  reason: z.string().max(500).optional(),
});

/** A drafter's acceptance as its engine measured it since it started: drafts verified, tokens each added, acceptance at each depth. */
function liveAcceptance(health: EngineHealth): { rounds: number; meanAcceptedLength: number; acceptanceByPosition: number[] } {
  return { rounds: Number(health.specRounds), meanAcceptedLength: health.meanAcceptedLength, acceptanceByPosition: [...health.acceptanceByPosition] };
}

/**
 * The model registry's operator API: the engines with their status, load, precision and drafter,
 * every announced version with its state, drafters and FP8 versions, pinning a version
 * (served whatever is announced later), unpinning, and rollback in one call (pins the version
 * announced before the one serving). The router switches within a reconcile interval, loading
 * the version beside the one serving; GET shows which version answers now.
 */
@Controller('serving/models')
@RequireRole('operator')
export class ModelsController {
  constructor(@Inject(ServingLifecycle) private readonly lifecycle: ServingLifecycle) {}

  @Get()
  async list(): Promise<unknown> {
    const runtime = this.lifecycle.runtime;
    const served = await runtime.inference.models();
    if (!runtime.catalog || !runtime.router) return { served, engines: [], versions: [] };
    const desired = await runtime.catalog.desired();
    const health = await runtime.router.health();
    // Each engine process: its version, whether it answers (status), how often it was restarted, its load, its precision, and its drafter's live acceptance.
    const engines = health.map(({ version, drafterId, form, health, restarts, inFlight }) => ({
      version,
      status: health?.status ?? 'unavailable',
      restarts,
      inFlight,
      precision: form.precision,
      fp8Id: form.fp8?.fp8Id ?? null,
      drafterId,
      ...(health ? { running: health.running, waiting: health.waiting, kvBlocksFree: health.blocksFree, kvBlocksTotal: health.blocksTotal, prefixHitRate: health.prefixHitRate, maxModelLen: health.maxModelLen } : {}),
      ...(health && drafterId ? { speculation: liveAcceptance(health) } : {}),
    }));
    const drafters = await runtime.catalog.drafters();
    const fp8Versions = await runtime.catalog.fp8Versions();
    return {
      served,
      engines,
      versions: (await runtime.catalog.versions()).map((version) => {
        const name = versionName(version.modelId, version.checkpointId);
        const wanted = desired.find((candidate) => candidate.version.modelId === version.modelId);
        const serving = served.some((model) => model.id === version.modelId && model.root === name);
        const engine = health.find((candidate) => candidate.version === name);
        const fp8 = serving ? engine?.form.fp8 : undefined;
        return {
          version: name,
          modelId: version.modelId,
          checkpointId: version.checkpointId,
          announcedAt: version.createdAt.toISOString(),
          refused: version.refused,
          desired: wanted?.version.checkpointId === version.checkpointId,
          pinned: wanted?.pinned === true && wanted.version.checkpointId === version.checkpointId,
          serving,
          // How it is served now (null: not served here): bf16, or fp8 with the calibration set its activation scales come from and the quantizer's figures.
          precision: serving ? (engine?.form.precision ?? null) : null,
          calibration: fp8?.calibration ?? null,
          fp8: fp8 ? { fp8Id: fp8.fp8Id, format: fp8.format, figures: fp8.figures ?? null } : null,
          stages: version.checkpoint.stages,
          // The drafter its engine decodes with now (null: plain decoding; in FP8, the FP8 drafter quantized from it), with the acceptance measured live and offline.
          drafter:
            engine?.drafterId && serving
              ? {
                  drafterId: engine.drafterId,
                  precision: engine.form.precision,
                  offline: fp8 ? (fp8.figures ? { acceptanceLength: fp8.figures.fp8DrafterAcceptance, speedup: fp8.figures.fp8DrafterSpeedup } : null) : version.drafter?.drafterId === engine.drafterId ? version.drafter.metrics : null,
                  live: engine.health ? liveAcceptance(engine.health) : null,
                }
              : null,
          // Every drafter announced for it, newest first: refused ones with the reason.
          drafters: drafters
            .filter((candidate) => candidate.drafter.modelId === version.modelId && candidate.drafter.checkpointId === version.checkpointId)
            .map((candidate) => ({ drafterId: candidate.drafter.drafterId, announcedAt: candidate.createdAt.toISOString(), refused: candidate.refused, metrics: candidate.drafter.metrics })),
          // Every FP8 version the quantizer announced for it, newest first: refused ones (and refused FP8 drafters) with the reason.
          fp8Versions: fp8Versions
            .filter((candidate) => candidate.fp8.modelId === version.modelId && candidate.fp8.checkpointId === version.checkpointId)
            .map((candidate) => ({
              fp8Id: candidate.fp8Id,
              drafterId: candidate.fp8.drafterId ?? null,
              calibration: candidate.fp8.calibration,
              announcedAt: candidate.createdAt.toISOString(),
              refused: candidate.refused,
              drafterRefused: candidate.drafterRefused,
            })),
        };
      }),
    };
  }

  @Post(':modelId/pin')
  @RequireRole('admin')
  @HttpCode(200)
  async pin(@Param('modelId') modelId: string, @Body() body: unknown): Promise<unknown> {
    const { catalog, router } = this.lifecycle.runtime.requireCatalog();
    const request = parseBody(pinSchema, body);
    const version = await catalog.pin(modelId, request.checkpointId, request.reason ?? 'pinned by an operator');
    void router.wake();
    return { pinned: versionName(version.modelId, version.checkpointId) };
  }

  @Delete(':modelId/pin')
  @RequireRole('admin')
  async unpin(@Param('modelId') modelId: string): Promise<unknown> {
    const { catalog, router } = this.lifecycle.runtime.requireCatalog();
    await catalog.unpin(modelId);
    void router.wake();
    return { pinned: null };
  }

  @Post(':modelId/rollback')
  @RequireRole('admin')
  @HttpCode(200)
  async rollback(@Param('modelId') modelId: string): Promise<unknown> {
    const { catalog, router } = this.lifecycle.runtime.requireCatalog();
    const version = await catalog.rollback(modelId);
    void router.wake();
    return { pinned: versionName(version.modelId, version.checkpointId) };
  }
}
