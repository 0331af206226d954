// Original file: proto/distillery/engine/v1/engine.proto

import type { Long } from '@grpc/proto-loader';

export interface HealthResponse {
  /**
   * "serving", "draining" (SIGTERM: new requests are UNAVAILABLE), "failed" (the server exits)
   */
  'status'?: (string);
  /**
   * the model id (serve --model-id; default the checkpoint dir)
   */
  'model'?: (string);
  /**
   * requests decoding or prefilling now
   */
  'running'?: (number);
  /**
   * requests queued for KV cache blocks or batch room
   */
  'waiting'?: (number);
  /**
   * KV cache blocks
   */
  'blocksTotal'?: (number);
  /**
   * of those, not held by a request (prefix-cached ones included)
   */
  'blocksFree'?: (number);
  /**
   * share of prompt tokens the prefix cache supplied, since the start
   */
  'prefixHitRate'?: (number | string);
  /**
   * requests preempted for blocks (and recomputed), since the start
   */
  'preemptions'?: (number | string | Long);
  /**
   * tokens per block
   */
  'blockSize'?: (number);
  /**
   * the context: prompt and completion tokens together
   */
  'maxModelLen'?: (number);
  /**
   * Generate calls open now
   */
  'streams'?: (number);
  /**
   * the EAGLE drafter decoding speculatively (serve --drafter), "" without
   */
  'drafter'?: (string);
  /**
   * drafts verified since the start
   */
  'specRounds'?: (number | string | Long);
  /**
   * tokens a verified draft added on average (the target's own included)
   */
  'meanAcceptedLength'?: (number | string);
  /**
   * share of drafts whose token at each depth was accepted
   */
  'acceptanceByPosition'?: (number | string)[];
}

export interface HealthResponse__Output {
  /**
   * "serving", "draining" (SIGTERM: new requests are UNAVAILABLE), "failed" (the server exits)
   */
  'status': (string);
  /**
   * the model id (serve --model-id; default the checkpoint dir)
   */
  'model': (string);
  /**
   * requests decoding or prefilling now
   */
  'running': (number);
  /**
   * requests queued for KV cache blocks or batch room
   */
  'waiting': (number);
  /**
   * KV cache blocks
   */
  'blocksTotal': (number);
  /**
   * of those, not held by a request (prefix-cached ones included)
   */
  'blocksFree': (number);
  /**
   * share of prompt tokens the prefix cache supplied, since the start
   */
  'prefixHitRate': (number);
  /**
   * requests preempted for blocks (and recomputed), since the start
   */
  'preemptions': (string);
  /**
   * tokens per block
   */
  'blockSize': (number);
  /**
   * the context: prompt and completion tokens together
   */
  'maxModelLen': (number);
  /**
   * Generate calls open now
   */
  'streams': (number);
  /**
   * the EAGLE drafter decoding speculatively (serve --drafter), "" without
   */
  'drafter': (string);
  /**
   * drafts verified since the start
   */
  'specRounds': (string);
  /**
   * tokens a verified draft added on average (the target's own included)
   */
  'meanAcceptedLength': (number);
  /**
   * share of drafts whose token at each depth was accepted
   */
  'acceptanceByPosition': (number)[];
}
