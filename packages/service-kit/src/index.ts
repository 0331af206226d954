/**
 * @distillery/service-kit — the shell every service shares: configuration validated at boot, the
 * platform (bus, database, artifacts), `/health`, `/metrics`, JSON logs and a graceful drain.
 *
 * ```ts
 * // services/judge/src/main.ts
 * import { runService } from '@distillery/service-kit';
 * import { judgeService } from './judge.service-definition.js';
 * await runService(judgeService); // DISTILLERY_MODE=distributed DISTILLERY_KAFKA_BROKERS=… DISTILLERY_DATABASE_URL=…
 * ```
 */
export { SERVICE_NAMES, type HttpErrorShape, type ServiceDefinition, type ServiceName, type StageStatus } from './service-definition.js';
export { DEV_API_KEY, loadPlatformConfig, platformConfigSchema, type PlatformConfig } from './platform-config.js';
export { apiKeyOf, apiKeyOfMetadata, apiKeysSetting, ApiKeyring, type Caller, RoleDeniedError, roleReaches, ROLES, type Role, UnknownApiKeyError } from './auth/api-keys.js';
export { ApiKeyGuard } from './auth/api-key.guard.js';
export { Probe, Public, RequireRole } from './auth/roles.decorator.js';
export { kafkaSecurityOf, loadTls, type TlsMaterial } from './tls/tls.js';
export { artifactRootOf, openPlatform, type Platform } from './platform.js';
export { PlatformModule } from './platform.module.js';
export { ARTIFACTS, BUS, DATABASE, PLATFORM, PLATFORM_CONFIG, SERVICES } from './tokens.js';
export { BusClient } from './bus-transport/bus-client.js';
export { BusContext, BusErrorPassThrough, BusEventPattern, type BusEventOptions, BusTransport } from './bus-transport/bus-transport.js';
export { captureSpans, contextFromCarrier, inSpan, installTracing, MAX_SPAN_LINKS, spanContextOf, spanSinks, SpanKind, tracedGrpcHandlers, tracer } from './tracing/tracing.js';
export { runtimeLifecycle, type RuntimeLifecycle, type ServiceRuntime } from './runtime-lifecycle.js';
export { checkConfig, startApp, type RunningApp, type StartAppOptions } from './start-app.js';
export { drainOnSignals, runService } from './run-service.js';
export { freePort } from './free-port.js';
export { createLogger } from './logging/create-logger.js';
export { Metrics } from './metrics/metrics.js';
export { BoundedErrorFilter, MAX_ERROR_MESSAGE } from './http/bounded-error.filter.js';
export { JsonBodyGuard } from './http/json-body.guard.js';
export { RequestTextGuard } from './http/request-text.guard.js';
export { MAX_BODY_DEPTH, MAX_KEY_LENGTH, MAX_PARAMETER_LENGTH, requestProblems, type RequestProblems } from './http/request-problems.js';
export { fieldName, listProblems, MAX_REPORTED_PROBLEMS } from './http/problem-list.js';
export { issueLines } from './http/zod-issues.js';
