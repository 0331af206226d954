import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleModule } from '@distillery/console';
import { freePort, type Role, ROLES, type RunningApp, startApp } from '@distillery/service-kit';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from './all-services.js';

/** One key per role: every door is tried with none, a wrong one, the role below the one it needs, and the one it needs. */
const KEYS: Readonly<Record<Role, string>> = { product: 'key-product', operator: 'key-operator', admin: 'key-admin' };
const REQUEST_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];

/**
 * Who may open each door: the product apps call the models, operators run the loop and read its
 * state, admins change what serves and stop jobs; the probes are open unless DISTILLERY_OPEN_PROBES=false,
 * and the web console, which the CLI serves on the loopback to the person who started it, is open.
 * A new route must be added here with its role.
 */
const POLICY = [
  'DELETE /serving/models/x_1/pin admin',
  'GET /console public',
  'GET /console/artifacts public',
  'GET /console/artifacts/x_1/x_1 public',
  'GET /console/chat public',
  'GET /console/live public',
  'GET /console/runs/x_1 public',
  'GET /console/runs/x_1/x_1 public',
  'GET /console/traces public',
  'GET /console/traces/x_1 public',
  'GET /console/traces/x_1/turns/x_1 public',
  'GET /curator/campaigns/x_1 operator',
  'GET /curator/datasets operator',
  'GET /drafter/jobs operator',
  'GET /drafter/jobs/x_1 operator',
  'GET /favicon.ico public',
  'GET /health probe',
  'GET /metrics probe',
  'GET /quantizer/jobs operator',
  'GET /quantizer/jobs/x_1 operator',
  'GET /serving/gates operator',
  'GET /serving/models operator',
  'GET /simulator/campaigns operator',
  'GET /simulator/campaigns/x_1 operator',
  'GET /simulator/campaigns/x_1/conversations operator',
  'GET /simulator/stress-runs operator',
  'GET /simulator/stress-runs/x_1 operator',
  'GET /trainer/jobs operator',
  'GET /trainer/jobs/x_1 operator',
  'GET /v1/models product',
  'GET /v1/models/x_1 product',
  'POST /console/chat/messages public',
  'POST /curator/datasets operator',
  'POST /drafter/jobs/x_1/cancel admin',
  'POST /quantizer/jobs/x_1/cancel admin',
  'POST /serving/models/x_1/pin admin',
  'POST /serving/models/x_1/rollback admin',
  'POST /simulator/campaigns operator',
  'POST /simulator/stress-runs operator',
  'POST /trainer/jobs/x_1/cancel admin',
  'POST /v1/chat/completions product',
  'POST /v1/completions product',
];

interface Door {
  readonly method: string;
  readonly path: string;
  /** What the route declares (`@RequireRole`, `@Public`, `@Probe`); undefined: nothing, so the guard wants an admin. */
  readonly access: string | undefined;
}

/** Every HTTP route of the app, found the way Nest finds them (its controllers' metadata), with a sample path for its parameters. */
function doorsOf(app: RunningApp): Door[] {
  const discovery = app.app.get(DiscoveryService);
  const scanner = app.app.get(MetadataScanner);
  const reflector = app.app.get(Reflector);
  const doors: Door[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!controller || !wrapper.instance) continue;
    const base = [Reflect.getMetadata('path', controller) as string | string[]].flat()[0] ?? '';
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(wrapper.instance) as object)) {
      const handler = (wrapper.instance as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
      const path = Reflect.getMetadata('path', handler) as string | string[] | undefined;
      if (path === undefined) continue;
      const method = REQUEST_METHODS[Reflect.getMetadata('method', handler) as number]!;
      const full = `/${[base, [path].flat()[0]].filter((part) => part && part !== '/').join('/')}`.replace(/\/+/g, '/').replace(/:[A-Za-z]+/g, 'x_1');
      doors.push({ method, path: full, access: reflector.getAllAndOverride<string | undefined>('distillery:route-access', [handler, controller]) });
    }
  }
  return doors;
}

describe('every HTTP door of the eight services and the console has a lock (supertest against the embedded app)', () => {
  let app: RunningApp;
  let dataDir: string;
  let doors: Door[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-locks-'));
    app = await startApp(ALL_SERVICES, {
      name: 'locks',
      defaultPort: 0,
      modules: [ConsoleModule.forRoot({}), DiscoveryModule],
      env: {
        DISTILLERY_DATA_DIR: dataDir,
        DISTILLERY_LOG_LEVEL: 'silent',
        DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()),
        DISTILLERY_SERVING_GRPC_PORT: String(await freePort()),
        DISTILLERY_API_KEYS: ROLES.map((role) => `${KEYS[role]}:team-${role}:${role}`).join(','),
      },
    });
    doors = doorsOf(app);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const knock = (door: Door, key?: string) => {
    const http = request(app.app.getHttpServer());
    const call = door.method === 'POST' ? http.post(door.path).send({}) : door.method === 'DELETE' ? http.delete(door.path) : http.get(door.path);
    return key === undefined ? call : call.set('x-api-key', key);
  };

  it('finds every route, each declaring who may open it as the policy says', () => {
    expect(doors.map((door) => `${door.method} ${door.path} ${door.access}`).sort()).toEqual(POLICY);
  });

  it('answers 401 without a key or with a wrong one, 403 to the role below, and lets the role it needs in', async () => {
    const answers: string[] = [];
    for (const door of doors) {
      const name = `${door.method} ${door.path} (${door.access})`;
      if (door.access === 'public' || door.access === 'probe') {
        const status = (await knock(door)).status;
        answers.push(`${name} open: ${status === 401 || status === 403 ? `refused ${status}` : 'let in'}`);
        continue;
      }
      const needed = door.access as Role;
      answers.push(`${name} no key: ${(await knock(door)).status}`, `${name} wrong key: ${(await knock(door, 'key-guessed')).status}`);
      const below = ROLES[ROLES.indexOf(needed) - 1];
      if (below) answers.push(`${name} ${below}: ${(await knock(door, KEYS[below])).status}`);
      const allowed = (await knock(door, KEYS[needed])).status;
      answers.push(`${name} ${needed}: ${allowed === 401 || allowed === 403 ? `refused ${allowed}` : 'let in'}`);
    }
    const expected = doors.flatMap((door) => {
      const name = `${door.method} ${door.path} (${door.access})`;
      if (door.access === 'public' || door.access === 'probe') return [`${name} open: let in`];
      const needed = door.access as Role;
      const below = ROLES[ROLES.indexOf(needed) - 1];
      return [`${name} no key: 401`, `${name} wrong key: 401`, ...(below ? [`${name} ${below}: 403`] : []), `${name} ${needed}: let in`];
    });
    expect(answers).toEqual(expected);
  }, 120_000);
});
