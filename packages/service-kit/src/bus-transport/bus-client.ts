import { ClientProxy, type ReadPacket } from '@nestjs/microservices';
import { type Bus, publishEvents } from '@distillery/bus';
import { CONTRACTS, type TopicName } from '@distillery/contracts';

/**
 * The producer side of the bus transport, as a Nest `ClientProxy`: `client.emit(topic, data)`
 * validates `data` against the topic's contract and publishes it (resolving once the bus has it,
 * acks=all on Kafka); an invalid event or an unknown topic is an error and nothing is sent. A
 * service that writes a database effect with its event uses the outbox instead, in the effect's
 * transaction, so that the two happen together or not at all; this client is for events with no
 * such effect (announcements, tools, tests). Request-response (`send`) has no meaning on a log.
 */
export class BusClient extends ClientProxy {
  constructor(
    private readonly bus: Bus,
    private readonly source: string,
  ) {
    super();
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: { err: unknown; isDisposed: true }) => void): () => void {
    callback({ err: new Error(`the bus carries events only: emit ${String(packet.pattern)} instead of send`), isDisposed: true });
    return () => undefined;
  }

  protected async dispatchEvent<T = string[]>(packet: ReadPacket): Promise<T> {
    const topic = String(packet.pattern);
    if (!Object.hasOwn(CONTRACTS, topic)) throw new Error(`no contract for topic ${JSON.stringify(topic)}; known: ${Object.keys(CONTRACTS).join(', ')}`);
    return (await publishEvents(this.bus, CONTRACTS[topic as TopicName], [packet.data], { source: this.source })) as T;
  }
}
