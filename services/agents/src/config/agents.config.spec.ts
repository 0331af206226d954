import { ConfigError } from '@distillery/config';
import { describe, expect, it } from 'vitest';
import { loadAgentsConfig } from './agents.config.js';

describe('agents config', () => {
  it('has working defaults for an embedded run', () => {
    expect(loadAgentsConfig({})).toMatchObject({ DISTILLERY_AGENTS_GRPC_PORT: 7201, DISTILLERY_AGENTS_BACKEND: 'reference', DISTILLERY_AGENTS_API_KEYS: 'dev-key:dev' });
  });

  it('names what the openai backend is missing, and bad key lists', () => {
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_BACKEND: 'openai' })).toThrow(/DISTILLERY_OPENAI_BASE_URL: required when DISTILLERY_AGENTS_BACKEND=openai/);
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_API_KEYS: 'justakey' })).toThrow(ConfigError);
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_API_KEYS: 'justakey' })).toThrow(/DISTILLERY_AGENTS_API_KEYS: expected key:tenant pairs/);
  });

  it('lets the dev tenant change the business by default, and lists of tenants when set', () => {
    expect(loadAgentsConfig({}).DISTILLERY_AGENTS_ADMIN_TENANTS).toEqual(new Set(['dev']));
    expect(loadAgentsConfig({ DISTILLERY_AGENTS_ADMIN_TENANTS: 'ops,simulator' }).DISTILLERY_AGENTS_ADMIN_TENANTS).toEqual(new Set(['ops', 'simulator']));
    expect(() => loadAgentsConfig({ DISTILLERY_AGENTS_ADMIN_TENANTS: 'ops, sim' })).toThrow(/DISTILLERY_AGENTS_ADMIN_TENANTS: expected tenant names separated by commas/);
  });
});
