import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningApp } from '@distillery/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitCampaignSettled } from './loop-stages.js';

/** The curator's GET /curator/campaigns/:id as a stand-in: each read answers the next of `answers` (the last repeats). */
async function curator(answers: Array<{ status: number; body: unknown }>): Promise<{ app: RunningApp; server: Server; reads: string[] }> {
  const reads: string[] = [];
  const server = createServer((request, response) => {
    reads.push(request.url!);
    const answer = answers[Math.min(reads.length - 1, answers.length - 1)]!;
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { app: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } as RunningApp, server, reads };
}

describe('waiting for the curator to settle a campaign', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('waits through "not announced yet" and "pending", then answers what became of it (held over: no version)', async () => {
    const stand = await curator([
      { status: 404, body: { message: 'no campaign "heldout_1" announced on campaigns.completed' } },
      { status: 200, body: { campaignId: 'heldout_1', status: 'pending', datasetId: null, datasetVersion: null } },
      { status: 200, body: { campaignId: 'heldout_1', status: 'built', datasetId: null, datasetVersion: null } },
    ]);
    server = stand.server;
    expect(await awaitCampaignSettled(stand.app, 'heldout_1', 10_000)).toMatchObject({ status: 'built', datasetId: null, datasetVersion: null });
    expect(stand.reads).toEqual(Array(3).fill('/curator/campaigns/heldout_1'));
  });

  it('names a curator error at once, and a campaign never settled within the wait', async () => {
    const broken = await curator([{ status: 500, body: { message: 'boom' } }]);
    server = broken.server;
    await expect(awaitCampaignSettled(broken.app, 'camp_1', 10_000)).rejects.toThrow(/GET \/curator\/campaigns\/camp_1 answered 500/);
    broken.server.close();
    const pending = await curator([{ status: 200, body: { status: 'pending', datasetId: null, datasetVersion: null } }]);
    server = pending.server;
    await expect(awaitCampaignSettled(pending.app, 'camp_1', 300)).rejects.toThrow(/campaign camp_1 not settled within 0 s/);
  });
});
