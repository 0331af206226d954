import 'reflect-metadata';
import { type DynamicModule, type INestApplication, Module, type Type } from '@nestjs/common';
import { resolve } from 'node:path';
import { NestFactory, Reflector } from '@nestjs/core';
import { ConfigError } from '@distillery/config';
import type { Logger } from 'pino';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { BusTransport } from './bus-transport/bus-transport.js';
import { drainStarts } from './runtime-lifecycle.js';
import { installTracing } from './tracing/tracing.js';
import { BoundedErrorFilter } from './http/bounded-error.filter.js';
import { HostPathsInterceptor, type HostPath } from './http/host-paths.interceptor.js';
import { JsonBodyGuard } from './http/json-body.guard.js';
import { RequestTextGuard } from './http/request-text.guard.js';
import { createLogger } from './logging/create-logger.js';
import { PinoNestLogger } from './logging/pino-nest-logger.js';
import { loadPlatformConfig, type PlatformConfig } from './platform-config.js';
import { artifactRootOf, openPlatform, type Platform } from './platform.js';
import { PlatformModule } from './platform.module.js';
import type { ServiceDefinition } from './service-definition.js';

export interface RunningApp {
  readonly app: INestApplication;
  readonly platform: Platform;
  readonly logger: Logger;
  /** Where /health and /metrics answer. */
  readonly url: string;
  /** Graceful drain: stop taking work, finish what is in flight, close bus and database. */
  close(): Promise<void>;
}

export interface StartAppOptions {
  readonly name: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The port when DISTILLERY_HTTP_PORT is not set (0: any free port). */
  readonly defaultPort: number;
  /** Nest modules served next to the services' (the CLI's web console, @distillery/console); the platform is injectable in them. */
  readonly modules?: ReadonlyArray<Type | DynamicModule>;
}

@Module({})
class DistilleryAppModule {}

/**
 * Boots services in one process: validates the config (throws ConfigError naming the variable),
 * opens the platform, composes the services' modules and listens for HTTP behind the shared edge
 * (JsonBodyGuard, RequestTextGuard, BoundedErrorFilter).
 */
export async function startApp(services: readonly ServiceDefinition[], options: StartAppOptions): Promise<RunningApp> {
  const env = options.env ?? process.env;
  const config = checkConfig(services, env);
  const flushSpans = installTracing({ serviceName: options.name, otlpTracesUrl: config.DISTILLERY_OTLP_TRACES_URL });
  const logger = createLogger(options.name, config.DISTILLERY_LOG_LEVEL);
  const platform = await openPlatform(config, services, logger, env);
  try {
    const root: DynamicModule = {
      module: DistilleryAppModule,
      imports: [PlatformModule.forRoot(platform, services), ...services.flatMap((service) => (service.module ? [service.module] : [])), ...(options.modules ?? [])],
    };
    const tls = platform.tls;
    const httpsOptions = tls ? { cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: tls.requireClientCert, rejectUnauthorized: tls.requireClientCert } : undefined;
    const app = await NestFactory.create(root, { logger: new PinoNestLogger(logger.child({ component: 'nest' })), abortOnError: false, ...(httpsOptions ? { httpsOptions } : {}) });
    // The HTTP edge of every service: an API key whose role the route allows (401, 403), JSON bodies only (415), no bad text or over-long parameter (400 naming the field), bounded error bodies.
    app.useGlobalGuards(new ApiKeyGuard(app.get(Reflector), config.DISTILLERY_API_KEYS, config.DISTILLERY_OPEN_PROBES), new JsonBodyGuard(), new RequestTextGuard());
    app.useGlobalInterceptors(new HostPathsInterceptor(hostPathsOf(config)));
    app.useGlobalFilters(new BoundedErrorFilter(logger.child({ component: 'http' }), services.flatMap((service) => (service.httpErrorShape ? [service.httpErrorShape] : []))));
    // The consumers: every @BusEventPattern handler subscribes once the runtimes have started (onApplicationBootstrap), and drains first on close.
    const consumers = new BusTransport(platform.bus, env, logger.child({ component: 'bus' }));
    app.connectMicroservice({ strategy: consumers }, { inheritAppConfig: false });
    await app.init();
    await app.startAllMicroservices();
    await app.listen(config.DISTILLERY_HTTP_PORT ?? options.defaultPort, config.DISTILLERY_HTTP_HOST);
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    logger.info({ url, mode: config.DISTILLERY_MODE }, 'listening');
    if (config.DISTILLERY_MODE === 'distributed' && !env.DISTILLERY_API_KEYS) logger.warn('DISTILLERY_API_KEYS is not set: only the development key (dev-key, admin) opens the APIs; set key:tenant:role pairs before this service is reachable by others');
    let closing: Promise<void> | undefined;
    return {
      app,
      platform,
      logger,
      url,
      // The consumers drain before the runtimes they feed stop (Nest would close them after the shutdown hooks); long work is given back meanwhile.
      close: () =>
        (closing ??= withTimeout(
          Promise.all([consumers.close(), drainStarts(platform)]).then(() => app.close()).then(flushSpans),
          config.DISTILLERY_SHUTDOWN_TIMEOUT_MS,
          'graceful shutdown',
        )),
    };
  } catch (error) {
    await platform.close();
    throw error;
  }
}

/** The host paths an HTTP answer never shows: the artifact store's root, the data directory, the working directory. */
function hostPathsOf(config: PlatformConfig): HostPath[] {
  const artifactRoot = artifactRootOf(config);
  const paths: HostPath[] = [
    { prefix: `${resolve(config.DISTILLERY_DATA_DIR)}/`, shownAs: '<data>/' },
    { prefix: `${process.cwd()}/`, shownAs: '<app>/' },
  ];
  if (artifactRoot.startsWith('file://')) paths.push({ prefix: `${artifactRoot}/`, shownAs: 'artifact:' }, { prefix: `${artifactRoot.slice('file://'.length)}/`, shownAs: 'artifact:' });
  return paths;
}

/**
 * The platform's settings and every service's own, checked before anything opens: one ConfigError
 * naming every bad variable. startApp runs it first; a launcher can run it before it prints a line.
 */
export function checkConfig(services: readonly ServiceDefinition[], env: Readonly<Record<string, string | undefined>>): PlatformConfig {
  const problems = new Set<string>();
  let platform: PlatformConfig | undefined;
  for (const load of [() => (platform = loadPlatformConfig(env)), ...services.map((service) => () => service.loadConfig?.(env))]) {
    try {
      load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) problems.add(problem);
    }
  }
  if (problems.size > 0 || !platform) throw new ConfigError([...problems]);
  return platform;
}

async function withTimeout(work: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
