import { Public } from '@distillery/service-kit';
import type { ArtifactStore, Manifest } from '@distillery/artifacts';
import { ARTIFACTS } from '@distillery/service-kit';
import { Controller, Get, Header, Inject, Param, Res, UseFilters } from '@nestjs/common';
import { CONSOLE_OPTIONS, type ConsoleOptions } from '../console-options.js';
import { html } from '../html/html.js';
import { page } from '../html/page.js';
import { ConsoleErrorFilter } from '../http/console-error.filter.js';
import { ConsoleNotFoundError } from '../http/console-not-found.error.js';
import { liveView, runsView, runView } from './runs.views.js';

/** The files of a run manifest the console serves, and as what. */
const REPORT_TYPES: Readonly<Record<string, string>> = { 'report.html': 'text/html; charset=utf-8', 'report.md': 'text/markdown; charset=utf-8' };

/**
 * The console's home: the run in progress in this process (re-read every 2 s from `/console/live`)
 * and the runs of the artifact store newest first; a run's page; its report as the run wrote it.
 */
@Controller('console')
@Public()
@UseFilters(ConsoleErrorFilter)
export class RunsController {
  constructor(
    @Inject(ARTIFACTS) private readonly artifacts: ArtifactStore,
    @Inject(CONSOLE_OPTIONS) private readonly options: ConsoleOptions,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async runs(): Promise<string> {
    const runs = await this.runManifests();
    const live = this.options.liveRun ? html`<h2>This process's run</h2><section id="live" data-source="/console/live">${liveView(this.options.liveRun, runs.find((run) => run.id === this.options.liveRun?.runId))}</section>` : '';
    return page('Runs', html`${live}<h2>Runs (${runs.length})</h2>${runsView(runs)}`, { section: '/console' });
  }

  /** The live run's steps, as the fragment the runs page swaps in. */
  @Get('live')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async live(): Promise<string> {
    const runId = this.options.liveRun?.runId;
    const finished = runId === undefined ? undefined : (await this.runManifests()).find((run) => run.id === runId);
    return liveView(this.options.liveRun, finished).text;
  }

  @Get('runs/:runId')
  @Header('content-type', 'text/html; charset=utf-8')
  async run(@Param('runId') runId: string): Promise<string> {
    return page(`Run ${runId}`, runView(await this.runManifest(runId)), { section: '/console' });
  }

  /** The run's report.html or report.md, from the artifact store (hash-checked), as the run wrote it. */
  @Get('runs/:runId/:file')
  async report(@Param('runId') runId: string, @Param('file') file: string, @Res({ passthrough: true }) response: { type(contentType: string): unknown }): Promise<string> {
    const run = await this.runManifest(runId);
    const type = REPORT_TYPES[file];
    const ref = type === undefined ? undefined : run.files[file];
    if (!type || !ref) throw new ConsoleNotFoundError(`run ${JSON.stringify(runId)} has no ${JSON.stringify(file)} (it keeps ${Object.keys(run.files).filter((name) => name in REPORT_TYPES).join(', ') || 'no report'})`);
    response.type(type);
    return (await this.artifacts.get(ref)).toString('utf8');
  }

  private async runManifest(runId: string): Promise<Manifest> {
    const run = (await this.runManifests()).find((candidate) => candidate.id === runId);
    if (!run) throw new ConsoleNotFoundError(`no run ${JSON.stringify(runId)} in the artifact store`);
    return run;
  }

  /** Run manifests, newest first. */
  private async runManifests(): Promise<Manifest[]> {
    return (await this.artifacts.listManifests())
      .map((entry) => entry.manifest)
      .filter((manifest) => manifest.kind === 'run')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }
}
