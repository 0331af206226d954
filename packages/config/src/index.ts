/**
 * @distillery/config — configuration read once at boot, validated, failing fast by name.
 *
 * ```ts
 * import { z } from 'zod';
 * import { env, loadConfig } from '@distillery/config';
 * const config = loadConfig(z.object({ DISTILLERY_HTTP_PORT: env.port(8080) }));
 * // DISTILLERY_HTTP_PORT=x → ConfigError: DISTILLERY_HTTP_PORT: expected a TCP port (0–65535), got "x"
 * ```
 */
export { ConfigError } from './config.error.js';
export { env, loadConfig } from './load-config.js';
