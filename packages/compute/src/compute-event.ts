/**
 * One protocol line of a compute job's stdout (compute/distillery_compute/progress.py):
 * `{"event": "<name>", "ts": "2025-01-31T12:00:00.123Z", ...the event's own fields}`.
 */
export interface ComputeEvent {
  readonly event: string;
  readonly ts: string;
  readonly [field: string]: unknown;
}

/** Whether a parsed stdout line has the protocol's shape. */
export function isComputeEvent(value: unknown): value is ComputeEvent {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as ComputeEvent).event === 'string' && typeof (value as ComputeEvent).ts === 'string';
}

/** The slice of a pino-style logger a compute job writes to (its stderr lines, stray stdout lines). */
export interface ComputeLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}
