import { type LogEntry, logLevel } from 'kafkajs';

/** The slice of a pino-style logger the bus writes to. */
export interface BusLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Routes kafkajs's own log lines into our structured logger (silent without one). */
export function kafkaLogCreator(logger: BusLogger | undefined) {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!logger) return;
      const { message, ...fields } = log;
      const entry = { component: 'kafkajs', ...fields };
      if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else logger.info(entry, message);
    };
}
