import { type ChannelCredentials, credentials, ServerCredentials } from '@grpc/grpc-js';

/** A gRPC server's TLS: its certificate and key, the CA of its clients' certificates, and whether one is required (mutual TLS). */
export interface GrpcServerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  readonly requireClientCert: boolean;
}

/** A gRPC client's TLS: the CA that signed the server's certificate (else the system's) and, for mutual TLS, its own certificate and key. */
export interface GrpcClientTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** TLS server credentials, or plaintext when `tls` is undefined. */
export function grpcServerCredentials(tls: GrpcServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.requireClientCert);
}

/** TLS channel credentials, or plaintext when `tls` is undefined. */
export function grpcChannelCredentials(tls: GrpcClientTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}
