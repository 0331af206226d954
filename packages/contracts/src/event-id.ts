import { createHash, randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` has the UUID form every envelope id has (docs/messages.md). */
export function isEventId(id: string): boolean {
  return UUID.test(id);
}

/** A fresh event id. */
export function newEventId(): string {
  return randomUUID();
}

/**
 * The event id of the one event a producer derives from `name` on `topic` (a name-based UUID,
 * version 5 layout over SHA-256): the same inputs give the same id, so a producer that writes the
 * event again after a crash writes the same event, and consumers dedupe it.
 */
export function eventIdFor(topic: string, name: string): string {
  const hex = createHash('sha256').update(`${topic}\u0000${name}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
