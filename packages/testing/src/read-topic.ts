import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { eventually } from './eventually.js';

/** A record as read back from a topic (the shape of the bus's BusRecord). */
export interface TopicRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Reads a topic from the beginning up to its current end, with a throwaway consumer group. */
export async function readTopic(brokers: readonly string[], topic: string): Promise<TopicRecord[]> {
  const kafka = new Kafka({ clientId: 'test-reader', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((end) => [end.partition, Number(end.high)]));
  const records: TopicRecord[] = [];
  if ([...remaining.values()].every((high) => high === 0)) return records;
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
      records.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers });
    },
  });
  await eventually(() => [...remaining.entries()].every(([partition, high]) => records.filter((r) => r.partition === partition).length >= high), `reading ${topic}`, 60_000);
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
