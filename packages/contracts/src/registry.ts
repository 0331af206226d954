import type { MessageContract } from './contract.js';
import { campaignCompletedContract } from './messages/campaigns-completed.message.js';
import { checkpointBf16Contract, checkpointFp8Contract, drafterReadyContract } from './messages/checkpoints.message.js';
import { datasetReadyContract } from './messages/datasets-ready.message.js';
import { deploymentGatedContract } from './messages/deployments-gated.message.js';
import { traceRawContract } from './messages/traces-raw.message.js';
import { traceRefinedContract } from './messages/traces-refined.message.js';
import type { TopicName } from './topics.js';

/** The one contract per topic. Adding a topic means adding it here and to TOPICS. */
export const CONTRACTS: { readonly [T in TopicName]: MessageContract } = {
  'traces.raw': traceRawContract,
  'campaigns.completed': campaignCompletedContract,
  'traces.refined': traceRefinedContract,
  'datasets.ready': datasetReadyContract,
  'checkpoints.bf16': checkpointBf16Contract,
  'drafters.ready': drafterReadyContract,
  'checkpoints.fp8': checkpointFp8Contract,
  'deployments.gated': deploymentGatedContract,
};

export function contractFor(topic: TopicName): MessageContract {
  return CONTRACTS[topic];
}
