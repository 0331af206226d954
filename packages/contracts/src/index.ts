/**
 * @distillery/contracts — the topics, their message schemas (one source each), and the wire codec.
 *
 * ```ts
 * import { encodeEvent, decodeEvent, traceRawContract } from '@distillery/contracts';
 * const wire = encodeEvent(traceRawContract, traceRawContract.example, { source: 'agents' });
 * const event = decodeEvent(traceRawContract, wire.value); // event.data is a TraceRaw
 * ```
 */
export { allTopics, DLQ_SUFFIX, dlqOf, isTopicName, TOPICS, type DlqTopicName, type TopicName } from './topics.js';
export { artifactRefSchema, lineageSchema, type ArtifactRef, type Lineage } from './artifact-ref.js';
export { defineContract, type MessageContract, type MessageOf } from './contract.js';
export { DEAD_LETTER_BOUNDS, DEFAULT_MAX_MESSAGE_BYTES, DLQ_HEADER_MEANINGS, DLQ_HEADERS, envelopeSchema, HEADERS, type EventEnvelope } from './envelope.js';
export { decodeEvent, encodeEvent, type EncodeOptions, type WireMessage } from './codec.js';
export { CONTRACTS, contractFor } from './registry.js';
export { PoisonMessageError, type PoisonReason } from './errors/poison-message.error.js';
export { SchemaViolationError } from './errors/schema-violation.error.js';
export { MessageTooLargeError } from './errors/message-too-large.error.js';
export { InvalidEventIdError } from './errors/invalid-event-id.error.js';
export { eventIdFor, isEventId, newEventId } from './event-id.js';
export { echo, ECHO_LIMIT, safeText, storableText, storableValue, textProblem, valueTextProblem } from './text.js';
export { AGENT_ROLES, agentCallSchema, toolCallSchema, traceRawContract, traceRawSchema, type TraceRaw } from './messages/traces-raw.message.js';
export { campaignCompletedContract, campaignCompletedSchema, type CampaignCompleted } from './messages/campaigns-completed.message.js';
export { refinedCallSchema, traceRefinedContract, traceRefinedSchema, type TraceRefined } from './messages/traces-refined.message.js';
export { deploymentGatedContract, deploymentGatedSchema, type DeploymentGated } from './messages/deployments-gated.message.js';
export { DATASET_PARTS, datasetReadyContract, datasetReadySchema, HELD_OUT_CAMPAIGN_PREFIX, type DatasetReady } from './messages/datasets-ready.message.js';
export {
  checkpointBf16Contract,
  checkpointBf16Schema,
  checkpointFp8Contract,
  checkpointFp8Schema,
  drafterReadyContract,
  drafterReadySchema,
  type CheckpointBf16,
  type CheckpointFp8,
  type DrafterReady,
} from './messages/checkpoints.message.js';
export { activeTraceHeaders } from './trace-headers.js';
