import { Controller, Get, Module, Post } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../start-app.js';
import { ApiKeyring } from './api-keys.js';
import { Public, RequireRole } from './roles.decorator.js';

@Controller('locked')
@RequireRole('operator')
class LockedController {
  @Get('read')
  read() {
    return { ok: true };
  }

  @Post('stop')
  @RequireRole('admin')
  stop() {
    return { stopped: true };
  }

  @Get('chat')
  @RequireRole('product')
  chat() {
    return { hello: true };
  }
}

@Controller('undeclared')
class UndeclaredController {
  @Get()
  get() {
    return { ok: true };
  }
}

@Controller('open')
@Public()
class OpenController {
  @Get()
  get() {
    return { ok: true };
  }
}

@Module({ controllers: [LockedController, UndeclaredController, OpenController] })
class LocksModule {}

const KEYS = 'app-1:shop:product,ops-1:team:operator,root-1:team:admin';

async function boot(env: Record<string, string>): Promise<RunningApp> {
  return startApp([{ name: 'serving', description: 'locks', defaultPort: 0, schema: 'serving', consumes: [], produces: [], stages: [], migrations: [], module: LocksModule }], {
    name: 'auth-spec',
    defaultPort: 0,
    env: { DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_API_KEYS: KEYS, ...env },
  });
}

describe('API keys with roles on every HTTP route (supertest against the app)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await boot({});
  }, 30_000);
  afterAll(() => app?.close());
  const http = () => request(app.app.getHttpServer());

  it('answers 401 without a key, with a key it does not know, and with an authorization that is not a bearer key; the body never echoes the key', async () => {
    const none = await http().get('/locked/read');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ statusCode: 401, code: 'invalid_api_key', message: expect.stringMatching(/^no API key/) });
    const unknown = await http().get('/locked/read').set('x-api-key', 'guess-123');
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).toBe('the API key is not valid');
    expect(unknown.text).not.toContain('guess-123');
    expect((await http().get('/locked/read').set('authorization', 'Basic b3BzOjE=')).status).toBe(401);
  });

  it('answers 403 naming the role needed and the one held, and lets a high enough role through', async () => {
    const denied = await http().get('/locked/read').set('x-api-key', 'app-1');
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'insufficient_role', message: 'GET /locked/read needs the operator role; tenant shop has product' });
    expect((await http().get('/locked/read').set('authorization', 'Bearer ops-1')).status).toBe(200);
    expect((await http().get('/locked/read').set('x-api-key', 'root-1')).status).toBe(200);
    expect((await http().post('/locked/stop').set('x-api-key', 'ops-1')).status).toBe(403);
    expect((await http().post('/locked/stop').set('x-api-key', 'root-1')).status).toBe(201);
    expect((await http().get('/locked/chat').set('x-api-key', 'app-1')).status).toBe(200);
  });

  it('locks a route that declares no role to admins, and leaves public routes and the probes open', async () => {
    expect((await http().get('/undeclared').set('x-api-key', 'ops-1')).status).toBe(403);
    expect((await http().get('/undeclared').set('x-api-key', 'root-1')).status).toBe(200);
    expect((await http().get('/open')).status).toBe(200);
    expect((await http().get('/health')).status).toBe(200);
    expect((await http().get('/metrics')).status).toBe(200);
  });

  it('closes the probes to all but operators when DISTILLERY_OPEN_PROBES=false', async () => {
    const closed = await boot({ DISTILLERY_OPEN_PROBES: 'false' });
    try {
      const probe = request(closed.app.getHttpServer());
      expect((await probe.get('/health')).status).toBe(401);
      expect((await probe.get('/metrics').set('x-api-key', 'app-1')).status).toBe(403);
      expect((await probe.get('/metrics').set('x-api-key', 'ops-1')).status).toBe(200);
    } finally {
      await closed.close();
    }
  }, 30_000);
});

describe('ApiKeyring', () => {
  it('parses key:tenant[:role], giving a pair without a role the default one', () => {
    const keyring = ApiKeyring.parse('a:shop, b:ops:admin', 'product');
    expect(keyring.authenticate('a')).toEqual({ tenant: 'shop', role: 'product' });
    expect(keyring.authenticate('b')).toEqual({ tenant: 'ops', role: 'admin' });
    expect(() => keyring.authenticate('c')).toThrow('the API key is not valid');
    expect(() => keyring.authenticate(undefined)).toThrow(/^no API key/);
  });

  it('names the bad entry without quoting a key', () => {
    expect(() => ApiKeyring.parse('a:shop,secret-key', 'product')).toThrow(/^entry 2: expected key:tenant or key:tenant:role$/);
    expect(() => ApiKeyring.parse('a:shop:owner', 'product')).toThrow('entry 1: role "owner" is not one of product, operator, admin');
    expect(() => ApiKeyring.parse('a:shop:admin:x', 'product')).toThrow(/^entry 1:/);
    expect(() => ApiKeyring.parse('', 'product')).toThrow(/^entry 1:/);
  });
});
