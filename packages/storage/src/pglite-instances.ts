import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const instances = new Map<string, Promise<PGlite>>();

/**
 * One PGlite per data directory per process: it takes seconds to start and is a single session,
 * so every service in the embedded process shares it (through one DataSource).
 * `memory://` gives a throwaway in-memory database.
 */
export function sharedPglite(dataDir: string): Promise<PGlite> {
  let instance = instances.get(dataDir);
  if (!instance) {
    if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true });
    instance = PGlite.create(dataDir === 'memory://' ? undefined : dataDir);
    instances.set(dataDir, instance);
  }
  return instance;
}

export async function closePglite(dataDir: string): Promise<void> {
  const instance = instances.get(dataDir);
  instances.delete(dataDir);
  await (await instance)?.close();
}
