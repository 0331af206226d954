import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ServiceUnderTest } from './distributed-service.js';

/**
 * Starts an app with `start` before the tests of the describe block it is called in — embedded, on
 * a scratch data directory (DISTILLERY_DATA_DIR), logs silent — and closes it after them. The
 * handle's `url` is the running app's.
 *
 * ```ts
 * const app = embeddedAppForSuite((env) => startApp([curatorService], { name: 'curator-edge-spec', defaultPort: 0, env }));
 * it('answers', async () => expect((await fetch(`${app.url}/health`)).status).toBe(200));
 * ```
 */
export function embeddedAppForSuite(start: (env: Record<string, string>) => Promise<ServiceUnderTest>): { readonly url: string } {
  let app: ServiceUnderTest | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-embedded-app-'));
    app = await start({ DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent' });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return {
    get url(): string {
      if (!app) throw new Error('the app is not running (its beforeAll failed or has not run)');
      return app.url;
    },
  };
}
