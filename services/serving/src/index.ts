/**
 * @distillery/serving — serves the student: an engine process per model version (hot-swapped on
 * checkpoints.bf16, again with its EAGLE drafter on drafters.ready: speculative decoding, and again
 * in FP8 on checkpoints.fp8),
 * OpenAI-compatible HTTP (`/v1/models`, `/v1/chat/completions`, `/v1/completions`), gRPC (proto/distillery/serving/v1), or a gateway to an upstream server.
 * Runs alone with `node services/serving/dist/src/main.js`; the embedded launcher imports `servingService`.
 */
export { servingService } from './serving.service-definition.js';
export { loadServingConfig, servingConfigSchema, type ServingConfig } from './config/serving.config.js';
export { ServingLifecycle } from './serving-lifecycle.js';
export { fp8IdOf } from './models/model-catalog.js';
export { type Fp8Figures, fp8Figures, type QuantizerManifest } from './models/fp8-gate.js';
export { Fp8RefusedError, readQuantizerManifest } from './models/fp8-materializer.js';
export { announceCheckpoint, tamper } from './testing/announce-checkpoint.js';
export { announceDrafter } from './testing/announce-drafter.js';
export { announceFp8, storeFp8Version } from './testing/announce-fp8.js';
