import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleModule } from '@distillery/console';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from '../src/all-services.js';
import { studentAgentsFor } from '../src/console.command.js';
import { awaitDataset, awaitRefined, simulateCampaign } from '../src/loop-stages.js';
import { ProgressPrinter } from '../src/progress.js';
import { collectRunReport } from '../src/report/collect-run-report.js';
import { renderRunReport } from '../src/report/render-run-report.js';
import { writeRunReport } from '../src/report/write-run-report.js';

/** Debian's chromium; CI installs it (scripts/test.sh), elsewhere the test is skipped without it. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The console in headless Chromium against an embedded run: every service in one process (in-process
 * bus, PGlite), the console given the run's ProgressPrinter as `distillery run` gives it, and the
 * run's stages without training — a 5-conversation simulator campaign, the judge's verdicts, the
 * curator's dataset, the run report and the run manifest. Every page loads without a console error,
 * a page error or a failed request; the test watches the live run refresh itself, clicks from the
 * runs to a run's report, from the datasets to a lineage, from the sessions to a turn's trace, and
 * sends one chat message. Screenshots go to $DISTILLERY_CONSOLE_SCREENSHOTS (else a temporary
 * folder, printed).
 */
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== 'true')('the console in Chromium, against an embedded run', () => {
  const runId = `run_console_${Date.now()}`;
  const progress = new ProgressPrinter(5, () => undefined);
  let app: RunningApp;
  let dataDir: string;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  let screenshots: string;
  let campaignId: string;
  const problems: string[] = [];

  const shoot = async (name: string) => {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  };
  /** The text of the first element the selector finds, once it is there. */
  const textOf = async (selector: string) => {
    const element = page.locator(selector).first();
    await element.waitFor({ timeout: 15_000 });
    return element.innerText();
  };
  /** Opens a console page: answered 200, and nothing logged as an error so far. */
  const visit = async (path: string) => {
    const response = await page.goto(`${app.url}${path}`);
    expect({ path, status: response?.status() }).toEqual({ path, status: 200 });
    expect({ path, problems }).toEqual({ path, problems: [] });
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`CI=true and ${CHROMIUM} is missing: scripts/test.sh installs Debian's chromium`);
    screenshots = process.env.DISTILLERY_CONSOLE_SCREENSHOTS ?? (await mkdtemp(join(tmpdir(), 'distillery-console-screenshots-')));
    await mkdir(screenshots, { recursive: true });
    process.stdout.write(`console screenshots: ${screenshots}\n`);
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-console-browser-'));
    profileDir = await mkdtemp(join(tmpdir(), 'distillery-chromium-profile-'));
    const env = {
      DISTILLERY_DATA_DIR: dataDir,
      DISTILLERY_LOG_LEVEL: 'silent',
      DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()),
      DISTILLERY_SERVING_GRPC_PORT: String(await freePort()),
      DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000',
      DISTILLERY_AGENTS_RATE_BURST: '10000',
      DISTILLERY_CURATOR_POLL_MS: '100',
      DISTILLERY_TRAINER_SLOTS: '0',
      DISTILLERY_DRAFTER_SLOTS: '0',
      DISTILLERY_QUANTIZER_SLOTS: '0',
    };
    app = await progress.run(
      'platform',
      () => startApp(ALL_SERVICES, { name: 'console-browser', defaultPort: 0, env, modules: [ConsoleModule.forRoot({ liveRun: { runId, board: progress.live }, student: studentAgentsFor(() => app, env) })] }),
      (running) => `${ALL_SERVICES.length} services up at ${running.url}`,
    );
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url}, on ${page.url()})`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message} (${page.url()})`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  }, 120_000);

  // Each test answers for the errors of its own pages.
  beforeEach(() => {
    problems.length = 0;
  });

  afterAll(async () => {
    await context?.close();
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(profileDir, { recursive: true, force: true });
  });

  it('shows the run in progress, re-reading it every 2 s while a step runs', async () => {
    // A step that lasts until the browser has seen the page refresh itself: no race with a fast stage.
    let seen: () => void = () => undefined;
    const watched = progress.run('console: the live run, watched in Chromium', () => new Promise<void>((resolve) => (seen = resolve)), () => 'seen');
    await visit('/console');
    const live = await textOf('#live-steps');
    expect(live).toContain(`${ALL_SERVICES.length} services up at ${app.url}`);
    expect(live).toContain('console: the live run, watched in Chromium');
    expect(live).toMatch(/running for \d+\.\d s/);
    // The page's script swaps in /console/live's fragment; the attribute counts the swaps.
    await page.waitForSelector('#live[data-refreshed]', { timeout: 15_000 });
    expect(problems).toEqual([]);
    await shoot('01-runs-live');
    seen();
    await watched;
  }, 60_000);

  it('runs a campaign through the judge and the curator, writes the run\'s report, and opens it from the runs', async () => {
    const campaign = await progress.run('simulator: a campaign of 5 simulated customers', () => simulateCampaign(app.url, { count: 5, seed: 17, concurrency: 2 }, () => undefined), (done) => `${done.turns} turns`);
    campaignId = campaign.campaignId;
    await progress.run('judge: refine every agent call', () => awaitRefined(app, campaign.turns), (judged) => `${judged.refined} turns refined`);
    const dataset = await progress.run("curator: the campaign's datasets", () => awaitDataset(app, campaignId), (built) => `${built.datasetId} v${built.version}`);
    const overview = { runId, startedAt: new Date(progress.live.startedAt).toISOString(), elapsed: progress.elapsed(), mode: 'embedded (in-process bus, PGlite, CPU)', health: 'ok', compute: 'not used (no training)', campaign: `${campaignId}: ${campaign.turns} turns`, stages: [
      { name: 'simulator/campaigns', state: 'run' as const, note: `${campaign.turns} turns` },
      { name: 'judge/refine', state: 'run' as const, note: 'every agent call refined' },
      { name: 'curator/datasets', state: 'run' as const, note: `${dataset.datasetId} v${dataset.version}` },
      { name: 'trainer/sft-lora', state: 'not implemented' as const, note: 'not run here: no training in this test' },
    ] };
    const report = await renderRunReport(collectRunReport({ overview, campaignId, dataset }));
    const written = await writeRunReport(app.platform.artifacts, dataDir, runId, report);
    await app.platform.artifacts.putManifest({ id: runId, kind: 'run', createdAt: new Date().toISOString(), createdBy: 'distillery-cli', files: written.files, attributes: { mode: 'embedded', health: 'ok', stagesRun: ['simulator/campaigns', 'judge/refine', 'curator/datasets'], stagesMissing: ['trainer/sft-lora'] } });

    await visit('/console');
    expect(await textOf('#live')).toContain('finished');
    await shoot('02-runs');
    await page.click(`a.run-link:text("${runId}")`);
    expect(await textOf('#stages-run')).toContain('curator/datasets');
    expect(problems).toEqual([]);
    await shoot('03-run');
    await page.click('#report-link');
    expect(await textOf('h1')).toContain(runId);
    expect(problems).toEqual([]);
    await shoot('04-report');
  }, 300_000);

  it('lists datasets, traces and campaigns with their lineage and opens a dataset\'s', async () => {
    await visit('/console/artifacts');
    expect(await textOf('#kind-dataset + table')).toContain(`← traces(`);
    await shoot('05-artifacts');
    await page.click('#kind-dataset + table a.artifact-link');
    expect(await textOf('#lineage')).toContain(`campaign ${campaignId}`);
    expect(problems).toEqual([]);
    await shoot('06-dataset');
  }, 60_000);

  it("browses the traces down to a turn: its agent calls with the judge's verdicts, plan and tool calls", async () => {
    await visit(`/console/traces?campaign=${campaignId}`);
    expect(await page.locator('#sessions tr').count()).toBe(6);
    await shoot('07-sessions');
    await page.locator('#sessions a').first().click();
    await page.locator('#turns').waitFor({ timeout: 15_000 });
    await shoot('08-session');
    await page.locator('#turns a.turn-link').first().click();
    expect((await textOf('#reply')).trim()).not.toBe('');
    expect(await page.locator('.agent-call').count()).toBeGreaterThanOrEqual(3);
    expect(await textOf('.agent-call .verdict')).toContain('judge (');
    expect(problems).toEqual([]);
    await shoot('09-turn');
  }, 60_000);

  it("sends a chat message to the agents and shows the reply and the turn's trace", async () => {
    await visit('/console/chat');
    // No training here: serving serves no student, so the chat offers the teacher only and says why.
    expect(await textOf('#student-note')).toBe('No student: the serving service serves no student-dealership yet (a `./distillery run` that trains makes one).');
    expect(await page.locator('input[value="student"]').isDisabled()).toBe(true);
    await page.fill('#chat-form textarea', 'Hi, do you have an SUV under $30,000?');
    await Promise.all([page.waitForURL(/\/console\/chat\?backend=teacher&session=sess_/, { timeout: 60_000 }), page.click('#chat-form button')]);
    expect((await textOf('.chat-reply')).trim()).not.toBe('');
    await page.locator('h2:text("Trace of the last turn")').waitFor({ timeout: 15_000 });
    expect(await page.locator('.agent-call').count()).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
    await shoot('10-chat');
  }, 90_000);
});
