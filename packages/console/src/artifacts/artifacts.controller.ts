import { Public } from '@distillery/service-kit';
import { type ArtifactStore, type Lineage, lineageOf, type Manifest } from '@distillery/artifacts';
import { ARTIFACTS } from '@distillery/service-kit';
import { Controller, Get, Header, Inject, Param, Query, UseFilters } from '@nestjs/common';
import { page } from '../html/page.js';
import { BadQueryParameterError } from '../http/bad-query-parameter.error.js';
import { ConsoleErrorFilter } from '../http/console-error.filter.js';
import { ConsoleNotFoundError } from '../http/console-not-found.error.js';
import { ARTIFACT_KINDS, artifactsView, artifactView } from './artifacts.views.js';

/**
 * Datasets, checkpoints, drafters, FP8 builds, traces and campaigns from the artifact store, each
 * with its lineage (`?kind=dataset` for one kind); a manifest's page walks its lineage both ways.
 */
@Controller('console/artifacts')
@Public()
@UseFilters(ConsoleErrorFilter)
export class ArtifactsController {
  constructor(@Inject(ARTIFACTS) private readonly artifacts: ArtifactStore) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async list(@Query('kind') kind?: unknown): Promise<string> {
    const entries = await this.artifacts.listManifests();
    const byKind = new Map<string, Manifest[]>();
    for (const { manifest } of entries) if (manifest.kind !== 'run') byKind.set(manifest.kind, [...(byKind.get(manifest.kind) ?? []), manifest]);
    const kinds = [...byKind.keys()].sort(byReadingOrder);
    if (kind !== undefined && (typeof kind !== 'string' || !byKind.has(kind))) {
      throw new BadQueryParameterError('kind', `expected one of the kinds in the store (${kinds.join(', ') || 'none yet'}), got ${typeof kind === 'string' ? JSON.stringify(kind.slice(0, 60)) : typeof kind}`);
    }
    const ordered = new Map(kinds.map((name) => [name, [...byKind.get(name)!].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))]));
    const lineages = new Map<Manifest, Lineage>(entries.map(({ manifest }) => [manifest, lineageOf(manifest.id, entries)]));
    return page('Datasets & checkpoints', artifactsView(ordered, lineages, kind as string | undefined), { section: '/console/artifacts' });
  }

  @Get(':kind/:id')
  @Header('content-type', 'text/html; charset=utf-8')
  async manifest(@Param('kind') kind: string, @Param('id') id: string): Promise<string> {
    const entries = await this.artifacts.listManifests();
    const found = entries.find(({ manifest }) => manifest.kind === kind && manifest.id === id)?.manifest;
    if (!found) throw new ConsoleNotFoundError(`no ${JSON.stringify(kind)} manifest ${JSON.stringify(id)} in the artifact store`);
    const children = entries.map((entry) => entry.manifest).filter((candidate) => candidate.parents.some((parent) => parent.kind === kind && parent.id === id));
    return page(`${kind} ${id}`, artifactView(found, lineageOf(id, entries), children), { section: '/console/artifacts' });
  }
}

/** The kinds in ARTIFACT_KINDS' order, then any other by name. */
function byReadingOrder(a: string, b: string): number {
  const rank = (kind: string) => {
    const index = (ARTIFACT_KINDS as readonly string[]).indexOf(kind);
    return index < 0 ? ARTIFACT_KINDS.length : index;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}
