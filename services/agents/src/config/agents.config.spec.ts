import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { loadAgentsConfig } from './agents.config.js';

describe('agents config', () => {
  it('has working defaults for an embedded run', () => {
    const config = loadAgentsConfig({});
    expect(config).toMatchObject({ DISTILLERY_AGENTS_GRPC_PORT: 7201, DISTILLERY_AGENTS_BACKEND: 'reference' });
    expect(config.DISTILLERY_AGENTS_API_KEYS.authenticate('dev-key')).toEqual({ tenant: 'dev', role: 'product' });
  });

  it('names what the openai backend is missing, and bad key lists', () => {
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_BACKEND: 'openai' })).toThrow(/DISTILLERY_OPENAI_BASE_URL: required when DISTILLERY_AGENTS_BACKEND=openai/);
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_API_KEYS: 'justakey' })).toThrow(ConfigError);
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_API_KEYS: 'justakey' })).toThrow(/DISTILLERY_AGENTS_API_KEYS: entry 1: expected key:tenant or key:tenant:role/);
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_API_KEYS: 'k1:shop,k2:ops:root' })).toThrow(/DISTILLERY_AGENTS_API_KEYS: entry 2: role "root" is not one of product, operator, admin/);
    expect(loadAgentsConfig({ DISTILLERY_AGENTS_API_KEYS: 'k1:shop,k2:ops:admin' }).DISTILLERY_AGENTS_API_KEYS.authenticate('k2')).toEqual({ tenant: 'ops', role: 'admin' });
  });

  it('lets the dev tenant change the business by default, and lists of tenants when set', () => {
    expect(loadAgentsConfig({}).DISTILLERY_AGENTS_ADMIN_TENANTS).toEqual(new Set(['dev']));
    expect(loadAgentsConfig({ DISTILLERY_AGENTS_ADMIN_TENANTS: 'ops,simulator' }).DISTILLERY_AGENTS_ADMIN_TENANTS).toEqual(new Set(['ops', 'simulator']));
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_ADMIN_TENANTS: 'ops, sim' })).toThrow(/DISTILLERY_AGENTS_ADMIN_TENANTS: expected tenant names separated by commas/);
  });
});
