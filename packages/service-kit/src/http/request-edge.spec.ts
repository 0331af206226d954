import { Body, Controller, Get, Module, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { embeddedAppForSuite, errorAnswer, postBody } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { Public } from '../auth/roles.decorator.js';
import { startApp } from '../start-app.js';

@Controller('probe')
@Public()
class ProbeController {
  @Get('items/:id')
  item(@Param('id') id: string, @Query('q') q?: string): { id: string; q?: string } {
    // Deliberately unbounded: the filter bounds what a careless handler echoes.
    if (id.startsWith('missing')) throw new NotFoundException(`no item ${id}${'!'.repeat(10_000)}`);
    return { id, ...(q === undefined ? {} : { q }) };
  }

  @Post('items')
  create(@Body() body: unknown): { body: unknown } {
    return { body: body ?? null };
  }

  @Get('fail')
  fail(): never {
    throw new Error('secret internal detail');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

/** The HTTP edge every service shares (startApp): bad text refused naming the field, JSON bodies only, every error a bounded JSON body. */
describe('the HTTP edge', () => {
  const app = embeddedAppForSuite((env) =>
    startApp([{ name: 'serving', description: 'probe', defaultPort: 0, schema: 'serving', consumes: [], produces: [], stages: [], migrations: [], module: ProbeModule }], { name: 'http-edge-spec', defaultPort: 0, env }),
  );
  const get = (path: string) => fetch(`${app.url}${path}`);
  const post = (body: string, contentType?: string) => postBody(`${app.url}/probe/items`, body, contentType);

  it('passes good text through', async () => {
    expect(await (await get('/probe/items/a%20b%F0%9F%98%80?q=tab%09ok')).json()).toEqual({ id: 'a b😀', q: 'tab\tok' });
    expect(await (await post(JSON.stringify({ note: 'line\nbreak 😀', list: ['é'] }))).json()).toEqual({ body: { note: 'line\nbreak 😀', list: ['é'] } });
  });

  it.each([
    ['NUL', '%00'],
    ['a C0 control', '%01'],
    ['ESC', '%1B'],
    ['DEL', '%7F'],
  ])('refuses %s in a path parameter or a query value with 400 naming the field', async (_, bad) => {
    const inPath = await errorAnswer(await get(`/probe/items/a${bad}b`));
    expect(inPath.status).toBe(400);
    expect(inPath.message).toMatch(/^path\.id: contains a control character/);
    const inQuery = await errorAnswer(await get(`/probe/items/ok?q=x${bad}`));
    expect(inQuery.status).toBe(400);
    expect(inQuery.message).toMatch(/^query\.q: contains a control character/);
  });

  it.each([
    ['NUL', '"a\\u0000b"', 'a control character (U+0000)'],
    ['a lone high surrogate', '"\\ud83d"', 'a lone UTF-16 surrogate (U+D83D)'],
    ['a lone low surrogate', '"x\\ude00"', 'a lone UTF-16 surrogate (U+DE00)'],
    ['lone surrogates around an emoji', '"\\ud83d\\ud83d\\ude00\\ude00"', 'a lone UTF-16 surrogate (U+D83D)'],
  ])('refuses %s anywhere in a JSON body, naming the field', async (_, bad, what) => {
    const deep = await errorAnswer(await post(`{"environment":{"inventory":{"makes":["Ford","Kia",${bad}]}}}`));
    expect(deep.status).toBe(400);
    expect(deep.message).toContain(`body.environment.inventory.makes[2]: contains ${what}`);
    const key = await errorAnswer(await post(`{"intentMix":{${bad}:1}}`));
    expect(key.status).toBe(400);
    expect(key.message).toContain(`body.intentMix: a key contains ${what}`);
    expect((await errorAnswer(await post(`[${bad}]`))).message).toContain(`body[0]: contains ${what}`);
  });

  it('refuses an over-long path parameter, query value or key without echoing it', async () => {
    const id = await errorAnswer(await get(`/probe/items/${'x'.repeat(8_000)}`));
    expect(id).toMatchObject({ status: 400, message: 'path.id: longer than 256 characters' });
    const query = await errorAnswer(await get(`/probe/items/ok?q=${'y'.repeat(8_000)}`));
    expect(query).toMatchObject({ status: 400, message: 'query.q: longer than 256 characters' });
    const key = await errorAnswer(await post(JSON.stringify({ [`k${'z'.repeat(90_000)}`]: 1 })));
    expect(key.status).toBe(400);
    expect(key.message).toMatch(/^body: a key is longer than 128 characters: "kz{63}"… \(90001 characters\)$/);
    expect(key.size).toBeLessThan(500);
  });

  it('answers a 100 KB id with a short error', async () => {
    const response = await get(`/probe/items/${'x'.repeat(100_000)}`);
    expect([400, 414, 431]).toContain(response.status);
    expect((await response.text()).length).toBeLessThan(500);
  });

  it('reports the first 10 problems and how many more', async () => {
    const bad = await errorAnswer(await post(JSON.stringify({ makes: Array.from({ length: 5_000 }, (_, index) => `m${index}\u0000`) })));
    expect(bad.status).toBe(400);
    expect(bad.message.split('; ')).toHaveLength(11);
    expect(bad.message).toContain('body.makes[9]: contains a control character');
    expect(bad.message).not.toContain('body.makes[10]');
    expect(bad.message).toMatch(/and 4990 more problems$/);
    expect(bad.size).toBeLessThan(2_000);
  });

  it('refuses a body nested too deep without overflowing the stack', async () => {
    const bad = await errorAnswer(await post(`${'['.repeat(5_000)}${']'.repeat(5_000)}`));
    expect(bad).toMatchObject({ status: 400, message: 'body: nested deeper than 32 levels' });
  });

  it('answers 415 for a body that is not JSON, and takes a POST without a body', async () => {
    const plain = await errorAnswer(await post('{"count":1}', 'text/plain'));
    expect(plain.status).toBe(415);
    expect(plain.message).toBe('expected a JSON body (content-type: application/json), got "text/plain"');
    expect((await errorAnswer(await post('count=1', 'application/x-www-form-urlencoded'))).status).toBe(415);
    expect((await post('{"count":1}', 'application/json; charset=utf-8')).status).toBe(201);
    const none = await fetch(`${app.url}/probe/items`, { method: 'POST' });
    expect(none.status).toBe(201);
    expect(await none.json()).toEqual({ body: null });
  });

  it('answers malformed JSON with a short 400', async () => {
    const bad = await errorAnswer(await post(`{"a": ${'x'.repeat(50_000)}`));
    expect(bad.status).toBe(400);
    expect(bad.size).toBeLessThan(1_000);
  });

  it('bounds every error body: an unknown route, a handler that echoes, an unexpected error', async () => {
    const unknown = await errorAnswer(await get(`/nowhere/${'p'.repeat(8_000)}`));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toMatch(/^Cannot GET "\/nowhere\/p{55}"… \(8009 characters\)$/);
    expect(unknown.size).toBeLessThan(500);

    const echoed = await errorAnswer(await get(`/probe/items/missing${'m'.repeat(200)}`));
    expect(echoed.status).toBe(404);
    expect(echoed.size).toBeLessThan(2_500);

    const failed = await fetch(`${app.url}/probe/fail`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
  });
});
