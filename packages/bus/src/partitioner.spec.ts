import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionFor } from './partitioner.js';

describe('partitionFor', () => {
  it('picks the same partition as the Kafka client for the same key', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2, 3, 4].map((partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
    for (let i = 0; i < 500; i++) {
      const key = `conv_${i}_${'x'.repeat(i % 7)}`;
      expect(partitionFor(key, 5)).toBe(partitioner({ topic: 't', partitionMetadata, message: { key, value: '' } }));
    }
  });

  it('spreads keys over every partition and keeps one key on one partition', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(partitionFor(`conv_${i}`, 3));
    expect([...seen].sort()).toEqual([0, 1, 2]);
    expect(partitionFor('conv_42', 3)).toBe(partitionFor('conv_42', 3));
  });
});
