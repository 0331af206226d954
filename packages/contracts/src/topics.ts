/** The pipeline's topics, in flow order. Each has a dead-letter twin `<topic>.dlq`. */
export const TOPICS = [
  'traces.raw',
  'campaigns.completed',
  'traces.refined',
  'datasets.ready',
  'checkpoints.bf16',
  'drafters.ready',
  'checkpoints.fp8',
  'deployments.gated',
] as const;

export type TopicName = (typeof TOPICS)[number];
export type DlqTopicName = `${TopicName}.dlq`;

export const DLQ_SUFFIX = '.dlq';

/** The dead-letter twin of a topic: where messages go that cannot be processed. */
export function dlqOf(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

/** Every topic the platform creates at start-up: the topics and their dead-letter twins. */
export function allTopics(): string[] {
  return TOPICS.flatMap((topic) => [topic, dlqOf(topic)]);
}

export function isTopicName(value: string): value is TopicName {
  return (TOPICS as readonly string[]).includes(value);
}
