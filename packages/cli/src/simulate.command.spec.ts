import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { freePort, startApp } from '@distillery/service-kit';
import { simulatorService } from '@distillery/simulator';
import { describe, expect, it } from 'vitest';
import { parseSimulateArguments, simulateCommand } from './simulate.command.js';

describe('distillery simulate', () => {
  it('reads the spec file, lets the flags override it, and names a bad argument', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'distillery-simulate-'));
    try {
      const spec = join(dir, 'campaign.json');
      await writeFile(spec, JSON.stringify({ count: 50, seed: 3, topics: ['a reliable sedan'] }));
      const parsed = await parseSimulateArguments(['--spec', spec, '--count', '7', '--url', 'http://sim:7102/'], {});
      expect(parsed).toEqual({ url: 'http://sim:7102', request: { count: 7, seed: 3, topics: ['a reliable sedan'] } });
      expect((await parseSimulateArguments([], { DISTILLERY_SIMULATOR_URL: 'http://10.0.0.2:7102' })).url).toBe('http://10.0.0.2:7102');

      await expect(parseSimulateArguments(['--count', 'many'], {})).rejects.toThrow('--count: expected a whole number, got "many"');
      await expect(parseSimulateArguments(['--frobnicate', '1'], {})).rejects.toThrow('unknown option --frobnicate');
      await expect(parseSimulateArguments(['--seed'], {})).rejects.toThrow('--seed needs a value');
      await expect(parseSimulateArguments(['--spec', join(dir, 'missing.json')], {})).rejects.toThrow('--spec: ENOENT');
      await writeFile(spec, '[1, 2]');
      await expect(parseSimulateArguments(['--spec', spec], {})).rejects.toThrow('must hold a JSON object');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs a campaign on a simulator service to completion and reports it; a refused campaign fails naming the field', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'distillery-simulate-app-'));
    const app = await startApp([agentsService, simulatorService], {
      name: 'simulate-spec',
      defaultPort: 0,
      env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()), DISTILLERY_AGENTS_RATE_PER_MINUTE: '100000', DISTILLERY_AGENTS_RATE_BURST: '1000' },
    });
    try {
      const lines: string[] = [];
      const campaign = await simulateCommand(await parseSimulateArguments(['--url', app.url, '--count', '6', '--seed', '4', '--id', 'camp_cli'], {}), (line) => lines.push(line));
      expect(campaign.campaignId).toBe('camp_cli');
      expect(campaign.conversations.done).toBe(6);
      expect(lines.at(-1)).toMatch(/^summary: camp_cli — 6 conversations \(0 failed\), \d+ turns in/);
      // the same id and spec again follows the campaign that exists (it is complete already)
      expect((await simulateCommand(await parseSimulateArguments(['--url', app.url, '--count', '6', '--seed', '4', '--id', 'camp_cli'], {}), () => undefined)).conversations.done).toBe(6);
      await expect(simulateCommand(await parseSimulateArguments(['--url', app.url, '--count', '0'], {}), () => undefined)).rejects.toThrow(/answered 400: .*count/);
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
