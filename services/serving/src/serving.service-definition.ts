import type { ServiceDefinition } from '@distillery/service-kit';
import { serviceSchemaMigration } from '@distillery/storage';

/** The inference engine: KV cache, continuous batching, prefix reuse, speculative decoding, FP8; gRPC and OpenAI-compatible HTTP. */
export const servingService: ServiceDefinition = {
  name: 'serving',
  description: 'The inference engine: KV cache, continuous batching, prefix reuse, speculative decoding, FP8; gRPC and OpenAI-compatible HTTP.',
  defaultPort: 7108,
  schema: 'serving',
  consumes: ['checkpoints.bf16', 'checkpoints.fp8'],
  produces: [],
  // A shell until its stages land: it boots, reports health and metrics, and consumes nothing.
  stages: [{ name: 'engine', implemented: false }, { name: 'speculative-decoding', implemented: false }, { name: 'fp8', implemented: false }],
  migrations: [serviceSchemaMigration('serving', 1764000000008)],
};
