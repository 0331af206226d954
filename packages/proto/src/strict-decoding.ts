import { isUtf8 } from 'node:buffer';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { UndecodableMessageError } from './undecodable-message.error.js';

const { utf8 } = protobuf.util;

/**
 * protobufjs' reader for Node buffers clamps a string whose length runs past the end of the
 * buffer instead of refusing it, so a frame cut inside a string decodes to a shorter string
 * (protobufjs 7, `BufferReader.prototype.string`). The base reader checks every length against
 * the end; this one also refuses a string that is not UTF-8, as proto3 requires — but for the
 * bytes a JavaScript client (protobufjs, so grpc-js) writes for a string with a lone surrogate:
 * those decode back to that string, for the server's field checks to refuse by the field's name.
 */
class StrictReader extends protobuf.Reader {
  override string(): string {
    const bytes = this.bytes();
    if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const text = utf8.read(bytes, 0, bytes.length);
    const written = Buffer.alloc(utf8.length(text));
    utf8.write(text, written, 0);
    if (!written.equals(bytes)) throw new Error('a string field is not valid UTF-8');
    return text;
  }
}

/**
 * Every method of every service in `definition` with deserializers that refuse bytes protobuf
 * itself refuses, with an UndecodableMessageError. proto-loader's deserializer hands its argument
 * to the message type's `decode`, which takes a reader as readily as a buffer.
 */
export function strictDeserializers(definition: PackageDefinition): PackageDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([name, entry]) => {
      if ('format' in entry) return [name, entry]; // a message or enum type
      const methods = Object.entries(entry).map(([method, call]) => [
        method,
        {
          ...call,
          requestDeserialize: strictly(`${method} request`, call.requestDeserialize),
          responseDeserialize: strictly(`${method} response`, call.responseDeserialize),
        },
      ]);
      return [name, Object.fromEntries(methods)];
    }),
  );
}

function strictly<T>(what: string, deserialize: (bytes: Buffer) => T): (bytes: Buffer) => T {
  return (bytes) => {
    try {
      return deserialize(new StrictReader(bytes) as unknown as Buffer);
    } catch (error) {
      throw new UndecodableMessageError(what, error instanceof Error ? error.message : String(error));
    }
  };
}

/**
 * `service` for a server: a request that does not decode reaches the handler as its
 * UndecodableMessageError (see `undecodable`) instead of failing in the deserializer, which
 * grpc-js answers with INTERNAL; the handler answers INVALID_ARGUMENT.
 */
export function withUndecodableRequests<S extends ServiceDefinition>(service: S): S {
  const methods = Object.entries(service).map(([method, call]) => [
    method,
    {
      ...call,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return call.requestDeserialize(bytes);
        } catch (error) {
          if (error instanceof UndecodableMessageError) return error;
          throw error;
        }
      },
    },
  ]);
  return Object.fromEntries(methods) as S;
}

/** The decode error a handler of a `withUndecodableRequests` service got instead of its request, if it did. */
export function undecodable(request: object): UndecodableMessageError | undefined {
  return request instanceof UndecodableMessageError ? request : undefined;
}
