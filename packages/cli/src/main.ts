#!/usr/bin/env node
/**
 * distillery — `./distillery run` runs the whole loop embedded; `./distillery simulate` starts a
 * campaign on a simulator service; `./distillery stress` runs the E2E stress test against the
 * agents (the reference teacher by default); `./distillery status` shows runs,
 * datasets, checkpoints and their lineage; `./distillery console` serves the web console on them. `--help` for the options.
 */
import { ConfigError } from '@distillery/config';
import { drainOnSignals } from '@distillery/service-kit';
import { consoleCommand } from './console.command.js';
import { runCommand } from './run.command.js';
import { parseSimulateArguments, simulateCommand } from './simulate.command.js';
import { statusCommand } from './status.command.js';
import { parseStressArguments, stressCommand } from './stress.command.js';

const USAGE = `usage: distillery <command> [options]

commands:
  run [--serve]   run the whole loop embedded (in-process bus, PGlite, CPU), its progress live on the web console at
                  <url>/console; --serve keeps the platform (/health, /metrics, /console) up afterwards
  console         the web console on the data dir's runs, datasets, checkpoints and traces, with a chat playground:
                  the embedded platform at http://127.0.0.1:7100/console (DISTILLERY_HTTP_PORT) until Ctrl-C
  simulate        start a campaign on a running simulator service and follow it to completion:
                  [--url URL (default $DISTILLERY_SIMULATOR_URL or http://127.0.0.1:7102)] [--spec campaign.json]
                  [--count N] [--seed N] [--concurrency N] [--max-turns N] [--policy reference|llm] [--id CAMPAIGN_ID]
  stress          the E2E stress test: scenarios of 10 turns with business switches mid-conversation, judged turn by turn:
                  [--scenarios 120] [--turns 10] [--seed 9001] [--runs k] [--concurrency 4] [--dealership-seed N]
                  [--agents HOST:PORT | --backend reference|serving|openai (agents started here, default the reference teacher)]
                  [--require-pass-rate PERCENT]
  status [--all]  runs, FP8 builds, drafters, checkpoints, datasets, traces and campaigns: the newest
                  of each kind with its lineage (--all: every one)

environment: DISTILLERY_DATA_DIR (default .distillery), DISTILLERY_HTTP_PORT, DISTILLERY_LOG_LEVEL — see README.md`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'simulate') {
    let parsed;
    try {
      parsed = await parseSimulateArguments(rest, process.env);
    } catch (error) {
      process.stderr.write(`distillery simulate: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    await simulateCommand(parsed, (line) => process.stdout.write(`${line}\n`));
    return 0;
  }
  if (command === 'stress') {
    let parsed;
    try {
      parsed = parseStressArguments(rest, process.env);
    } catch (error) {
      process.stderr.write(`distillery stress: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    return (await stressCommand(parsed, (line) => process.stdout.write(`${line}\n`))).exitCode;
  }
  const unknown = rest.filter((arg) => command === 'console' || arg !== (command === 'status' ? '--all' : '--serve'));
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (unknown.length > 0) {
    process.stderr.write(`distillery: unknown option ${unknown.join(' ')}\n${USAGE}\n`);
    return 2;
  }
  if (command === 'run') {
    const serve = rest.includes('--serve');
    const { app } = await runCommand({ env: process.env, serve });
    if (serve) {
      process.stdout.write(`serving ${app.url}/health, ${app.url}/metrics and the console at ${app.url}/console — Ctrl-C to drain and stop\n`);
      drainOnSignals(app);
      return -1;
    }
    return 0;
  }
  if (command === 'console') {
    if (rest.length > 0) {
      process.stderr.write(`distillery console: unknown option ${rest.join(' ')}\n${USAGE}\n`);
      return 2;
    }
    const app = await consoleCommand(process.env);
    process.stdout.write(`console: ${app.url}/console (data in ${app.platform.config.DISTILLERY_DATA_DIR}) — Ctrl-C to stop\n`);
    drainOnSignals(app);
    return -1;
  }
  if (command === 'status') return statusCommand(process.env, (line) => process.stdout.write(`${line}\n`), { all: rest.includes('--all') });
  process.stderr.write(`distillery: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    // A bad setting is the user's mistake: one line per variable, exit 2, no stack trace.
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`distillery: ${problem}\n`);
      process.exit(2);
    }
    process.stderr.write(`distillery: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
