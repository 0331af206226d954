/**
 * Needs the compute plane (compute/.venv), not Kafka or PostgreSQL: everything embedded in one
 * process. A real LLM behind every model port, no stub: the serving service serves the packaged
 * SmolLM2-135M-Instruct over its OpenAI API, and a short campaign runs with the agents on their
 * `openai` backend, the simulator's `llm` policy and the judge's `llm` backend all calling it. The
 * model's answers to these prompts are poor (prose for JSON, plans that do not validate, rambling):
 * what is tested is that every path handles them with its documented outcome — the Understander's
 * `unknown` fallback, replans, a hand-off, the judge's verdicts — and the campaign ends, every turn
 * traced and refined, nothing stuck.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { computePython } from '@distillery/compute';
import { judgeService } from '@distillery/judge';
import { ServingLifecycle, servingService } from '@distillery/serving';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { simulatorService } from '@distillery/simulator';
import { eventually } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitRefined, simulateCampaign } from '../src/loop-stages.js';

describe.skipIf(!computePython())('a campaign with SmolLM2 behind the agents, the simulator and the judge', () => {
  let app: RunningApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-real-llm-'));
    const port = await freePort();
    const llm = { DISTILLERY_OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, DISTILLERY_OPENAI_MODEL: 'smollm2-135m', DISTILLERY_OPENAI_API_KEY: 'dev-key', DISTILLERY_OPENAI_TIMEOUT_MS: '120000' };
    app = await startApp([servingService, agentsService, simulatorService, judgeService], {
      name: 'real-llm',
      defaultPort: 0,
      env: {
        DISTILLERY_DATA_DIR: dataDir,
        DISTILLERY_LOG_LEVEL: 'silent',
        DISTILLERY_HTTP_PORT: String(port),
        DISTILLERY_SERVING_BASE: 'smollm2-135m',
        DISTILLERY_SERVING_GRPC_PORT: '0',
        DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()),
        DISTILLERY_AGENTS_BACKEND: 'openai',
        DISTILLERY_AGENTS_PROMPT_PROFILE: 'compact',
        DISTILLERY_AGENTS_MAX_REPLANS: '1',
        DISTILLERY_SIMULATOR_POLICY: 'llm',
        // A turn of five SmolLM2 calls on 2 busy CPU cores can pass the default minute.
        DISTILLERY_SIMULATOR_CALL_TIMEOUT_MS: '600000',
        DISTILLERY_JUDGE_BACKEND: 'llm',
        // The judge asks for no budget: SmolLM2 would ramble to the default's end on every call.
        DISTILLERY_JUDGE_LLM_RETRIES: '0',
        DISTILLERY_SERVING_DEFAULT_MAX_TOKENS: '96',
        ...llm,
      },
    });
    const serving = app.app.get(ServingLifecycle).runtime;
    await eventually(async () => (await serving.inference.models()).some((model) => model.id === 'smollm2-135m'), 'SmolLM2 served', 180_000, 250);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('ends, every turn traced and refined, whatever the model says', async () => {
    const campaign = await simulateCampaign(app.url, { count: 2, concurrency: 2, maxTurns: 1, policy: 'llm', switchRate: 0, injectionRate: 0, llm: { maxTokens: 48 } }, () => undefined);
    expect(campaign.conversations.failed ?? 0).toBe(0);
    expect(campaign.conversations.done).toBe(2);
    expect(campaign.turns).toBeGreaterThanOrEqual(2);
    const judged = await awaitRefined(app, campaign.turns);
    expect(judged.refined).toBe(campaign.turns);
    expect(Object.values(judged.calls).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(campaign.turns * 2);
  }, 900_000);
});
