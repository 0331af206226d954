import { startApp } from '@distillery/service-kit';
import { apiFetch, embeddedAppForSuite, errorAnswer, postBody } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { curatorService } from '../curator.service-definition.js';

/** What the curator's API answers to bodies it must refuse: a 400 (415) naming the field, never a 500, never a long echo. Embedded. */
describe('curator API edge', () => {
  const app = embeddedAppForSuite((env) => startApp([curatorService], { name: 'curator-edge-spec', defaultPort: 0, env }));
  const post = (body: string, contentType?: string) => postBody(`${app.url}/curator/datasets`, body, contentType);

  it.each([
    ['NUL', '"camp\\u0000x"', 'a control character (U+0000)'],
    ['ESC', '"camp\\u001bx"', 'a control character (U+001B)'],
    ['a lone surrogate', '"camp\\ud800"', 'a lone UTF-16 surrogate (U+D800)'],
    ['lone surrogates around an emoji', '"\\ud83d\\ud83d\\ude00\\ude00"', 'a lone UTF-16 surrogate (U+D83D)'],
  ])('answers 400 naming body.campaignId for %s', async (_, bad, what) => {
    const refused = await errorAnswer(await post(`{"campaignId":${bad}}`));
    expect(refused.status).toBe(400);
    expect(refused.message).toContain(`body.campaignId: contains ${what}`);
  });

  it('answers a long campaignId with a short 400, an unknown one with a short 404', async () => {
    const long = await errorAnswer(await post(JSON.stringify({ campaignId: 'c'.repeat(100_000) })));
    expect(long).toMatchObject({ status: 400, message: 'campaignId: longer than 200 characters' });
    const unknown = await errorAnswer(await post(JSON.stringify({ campaignId: 'c'.repeat(200) })));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/^no campaign "c{64}"… \(200 characters\): /);
    expect(unknown.size).toBeLessThan(400);
  });

  it('answers a 90 KB unknown key and 5,000 unknown keys with short 400s', async () => {
    const longKey = await errorAnswer(await post(JSON.stringify({ campaignId: 'camp_1', [`k${'x'.repeat(90_000)}`]: 1 })));
    expect(longKey.status).toBe(400);
    expect(longKey.size).toBeLessThan(400);
    const manyKeys = await errorAnswer(await post(JSON.stringify(Object.fromEntries([['campaignId', 'camp_1'], ...Array.from({ length: 5_000 }, (_, index) => [`key_${index}`, 1])]))));
    expect(manyKeys.status).toBe(400);
    expect(manyKeys.message).toMatch(/^body: unknown keys "key_0", "key_1", "key_2" and 4997 more$/);
  });

  it('answers 415 for a build request sent as text/plain', async () => {
    const plain = await errorAnswer(await post('{"all":true}', 'text/plain'));
    expect(plain).toMatchObject({ status: 415, message: expect.stringContaining('expected a JSON body') as unknown });
  });

  it('answers a campaign it was never told of with a short 404 naming it', async () => {
    const unknown = await errorAnswer(await apiFetch(`${app.url}/curator/campaigns/camp_never`));
    expect(unknown).toMatchObject({ status: 404, message: 'no campaign "camp_never" announced on campaigns.completed' });
  });
});
