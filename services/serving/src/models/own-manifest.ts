import type { ArtifactStore } from '@distillery/artifacts';
import type { ArtifactRef } from '@distillery/contracts';

/** What the compute plane's manifest.json of a checkpoint or drafter dir says (compute/distillery_compute/checkpoint.py, eagle/drafter.py). */
export interface OwnManifest {
  readonly kind?: unknown;
  readonly files?: Readonly<Record<string, { readonly sha256?: unknown }>>;
  readonly target?: unknown;
}

/**
 * Reads the dir's own manifest.json from the store and checks that it lists each of `names` as the
 * bytes stored under that name; `refuse` makes the error thrown when one differs.
 */
export async function checkOwnManifest(store: ArtifactStore, files: Readonly<Record<string, ArtifactRef>>, names: readonly string[], refuse: (message: string) => Error, what: string): Promise<OwnManifest> {
  const own = files['manifest.json'];
  if (!own) throw refuse(`${what} lists no manifest.json`);
  const listed = JSON.parse((await store.get(own)).toString('utf8')) as OwnManifest;
  for (const name of names) {
    const expected = listed.files?.[name]?.sha256;
    if (expected !== files[name]?.sha256) throw refuse(`${what}'s manifest.json lists ${name} as ${String(expected ?? 'absent')}, stored as ${files[name]?.sha256 ?? 'absent'}`);
  }
  return listed;
}
