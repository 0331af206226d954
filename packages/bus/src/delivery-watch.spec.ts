import { describe, expect, it } from 'vitest';
import type { BusRecord } from './bus.port.js';
import { DeliveryWatch } from './delivery-watch.js';

const at = (topic: string, partition: number, offset: string): BusRecord => ({ topic, partition, offset, key: 'k', value: null, headers: {} });

describe('DeliveryWatch', () => {
  let clock = 0;
  const watch = () => new DeliveryWatch({ stuckAfterMs: 1_000, now: () => clock });

  it('reports a partition once one record has failed there for the threshold, counting from its first failure', () => {
    clock = 10_000;
    const subject = watch();
    subject.failed('g', at('t', 1, '7'), new Error('first'));
    clock += 999;
    subject.failed('g', at('t', 1, '7'), new TypeError('second'));
    expect(subject.stuck()).toEqual([]);
    clock += 1;
    expect(subject.stuck()).toEqual([{ groupId: 'g', topic: 't', partition: 1, offset: '7', since: new Date(10_000).toISOString(), failures: 2, error: 'TypeError: second' }]);
  });

  it('stops reporting it once the record is delivered', () => {
    clock = 0;
    const subject = watch();
    subject.failed('g', at('t', 0, '3'), new Error('no'));
    clock += 5_000;
    expect(subject.stuck()).toHaveLength(1);
    subject.delivered('g', at('t', 0, '3'));
    expect(subject.stuck()).toEqual([]);
  });

  it('starts over when a later record on the partition fails (the one before went through)', () => {
    clock = 0;
    const subject = watch();
    subject.failed('g', at('t', 0, '3'), new Error('no'));
    clock += 5_000;
    subject.failed('g', at('t', 0, '4'), new Error('no again'));
    expect(subject.stuck()).toEqual([]);
    clock += 1_000;
    expect(subject.stuck()).toEqual([expect.objectContaining({ offset: '4', failures: 1 })]);
  });

  it('keeps groups and partitions apart, and forgets the partitions a group let go of', () => {
    clock = 0;
    const subject = watch();
    subject.failed('g', at('t', 0, '1'), 'a');
    subject.failed('g', at('t', 1, '1'), 'b');
    subject.failed('h', at('t', 0, '1'), 'c');
    clock += 1_000;
    expect(subject.stuck()).toHaveLength(3);
    subject.delivered('h', at('t', 0, '1'));
    subject.forget('g', (_topic, partition) => partition === 1);
    expect(subject.stuck()).toEqual([expect.objectContaining({ groupId: 'g', partition: 0, error: 'a' })]);
    subject.forget('g');
    expect(subject.stuck()).toEqual([]);
  });
});
