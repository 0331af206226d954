import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@distillery/config';
import { REPO_ROOT } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../platform-config.js';
import { type RunningApp, startApp } from '../start-app.js';
import { kafkaSecurityOf, loadTls } from './tls.js';

const FIXTURES = join(REPO_ROOT, 'packages/testing/fixtures/tls');
const file = (name: string) => join(FIXTURES, name);
const TLS_ENV = { DISTILLERY_TLS_CERT: file('server.pem'), DISTILLERY_TLS_KEY: file('server.key'), DISTILLERY_TLS_CA: file('ca.pem') };

/** GET over HTTPS trusting the test CA, optionally with the test client certificate; the status, or the connection's error. */
function getStatus(url: string, withClientCert: boolean): Promise<number | string> {
  return new Promise((resolve) => {
    const client = request(url, { ca: readFileSync(file('ca.pem')), ...(withClientCert ? { cert: readFileSync(file('client.pem')), key: readFileSync(file('client.key')) } : {}) }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    client.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    client.end();
  });
}

describe('the HTTP API over TLS (DISTILLERY_TLS_CERT / _KEY / _CA / _CLIENT_AUTH)', () => {
  let tls: RunningApp;
  let mutual: RunningApp;
  beforeAll(async () => {
    tls = await startApp([], { name: 'tls-spec', defaultPort: 0, env: { DISTILLERY_LOG_LEVEL: 'silent', ...TLS_ENV } });
    mutual = await startApp([], { name: 'mtls-spec', defaultPort: 0, env: { DISTILLERY_LOG_LEVEL: 'silent', ...TLS_ENV, DISTILLERY_TLS_CLIENT_AUTH: 'true' } });
  }, 30_000);
  afterAll(async () => {
    await tls?.close();
    await mutual?.close();
  });

  it('answers over HTTPS with the configured certificate, and nothing over plain HTTP', async () => {
    expect(tls.url).toMatch(/^https:\/\//);
    expect(await getStatus(`${tls.url.replace('127.0.0.1', 'localhost')}/health`, false)).toBe(200);
    await expect(fetch(`${tls.url.replace('https:', 'http:')}/health`)).rejects.toThrow('fetch failed');
  });

  it('with mutual TLS, refuses a client without a certificate the CA signed', async () => {
    const url = `${mutual.url.replace('127.0.0.1', 'localhost')}/health`;
    expect(await getStatus(url, true)).toBe(200);
    expect(await getStatus(url, false)).not.toBe(200);
  });
});

describe('TLS and Kafka security settings', () => {
  it('checks that a certificate comes with its key, and mutual TLS with a CA', () => {
    expect(() => loadPlatformConfig({ DISTILLERY_TLS_CERT: file('server.pem') })).toThrow(/DISTILLERY_TLS_KEY: DISTILLERY_TLS_CERT and DISTILLERY_TLS_KEY go together/);
    expect(() => loadPlatformConfig({ DISTILLERY_TLS_CERT: file('server.pem'), DISTILLERY_TLS_KEY: file('server.key'), DISTILLERY_TLS_CLIENT_AUTH: 'true' })).toThrow(/DISTILLERY_TLS_CLIENT_AUTH: mutual TLS needs/);
    expect(() => loadTls(loadPlatformConfig({ DISTILLERY_TLS_CERT: file('nope.pem'), DISTILLERY_TLS_KEY: file('server.key') }))).toThrow(ConfigError);
    expect(() => loadTls(loadPlatformConfig({ DISTILLERY_TLS_CERT: file('nope.pem'), DISTILLERY_TLS_KEY: file('server.key') }))).toThrow(/DISTILLERY_TLS_CERT: cannot read .*nope\.pem.*ENOENT/);
    expect(loadTls(loadPlatformConfig({}))).toBeUndefined();
  });

  it('maps Kafka TLS and SASL settings onto the client, and asks for the credentials a mechanism needs without showing the password', () => {
    expect(kafkaSecurityOf(loadPlatformConfig({}))).toBeUndefined();
    expect(kafkaSecurityOf(loadPlatformConfig({ DISTILLERY_KAFKA_TLS: 'true' }))).toEqual({ ssl: true });
    expect(kafkaSecurityOf(loadPlatformConfig({ DISTILLERY_KAFKA_CA: file('ca.pem'), DISTILLERY_KAFKA_SASL_MECHANISM: 'scram-sha-512', DISTILLERY_KAFKA_USERNAME: 'svc', DISTILLERY_KAFKA_PASSWORD: 'pw-1' }))).toEqual({
      ssl: { ca: [readFileSync(file('ca.pem'), 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'pw-1' },
    });
    expect(() => loadPlatformConfig({ DISTILLERY_KAFKA_SASL_MECHANISM: 'plain', DISTILLERY_KAFKA_USERNAME: 'svc' })).toThrow(/DISTILLERY_KAFKA_PASSWORD: required with DISTILLERY_KAFKA_SASL_MECHANISM/);
    expect(() => loadPlatformConfig({ DISTILLERY_KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/DISTILLERY_KAFKA_SASL_MECHANISM: expected plain, scram-sha-256 or scram-sha-512/);
  });
});
