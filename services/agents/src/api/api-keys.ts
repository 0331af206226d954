/** `key1:tenant-a,key2:tenant-b` → key → tenant. Keys are compared whole; tenants may have several. */
export function parseApiKeys(spec: string): ReadonlyMap<string, string> {
  const keys = new Map<string, string>();
  for (const pair of spec.split(',').map((entry) => entry.trim()).filter(Boolean)) {
    const [key, tenant] = pair.split(':');
    if (!key || !tenant) throw new Error(`DISTILLERY_AGENTS_API_KEYS: expected key:tenant pairs, got ${JSON.stringify(pair)}`);
    keys.set(key, tenant);
  }
  return keys;
}
