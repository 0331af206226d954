import { Kafka, logLevel } from 'kafkajs';
import { eventually } from './eventually.js';

/**
 * Moves consumer groups to the ends of their topics, so a test's services start past earlier runs'
 * events. A member an earlier test killed stays in its group until its session times out, and
 * offsets can only be set on an empty group: that is waited out (up to a minute per group).
 */
export async function skipGroupsToTopicEnds(brokers: readonly string[], groups: ReadonlyArray<readonly [groupId: string, topic: string]>): Promise<void> {
  const admin = new Kafka({ clientId: 'distillery-test-admin', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const [groupId, topic] of groups) {
      const ends = await admin.fetchTopicOffsets(topic);
      await eventually(
        async () => {
          const [group] = (await admin.describeGroups([groupId])).groups;
          if ((group?.members.length ?? 0) > 0) return false;
          await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
          return true;
        },
        `the ${groupId} group empty, to set its offsets`,
        60_000,
        500,
      );
    }
  } finally {
    await admin.disconnect();
  }
}
