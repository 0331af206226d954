import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType as AgentsProto } from './generated/agents.js';
import type { ProtoGrpcType as EngineProto } from './generated/engine.js';
import type { ProtoGrpcType as ServingProto } from './generated/serving.js';
import { ProtoNotFoundError } from './proto-not-found.error.js';
import { strictDeserializers } from './strict-decoding.js';

/** The loader options; scripts/proto-gen.mjs generates the types with the same ones. */
export const PROTO_LOADER_OPTIONS: Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

/** The repository's proto/ (from packages/proto/dist/src/), or DISTILLERY_PROTO_DIR. */
export function protoDir(): string {
  const dir = process.env.DISTILLERY_PROTO_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto');
  if (!existsSync(dir)) throw new ProtoNotFoundError(dir);
  return dir;
}

function protoFiles(dir: string): string[] {
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(at, entry.name)) : entry.name.endsWith('.proto') ? [join(at, entry.name)] : []));
  return walk(dir).map((file) => relative(dir, file)).sort();
}

export type DistilleryProto = AgentsProto & ServingProto & EngineProto;

let loaded: DistilleryProto | undefined;

/**
 * Every service and message of proto/, as grpc-js constructors and definitions (loaded once).
 * Their deserializers refuse bytes that are not a valid encoding (UndecodableMessageError).
 */
export function loadDistilleryProto(): DistilleryProto {
  if (!loaded) {
    const dir = protoDir();
    const definition = loadSync(protoFiles(dir), { ...PROTO_LOADER_OPTIONS, includeDirs: [dir] });
    loaded = loadPackageDefinition(strictDeserializers(definition)) as unknown as DistilleryProto;
  }
  return loaded;
}

/** `distillery.agents.v1`: the AgentService client constructor and its service definition. */
export function agentsV1(): DistilleryProto['distillery']['agents']['v1'] {
  return loadDistilleryProto().distillery.agents.v1;
}

/** `distillery.serving.v1`: the InferenceService client constructor and its service definition. */
export function servingV1(): DistilleryProto['distillery']['serving']['v1'] {
  return loadDistilleryProto().distillery.serving.v1;
}

/** `distillery.engine.v1`: the compute plane's Engine (`python -m distillery_compute serve`), which the serving service drives. */
export function engineV1(): DistilleryProto['distillery']['engine']['v1'] {
  return loadDistilleryProto().distillery.engine.v1;
}
