import type { z } from 'zod';
import type { TopicName } from './topics.js';

/**
 * One message on one topic: its schema (the single source of truth), the version it is written
 * with, how its key is chosen (the unit of ordering), and an example for the consumer docs.
 */
export interface MessageContract<S extends z.ZodType = z.ZodType> {
  readonly topic: TopicName;
  readonly version: number;
  readonly schema: S;
  readonly description: string;
  /** What the key is, in words, for the docs. */
  readonly keyDescription: string;
  readonly key: (data: z.infer<S>) => string;
  readonly example: z.infer<S>;
}

export type MessageOf<C> = C extends MessageContract<infer S> ? z.infer<S> : never;

export function defineContract<S extends z.ZodType>(contract: MessageContract<S>): MessageContract<S> {
  return contract;
}
