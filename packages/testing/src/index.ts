/**
 * @distillery/testing — helpers for integration tests against the real Kafka and PostgreSQL that
 * `npm test` starts, and a scripted OpenAI-compatible server for tests of model adapters.
 *
 * ```ts
 * import { integrationServers, createScratchDatabase } from '@distillery/testing';
 * const servers = integrationServers();
 * describe.skipIf(!servers)('needs Kafka and PostgreSQL', () => { ... });
 * ```
 */
export { integrationServers, kafkaControl, type IntegrationServers } from './integration-servers.js';
export { eventually } from './eventually.js';
export { spawnNode, type SpawnedNode } from './child-process.js';
export { createScratchDatabase } from './scratch-database.js';
export { REPO_ROOT } from './repo-root.js';
export { chatCompletion, startChatCompletionsServer, type ChatCompletionsHandler, type ChatCompletionsServer, type ScriptedReply } from './chat-completions-server.js';
