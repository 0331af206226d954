import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { lineageOf } from '@distillery/artifacts';
import { DEFAULT_RULES, toolCatalog } from '@distillery/dealership';
import { subscribeEvents } from '@distillery/bus';
import { type DatasetReady, datasetReadyContract } from '@distillery/contracts';
import { curatorService, datasetProblems, readDatasetRows } from '@distillery/curator';
import { judgeService } from '@distillery/judge';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { type CampaignProgress, simulatorService } from '@distillery/simulator';
import { apiFetch, eventually } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The data engine embedded (in-process bus, PGlite): a 200-conversation simulator campaign drives
 * the agents over gRPC, the judge refines every call, and the curator builds the campaign's
 * datasets when campaigns.completed arrives — datasets whose invariants hold.
 */
describe('simulate → judge → curate, embedded, 200 conversations', () => {
  let app: RunningApp;
  let dataDir: string;
  const ready: DatasetReady[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-data-engine-'));
    app = await startApp([agentsService, simulatorService, judgeService, curatorService], {
      name: 'data-engine',
      defaultPort: 0,
      env: {
        DISTILLERY_DATA_DIR: dataDir,
        DISTILLERY_LOG_LEVEL: 'silent',
        DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()),
        DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000',
        DISTILLERY_AGENTS_RATE_BURST: '10000',
        DISTILLERY_CURATOR_POLL_MS: '100',
      },
    });
    await subscribeEvents(app.platform.bus, datasetReadyContract, { groupId: 'data-engine-spec', handler: async (event) => void ready.push(event.data) });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('builds datasets with no train/eval leakage, chosen ≠ rejected, valid SFT outputs, a context on every CPT document and a lineage that resolves to the campaign', async () => {
    const response = await apiFetch(`${app.url}/simulator/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId: 'camp_engine', count: 200, seed: 21, concurrency: 8, switchRate: 0.2, injectionRate: 0.1 }),
    });
    expect(response.status).toBe(201);
    await eventually(() => ready.some((dataset) => dataset.lineage.campaignId === 'camp_engine'), 'the campaign dataset on datasets.ready', 480_000, 250);

    const progress = (await (await apiFetch(`${app.url}/simulator/campaigns/camp_engine`)).json()) as CampaignProgress;
    expect(progress.conversations).toEqual({ pending: 0, running: 0, done: 200, failed: 0 });
    expect(progress.exits.goal_reached).toBeGreaterThan(100);

    const dataset = ready.find((candidate) => candidate.lineage.campaignId === 'camp_engine')!;
    const rows = await readDatasetRows(app.platform.artifacts, dataset);
    expect(datasetProblems(rows, toolCatalog(DEFAULT_RULES))).toEqual([]);
    expect(new Set(rows.sft.map((row) => row.conversationId)).size + new Set(rows.eval.map((row) => row.conversationId)).size).toBeGreaterThan(150);
    expect(rows.eval.length).toBeGreaterThan(0);
    expect(new Set(rows.dpo.map((row) => row.source))).toEqual(new Set(['judge', 'hard-negative']));
    expect(new Set(rows.cpt.map((row) => row.source))).toEqual(new Set(['domain', 'public']));
    expect(new Set(rows.eagle.map((row) => row.set))).toEqual(new Set(['in-domain', 'external']));
    expect(new Set(rows.calibration.map((row) => row.set))).toEqual(new Set(['public', 'in-domain', 'mixed']));
    for (const part of ['cpt', 'sft', 'dpo', 'eagle', 'calibration', 'eval'] as const) expect(dataset.counts[part]).toBe(rows[part].length);

    // Every node the dataset names is recorded: dataset → traces → campaign (the simulator writes the campaign's manifest once its completion commits).
    const { id } = await app.platform.artifacts.getManifest(dataset.manifest);
    const lineage = async () => lineageOf(id, await app.platform.artifacts.listManifests());
    await eventually(async () => (await lineage()).problems.length === 0, 'the dataset lineage to resolve', 30_000, 100);
    const { chain } = await lineage();
    expect(chain.map((node) => `${node.kind}:${node.id}`)).toEqual(['campaign:camp_engine', `traces:${id}.traces`, `dataset:${id}`]);
    expect(chain[0]!.metrics).toMatchObject({ conversations: 200, 'conversations.done': 200, turns: progress.turns });
    expect(chain[1]!.metrics!.traces).toBe(progress.turns);
  }, 600_000);
});
