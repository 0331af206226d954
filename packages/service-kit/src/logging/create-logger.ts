import { type DestinationStream, pino, type Logger } from 'pino';

/** Where a logged object could carry a credential: pino writes `[redacted]` there. */
const SECRET_PATHS = ['apiKey', '*.apiKey', 'authorization', '*.authorization', '*.headers.authorization', '*.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]', '*.metadata.authorization', '*.metadata["x-api-key"]'];

/** Structured JSON logs on stdout (or `destination`), one object per line, with the service name on every line; credentials redacted. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: SECRET_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
