import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { versionName } from '../models/model-catalog.js';
import { ServingLifecycle } from '../serving-lifecycle.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { parseBody } from './openai-requests.js';

const pinSchema = z.object({
  checkpointId: z.string({ error: 'expected the checkpoint id of an announced version' }).min(1).max(200),
  reason: z.string().max(500).optional(),
});

/**
 * The model registry's operator API: the engines with their status and load, every announced
 * version with its state, pinning a version
 * (served whatever is announced later), unpinning, and rollback in one call (pins the version
 * announced before the one serving). The router switches within a reconcile interval, loading
 * the version beside the one serving; GET shows which version answers now.
 */
@Controller('serving/models')
@UseGuards(ApiKeyGuard)
export class ModelsController {
  constructor(@Inject(ServingLifecycle) private readonly lifecycle: ServingLifecycle) {}

  @Get()
  async list(): Promise<unknown> {
    const runtime = this.lifecycle.runtime;
    const served = await runtime.inference.models();
    if (!runtime.catalog || !runtime.router) return { served, engines: [], versions: [] };
    const desired = await runtime.catalog.desired();
    // Each engine process: its version, whether it answers (status), how often it was restarted, its load.
    const engines = (await runtime.router.health()).map(({ version, health, restarts, inFlight }) => ({
      version,
      status: health?.status ?? 'unavailable',
      restarts,
      inFlight,
      ...(health ? { running: health.running, waiting: health.waiting, kvBlocksFree: health.blocksFree, kvBlocksTotal: health.blocksTotal, prefixHitRate: health.prefixHitRate, maxModelLen: health.maxModelLen } : {}),
    }));
    return {
      served,
      engines,
      versions: (await runtime.catalog.versions()).map((version) => {
        const name = versionName(version.modelId, version.checkpointId);
        const wanted = desired.find((candidate) => candidate.version.modelId === version.modelId);
        return {
          version: name,
          modelId: version.modelId,
          checkpointId: version.checkpointId,
          announcedAt: version.createdAt.toISOString(),
          refused: version.refused,
          desired: wanted?.version.checkpointId === version.checkpointId,
          pinned: wanted?.pinned === true && wanted.version.checkpointId === version.checkpointId,
          serving: served.some((model) => model.id === version.modelId && model.root === name),
          stages: version.checkpoint.stages,
        };
      }),
    };
  }

  @Post(':modelId/pin')
  @HttpCode(200)
  async pin(@Param('modelId') modelId: string, @Body() body: unknown): Promise<unknown> {
    const { catalog, router } = this.lifecycle.runtime.requireCatalog();
    const request = parseBody(pinSchema, body);
    const version = await catalog.pin(modelId, request.checkpointId, request.reason ?? 'pinned by an operator');
    void router.wake();
    return { pinned: versionName(version.modelId, version.checkpointId) };
  }

  @Delete(':modelId/pin')
  async unpin(@Param('modelId') modelId: string): Promise<unknown> {
    const { catalog, router } = this.lifecycle.runtime.requireCatalog();
    await catalog.unpin(modelId);
    void router.wake();
    return { pinned: null };
  }

  @Post(':modelId/rollback')
  @HttpCode(200)
  async rollback(@Param('modelId') modelId: string): Promise<unknown> {
    const { catalog, router } = this.lifecycle.runtime.requireCatalog();
    const version = await catalog.rollback(modelId);
    void router.wake();
    return { pinned: versionName(version.modelId, version.checkpointId) };
  }
}
