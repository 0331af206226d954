import type { ArtifactStore } from './artifact-store.port.js';
import type { ManifestParent } from './manifest.js';

/** The file of a `traces` manifest: one trace a line, as JSON. */
export const TRACES_FILE = 'traces.jsonl';

/** One trace a dataset was built from: the traces.raw event, and where it sits when known. */
export interface TraceEntry {
  /** The id of the traces.raw event that carried the turn. */
  readonly traceId: string;
  readonly conversationId?: string;
  readonly turnId?: string;
  readonly turnIndex?: number;
  readonly campaignId?: string;
  /** The id of the event that brought the judged turn (traces.refined). */
  readonly refinedEventId?: string;
}

export interface TracesToRecord {
  /** The manifest's id, e.g. `ds_dealership.v3.traces` for the traces of that dataset version. */
  readonly id: string;
  readonly createdBy: string;
  readonly createdAt?: string;
  readonly traces: readonly TraceEntry[];
  /** What the traces came from: their campaigns. */
  readonly parents: readonly ManifestParent[];
}

/**
 * Records a set of traces as one lineage node — a `traces` manifest whose `traces.jsonl` lists every
 * trace (streamed to the store, a line at a time), with counts of traces, conversations and campaigns
 * in its metrics — so that a dataset names one node instead of one parent per trace. Returns the link
 * to it, pinned by the manifest's sha256.
 *
 * ```ts
 * const traces = await recordTraces(store, { id: 'ds_demo.v1.traces', createdBy: 'curator', traces: [{ traceId: 'ev_1' }], parents: [{ kind: 'campaign', id: 'camp_1' }] });
 * await store.putManifest({ id: 'ds_demo.v1', kind: 'dataset', ..., parents: [{ kind: 'campaign', id: 'camp_1' }, traces] });
 * ```
 */
export async function recordTraces(store: ArtifactStore, input: TracesToRecord): Promise<ManifestParent> {
  const file = await store.put(linesOf(input.traces), { kind: 'traces-list' });
  const count = (pick: (trace: TraceEntry) => string | undefined) => new Set(input.traces.flatMap((trace) => pick(trace) ?? [])).size;
  const ref = await store.putManifest({
    id: input.id,
    kind: 'traces',
    createdAt: input.createdAt ?? new Date().toISOString(),
    createdBy: input.createdBy,
    files: { [TRACES_FILE]: file },
    parents: [...input.parents],
    metrics: { traces: input.traces.length, conversations: count((trace) => trace.conversationId), campaigns: count((trace) => trace.campaignId) },
  });
  return { kind: 'traces', id: input.id, sha256: ref.sha256 };
}

async function* linesOf(traces: readonly TraceEntry[]): AsyncIterable<Uint8Array> {
  for (const trace of traces) yield Buffer.from(`${JSON.stringify(trace)}\n`, 'utf8');
}
