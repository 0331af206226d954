import { readFile } from 'node:fs/promises';
import { type SimulatedCampaign, simulateCampaign } from './loop-stages.js';

/** What `distillery simulate` was asked, parsed from its arguments. */
export interface SimulateArguments {
  readonly url: string;
  readonly request: Readonly<Record<string, unknown>>;
}

const NUMBER_FLAGS: Readonly<Record<string, string>> = { '--count': 'count', '--seed': 'seed', '--concurrency': 'concurrency', '--max-turns': 'maxTurns' };

/**
 * `distillery simulate [--url URL] [--spec FILE] [--count N] [--seed N] [--concurrency N] [--max-turns N] [--policy reference|llm] [--id ID]`:
 * the flags override the spec file's fields. Throws an Error naming the bad argument.
 */
export async function parseSimulateArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<SimulateArguments> {
  let url = env.DISTILLERY_SIMULATOR_URL ?? 'http://127.0.0.1:7102';
  let request: Record<string, unknown> = {};
  const overrides: Record<string, unknown> = {};
  for (let index = 0; index < args.length; index += 2) {
    const [flag, value] = [args[index]!, args[index + 1]];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    if (flag === '--url') {
      if (!/^https?:\/\/[^\s]+$/.test(value)) throw new Error(`--url: expected an http(s) URL such as http://127.0.0.1:7102, got ${JSON.stringify(value)}`);
      url = value.replace(/\/$/, '');
    } else if (flag === '--spec') {
      const parsed = JSON.parse(await readFile(value, 'utf8').catch((error: Error) => Promise.reject(new Error(`--spec: ${error.message}`)))) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--spec: ${value} must hold a JSON object (a campaign request)`);
      request = parsed as Record<string, unknown>;
    } else if (flag === '--policy') {
      overrides.policy = value;
    } else if (flag === '--id') {
      overrides.campaignId = value;
    } else if (NUMBER_FLAGS[flag]) {
      if (!/^\d+$/.test(value)) throw new Error(`${flag}: expected a whole number, got ${JSON.stringify(value)}`);
      overrides[NUMBER_FLAGS[flag]] = Number(value);
    } else {
      throw new Error(`unknown option ${flag}`);
    }
  }
  return { url, request: { count: 20, ...request, ...overrides } };
}

/** Starts the campaign on the simulator service and follows it to completion, with progress lines and a summary. */
export async function simulateCommand(args: SimulateArguments, write: (line: string) => void): Promise<SimulatedCampaign> {
  write(`distillery simulate — campaign of ${String(args.request.count)} conversations on ${args.url}`);
  const campaign = await simulateCampaign(args.url, args.request, write);
  const finished = Object.values(campaign.conversations).reduce((sum, n) => sum + n, 0);
  write(
    `summary: ${campaign.campaignId} — ${finished} conversations (${campaign.conversations.failed ?? 0} failed), ${campaign.turns} turns in ${campaign.seconds.toFixed(1)} s; ` +
      `EXIT ${Object.entries(campaign.exits).map(([reason, n]) => `${n} ${reason}`).join(', ')}; campaigns.completed sent`,
  );
  return campaign;
}
