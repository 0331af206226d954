import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { curatorService } from '@distillery/curator';
import { drafterService } from '@distillery/drafter';
import { judgeService } from '@distillery/judge';
import { quantizerService } from '@distillery/quantizer';
import { freePort, type RunningApp, type ServiceDefinition, startApp } from '@distillery/service-kit';
import { servingService } from '@distillery/serving';
import { simulatorService } from '@distillery/simulator';
import { eventually } from '@distillery/testing';
import { trainerService } from '@distillery/trainer';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleModule } from '../src/console.module.js';
import { LiveRunBoard } from '../src/live/live-run-board.js';

/** Debian's chromium; CI installs it (scripts/test.sh), elsewhere the test is skipped without it. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Every service, in the order the CLI's ALL_SERVICES composes them (the CLI depends on this package, so it is not imported). */
const EVERY_SERVICE: readonly ServiceDefinition[] = [agentsService, simulatorService, judgeService, curatorService, trainerService, drafterService, quantizerService, servingService];
const CAMPAIGN = 'camp_console_browser';

/**
 * The console in headless Chromium against every service embedded (in-process bus, PGlite, no
 * training): a 5-conversation simulator campaign makes traces, verdicts and a dataset; a run in
 * progress is shown live. Every page loads without a console error or a page error; the test clicks
 * from the runs to a run's report, from the sessions to a turn's trace, and sends one chat message.
 * Screenshots go to $DISTILLERY_CONSOLE_SCREENSHOTS (else a temporary folder, printed).
 */
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI !== 'true')('the console in Chromium, against an embedded run', () => {
  let app: RunningApp;
  let dataDir: string;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  let screenshots: string;
  const problems: string[] = [];
  const board = new LiveRunBoard();
  const runId = 'run_console_browser';

  const shoot = async (name: string) => {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  };
  /** The text of the first element the selector finds, once it is there. */
  const textOf = async (selector: string) => {
    const element = page.locator(selector).first();
    await element.waitFor({ timeout: 15_000 });
    return element.innerText();
  };
  /** Opens a console page and checks that it loaded as HTML with nothing logged as an error. */
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
    board.begin(1, 3, 'platform');
    app = await startApp(EVERY_SERVICE, {
      name: 'console-browser',
      defaultPort: 0,
      env: {
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
      },
      modules: [ConsoleModule.forRoot({ liveRun: { runId, board } })],
    });
    board.finish(1, `8 services up at ${app.url}`);
    board.begin(2, 3, 'simulator: a campaign of 5 simulated customers');
    const started = await fetch(`${app.url}/simulator/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ campaignId: CAMPAIGN, count: 5, seed: 17, concurrency: 2 }) });
    if (started.status !== 201) throw new Error(`the simulator did not start the campaign: ${started.status} ${await started.text()}`);
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(profileDir, { recursive: true, force: true });
  });

  it('shows the run in progress and re-reads it every 2 s while a step runs', async () => {
    await visit('/console');
    expect(await textOf('#live-steps')).toContain('simulator: a campaign of 5 simulated customers');
    // The page's script swaps in /console/live's fragment; the attribute counts the swaps.
    await page.waitForSelector('#live[data-refreshed]', { timeout: 15_000 });
    await shoot('01-runs-live');
    expect(problems).toEqual([]);
  }, 60_000);

  it('lists the run once finished and opens its report', async () => {
    await eventually(async () => ((await (await fetch(`${app.url}/simulator/campaigns/${CAMPAIGN}`)).json()) as { conversations: { done: number } }).conversations.done === 5, 'the campaign to finish', 120_000, 250);
    board.finish(2, '5 conversations');
    board.begin(3, 3, 'curator: the campaign\'s datasets');
    await eventually(async () => (await app.platform.artifacts.listManifests()).some(({ manifest }) => manifest.kind === 'dataset'), 'the campaign\'s dataset', 120_000, 250);
    board.finish(3, 'a dataset');
    const report = await app.platform.artifacts.put(`<!doctype html><html><head><meta charset="utf-8"><title>run ${runId}</title><link rel="icon" href="data:,"></head><body><h1>Run ${runId}</h1><p>5 conversations, a dataset.</p></body></html>`, { kind: 'report' });
    await app.platform.artifacts.putManifest({ id: runId, kind: 'run', createdAt: new Date().toISOString(), createdBy: 'console-browser-spec', files: { 'report.html': report }, attributes: { mode: 'embedded', health: 'ok', stagesRun: ['simulator/campaigns', 'judge/refine', 'curator/datasets'], stagesMissing: [] } });

    await visit('/console');
    expect(await textOf('#live')).toContain('finished');
    await shoot('02-runs');
    await page.click(`a.run-link:text("${runId}")`);
    expect(await textOf('#stages-run')).toContain('curator/datasets');
    expect(problems).toEqual([]);
    await shoot('03-run');
    await page.click('#report-link');
    expect(await textOf('h1')).toBe(`Run ${runId}`);
    expect(problems).toEqual([]);
    await shoot('04-report');
  }, 300_000);

  it('lists datasets and campaigns with their lineage and opens one', async () => {
    await visit('/console/artifacts');
    expect(await textOf('body')).toContain(`← `);
    await shoot('05-artifacts');
    await page.click('#kind-dataset + table a.artifact-link');
    expect(await textOf('#lineage')).toContain(`campaign ${CAMPAIGN}`);
    expect(problems).toEqual([]);
    await shoot('06-dataset');
  }, 60_000);

  it('browses the traces down to a turn: its agent calls with the judge\'s verdicts, plan and tool calls', async () => {
    const judged = async () => {
      const [row] = (await app.platform.database.dataSource.query(
        'SELECT count(*)::int AS turns, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM judge.refinements r WHERE r.turn_id = t.id))::int AS judged FROM agents.turns t JOIN agents.sessions s ON s.id = t.session_id WHERE s.campaign_id = $1',
        [CAMPAIGN],
      )) as Array<{ turns: number; judged: number }>;
      return row !== undefined && row.turns > 0 && row.judged === row.turns;
    };
    await eventually(judged, 'the judge\'s verdicts on every turn of the campaign', 120_000, 250);
    await visit(`/console/traces?campaign=${CAMPAIGN}`);
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

  it('sends a chat message to the agents and shows the reply and the turn\'s trace', async () => {
    await visit('/console/chat');
    await page.fill('#chat-form textarea', 'Hi, do you have an SUV under $30,000?');
    await Promise.all([page.waitForURL(/\/console\/chat\?backend=teacher&session=sess_/, { timeout: 60_000 }), page.click('#chat-form button')]);
    expect((await textOf('.chat-reply')).trim()).not.toBe('');
    await page.locator('h2:text("Trace of the last turn")').waitFor({ timeout: 15_000 });
    expect(await page.locator('.agent-call').count()).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
    await shoot('10-chat');
  }, 90_000);
});
