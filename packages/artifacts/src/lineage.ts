import type { ArtifactRef } from '@distillery/contracts';
import type { Manifest, ManifestParent } from './manifest.js';

/** Something wrong found while walking a lineage; the walk reports it and carries on (it never loops). */
export type LineageProblem =
  | {
      readonly type: 'missing';
      /** The parent link that points nowhere (for the start manifest itself: `{ kind: '?', id }`). */
      readonly parent: ManifestParent;
      /** Id of the first manifest found holding the dangling link; null when the start manifest itself is unknown. */
      readonly referencedBy: string | null;
    }
  | {
      readonly type: 'cycle';
      /** The ids around the cycle, starting and ending with the same id. */
      readonly ids: readonly string[];
    };

export interface Lineage {
  /** Every ancestor reachable from the start manifest, then the start manifest itself: oldest first, each once. */
  readonly chain: Manifest[];
  /** Empty when the lineage is complete. */
  readonly problems: LineageProblem[];
}

/** `listManifests()` output or plain manifests: both can be walked. */
export type LineageSource = Manifest | { readonly ref: ArtifactRef; readonly manifest: Manifest };

/**
 * Walks `parents` links from `manifestId` back to the root(s) and returns the chain oldest first, e.g.
 * campaign → traces → dataset → checkpoint → drafter → fp8. A parent is found by its `sha256` (when both the
 * link and the listing carry one), else by kind + id. With several parents every ancestor appears once, each
 * after all of its own ancestors. Missing parents and cycles go to `problems`, a missing node once however many
 * manifests of the lineage name it; the walk never throws or loops.
 */
export function lineageOf(manifestId: string, manifests: Iterable<LineageSource>): Lineage {
  const byKindId = new Map<string, Manifest>();
  const byId = new Map<string, Manifest>();
  const bySha = new Map<string, Manifest>();
  for (const entry of manifests) {
    const manifest = 'manifest' in entry ? entry.manifest : entry;
    byKindId.set(keyOf(manifest.kind, manifest.id), manifest);
    if (!byId.has(manifest.id)) byId.set(manifest.id, manifest);
    if ('ref' in entry) bySha.set(entry.ref.sha256, manifest);
  }

  const chain: Manifest[] = [];
  const problems: LineageProblem[] = [];
  const start = byId.get(manifestId);
  if (!start) {
    problems.push({ type: 'missing', parent: { kind: '?', id: manifestId }, referencedBy: null });
    return { chain, problems };
  }

  const missing = new Set<string>();
  const done = new Set<Manifest>();
  const path: Manifest[] = [];
  const onPath = new Set<Manifest>();
  const visit = (manifest: Manifest): void => {
    if (done.has(manifest)) return;
    if (onPath.has(manifest)) {
      const from = path.indexOf(manifest);
      problems.push({ type: 'cycle', ids: [...path.slice(from).map((m) => m.id), manifest.id] });
      return;
    }
    onPath.add(manifest);
    path.push(manifest);
    for (const parent of manifest.parents) {
      const found = (parent.sha256 !== undefined ? bySha.get(parent.sha256) : undefined) ?? byKindId.get(keyOf(parent.kind, parent.id));
      if (found) visit(found);
      else if (!missing.has(keyOf(parent.kind, parent.id))) {
        missing.add(keyOf(parent.kind, parent.id));
        problems.push({ type: 'missing', parent, referencedBy: manifest.id });
      }
    }
    path.pop();
    onPath.delete(manifest);
    done.add(manifest);
    chain.push(manifest);
  };
  visit(start);
  return { chain, problems };
}

function keyOf(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}
