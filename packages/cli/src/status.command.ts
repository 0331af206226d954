import { type ArtifactStore, lineageOf, type Manifest, openArtifactStore } from '@distillery/artifacts';
import { artifactRootOf, loadPlatformConfig } from '@distillery/service-kit';

/** `distillery status`: every run, dataset, checkpoint, drafter and FP8 build in the artifact store, with lineage. */
export async function statusCommand(env: Readonly<Record<string, string | undefined>>, write: (line: string) => void): Promise<number> {
  const root = artifactRootOf(loadPlatformConfig(env));
  const store: ArtifactStore = openArtifactStore(root);
  const entries = await store.listManifests();
  write(`artifact store: ${root}`);
  if (entries.length === 0) {
    write('nothing yet: run `./distillery run` first');
    return 0;
  }
  const manifests: Manifest[] = entries.map((entry) => entry.manifest);
  const byKind = new Map<string, Manifest[]>();
  for (const manifest of manifests) byKind.set(manifest.kind, [...(byKind.get(manifest.kind) ?? []), manifest]);
  for (const [kind, list] of [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    write(`\n${kind} (${list.length})`);
    for (const manifest of list.sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      const lineage = lineageOf(manifest.id, manifests);
      const chain = lineage.chain.map((step) => `${step.kind}:${step.id}`).join(' → ');
      const problems = lineage.problems.map((problem) => (problem.type === 'cycle' ? `cycle ${problem.ids.join(' → ')}` : `missing ${problem.parent.kind}:${problem.parent.id}`));
      const missing = problems.length ? `  (lineage problems: ${problems.join('; ')})` : '';
      const attributes = manifest.attributes as { stagesRun?: string[]; stagesMissing?: string[] } | undefined;
      const stages = attributes?.stagesMissing ? `  stages run ${attributes.stagesRun?.length ?? 0}, not implemented ${attributes.stagesMissing.length}` : '';
      write(`  ${manifest.createdAt}  ${manifest.id}${stages}${chain.includes('→') ? `\n    lineage: ${chain}` : ''}${missing}`);
    }
  }
  return 0;
}
