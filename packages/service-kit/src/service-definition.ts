import type { TopicName } from '@distillery/contracts';
import type { DynamicModule, Type } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';

export const SERVICE_NAMES = ['agents', 'simulator', 'judge', 'curator', 'trainer', 'drafter', 'quantizer', 'serving'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One stage of the pipeline a service owns, and whether this build implements it. */
export interface StageStatus {
  readonly name: string;
  readonly implemented: boolean;
  /** The issue that delivers it, while it is not implemented. */
  readonly issue?: number;
}

/**
 * What a service is: enough for it to boot alone (its own process, database schema and port) or
 * inside the embedded launcher next to the others.
 */
export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly description: string;
  /** The HTTP port it listens on when it runs alone (health, metrics). */
  readonly defaultPort: number;
  /** Its PostgreSQL schema; no other service writes there. */
  readonly schema: string;
  readonly consumes: readonly TopicName[];
  readonly produces: readonly TopicName[];
  readonly stages: readonly StageStatus[];
  readonly migrations: ReadonlyArray<new () => MigrationInterface>;
  readonly entities?: readonly Function[];
  /** Validates the service's own settings from the environment (throws ConfigError naming each variable); run before anything opens. */
  readonly loadConfig?: (env: Readonly<Record<string, string | undefined>>) => unknown;
  /**
   * Error bodies of its own for the routes under `pathPrefix` (the serving service's OpenAI API answers
   * `{error: {message, type, param, code}}`): every HTTP error there — its handlers', the shared edge's,
   * a malformed body's, an unknown route's — is reshaped from the `{statusCode, message, ...}` answer.
   */
  readonly httpErrorShape?: HttpErrorShape;
  /** The service's own Nest module (controllers, consumers); the platform providers are injectable in it. */
  readonly module?: Type | DynamicModule;
}

/** How a service shapes the HTTP error answers under a path prefix (ServiceDefinition.httpErrorShape). */
export interface HttpErrorShape {
  readonly pathPrefix: string;
  /** The body to send for an error answered with `status` and the shared edge's `{statusCode, message, ...}` body. */
  shape(status: number, body: Readonly<Record<string, unknown>>): unknown;
}
