import { startApp } from '@distillery/service-kit';
import { apiFetch, embeddedAppForSuite, errorAnswer, postBody } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { simulatorService } from '../simulator.service-definition.js';

/** What the simulator's API answers to input it must refuse: a 400 (415) naming the field, never a 500, never a long echo. Embedded, no agents needed. */
describe('simulator API edge', () => {
  const app = embeddedAppForSuite((env) => startApp([simulatorService], { name: 'simulator-edge-spec', defaultPort: 0, env }));
  const post = (body: string, contentType?: string) => postBody(`${app.url}/simulator/campaigns`, body, contentType);

  it.each(['%00', '%01', '%7F'])('answers 400 naming the field for %s in a path or query field', async (bad) => {
    for (const [path, field] of [
      [`/simulator/campaigns/a${bad}b`, 'path.id'],
      [`/simulator/campaigns/a${bad}b/conversations`, 'path.id'],
      [`/simulator/campaigns/camp_1/conversations?transcripts=t${bad}`, 'query.transcripts'],
      [`/simulator/campaigns/camp_1/conversations?limit=1${bad}`, 'query.limit'],
      [`/simulator/campaigns/camp_1/conversations?after=1${bad}`, 'query.after'],
    ] as const) {
      const { status, message } = await errorAnswer(await apiFetch(`${app.url}${path}`));
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: contains a control character`));
    }
  });

  it.each([
    ['NUL', '"x\\u0000y"', 'a control character (U+0000)'],
    ['a lone surrogate', '"x\\ud800y"', 'a lone UTF-16 surrogate (U+D800)'],
    ['lone surrogates around an emoji', '"\\ud83d\\ud83d\\ude00\\ude00"', 'a lone UTF-16 surrogate (U+D83D)'],
  ])('answers 400 naming the field for %s in any body field', async (_, bad, what) => {
    const template = bad.replace(/^"/, '"You are {{persona}}, after {{goal}}: ');
    for (const [body, field] of [
      [`{"count":1,"campaignId":${bad}}`, 'body.campaignId'],
      [`{"count":1,"topics":["a reliable sedan",${bad}]}`, 'body.topics[1]'],
      [`{"count":1,"environment":{"inventory":{"makes":["Ford","Kia",${bad}]}}}`, 'body.environment.inventory.makes[2]'],
      [`{"count":1,"llm":{"model":${bad}}}`, 'body.llm.model'],
      [`{"count":1,"llm":{"promptTemplate":${template}}}`, 'body.llm.promptTemplate'],
    ] as const) {
      const { status, message } = await errorAnswer(await post(body));
      expect({ field, status }).toEqual({ field, status: 400 });
      expect(message).toContain(`${field}: contains ${what}`);
    }
    const key = await errorAnswer(await post(`{"count":1,"intentMix":{${bad}:1}}`));
    expect(key).toMatchObject({ status: 400, message: expect.stringContaining(`body.intentMix: a key contains ${what}`) as unknown });
  });

  it('answers a long id with a short 400, an unknown one with a short 404', async () => {
    for (const length of [8_000, 100_000]) {
      const response = await apiFetch(`${app.url}/simulator/campaigns/${'c'.repeat(length)}`);
      expect([400, 431]).toContain(response.status);
      expect((await response.text()).length).toBeLessThan(300);
    }
    const unknown = await errorAnswer(await apiFetch(`${app.url}/simulator/campaigns/${'c'.repeat(250)}`));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/^no campaign "c{64}"… \(250 characters\)$/);
    const inBody = await errorAnswer(await post(JSON.stringify({ count: 1, campaignId: 'c'.repeat(100_000) })));
    expect(inBody.status).toBe(400);
    expect(inBody.size).toBeLessThan(400);
  });

  it('answers 5,000 unknown intents (a 55 KB request) and a 90 KB unknown key with short 400s', async () => {
    const intentMix = Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`intent_${index}`, 1]));
    const request = JSON.stringify({ count: 1, intentMix });
    expect(request.length).toBeGreaterThan(55_000);
    const intents = await errorAnswer(await post(request));
    expect(intents.status).toBe(400);
    expect(intents.message).toMatch(/intentMix: unknown intents "intent_0", "intent_1", "intent_2" and 4997 more \(known: /);
    expect(intents.size).toBeLessThan(600);

    const longKey = await errorAnswer(await post(JSON.stringify({ count: 1, [`k${'x'.repeat(90_000)}`]: 1 })));
    expect(longKey.status).toBe(400);
    expect(longKey.size).toBeLessThan(400);
    const unknownKey = await errorAnswer(await post(JSON.stringify({ count: 1, [`k${'x'.repeat(100)}`]: 1 })));
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.message).toMatch(/^invalid campaign: body: unknown key "kx{31}"… \(101 characters\)$/);
  });

  it('answers 415 for a campaign sent as text/plain', async () => {
    const plain = await errorAnswer(await post('{"count":1}', 'text/plain'));
    expect(plain).toMatchObject({ status: 415, message: expect.stringContaining('expected a JSON body') as unknown });
  });

  it('refuses bad paging parameters', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'after=-2', 'after=1.5']) {
      const { status, message } = await errorAnswer(await apiFetch(`${app.url}/simulator/campaigns/camp_1/conversations?${query}`));
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(message).toMatch(/^(limit|after): expected/);
    }
  });
});
