/**
 * @distillery/serving — The inference engine: KV cache, continuous batching, prefix reuse, speculative decoding, FP8; gRPC and OpenAI-compatible HTTP.
 * Runs alone with `node services/serving/dist/src/main.js`; the embedded launcher imports `servingService`.
 */
export { servingService } from './serving.service-definition.js';
