/**
 * @distillery/testing — helpers for integration tests against the real Kafka and PostgreSQL that
 * `npm test` starts, and a scripted OpenAI-compatible server for tests of model adapters.
 *
 * ```ts
 * import { integrationServers, createScratchDatabase } from '@distillery/testing';
 * const servers = integrationServers();
 * describe.skipIf(!servers)('needs Kafka and PostgreSQL', () => { ... });
 * ```
 *
 * Fixtures shared by the services' tests: a service started in distributed mode on a scratch
 * database (startDistributedService), an embedded app for a describe block (embeddedAppForSuite),
 * one suite declared on PGlite and on PostgreSQL (describeOnDatabases) with the text from outside
 * it stores (OUTSIDE_TEXT, OUTSIDE_TEXT_STORED), the HTTP edge's error answers (errorAnswer), and a
 * job runner a test drives in place of the compute plane (scriptedRunner).
 */
export { integrationServers, kafkaControl, type IntegrationServers } from './integration-servers.js';
export { eventually } from './eventually.js';
export { skipGroupsToTopicEnds } from './consumer-groups.js';
export { readTopic, type TopicRecord } from './read-topic.js';
export { scriptedRunner, type ScriptedRunner } from './scripted-runner.js';
export { spawnNode, type SpawnedNode } from './child-process.js';
export { createScratchDatabase } from './scratch-database.js';
export { describeOnDatabases, type TestDatabaseTarget } from './databases.js';
export { consumersHealth, startDistributedService, type DistributedService, type ServiceUnderTest } from './distributed-service.js';
export { embeddedAppForSuite } from './embedded-app.js';
export { apiFetch, errorAnswer, postBody, TEST_API_KEY } from './http-answers.js';
export { OUTSIDE_TEXT, OUTSIDE_TEXT_STORED } from './outside-text.js';
export { REPO_ROOT } from './repo-root.js';
export { chatCompletion, startChatCompletionsServer, type ChatCompletionsHandler, type ChatCompletionsServer, type ScriptedReply } from './chat-completions-server.js';
