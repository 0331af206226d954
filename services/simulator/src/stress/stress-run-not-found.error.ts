import { echo } from '@distillery/contracts';

/** Thrown when a run id names no stress run this replica holds (404): never asked here, dropped as one of the oldest, or asked of a replica since restarted. */
export class StressRunNotFoundError extends Error {
  override readonly name = 'StressRunNotFoundError';
  constructor(readonly runId: string) {
    super(`no stress run ${echo(runId)} (runs are held in memory by the replica that took them; ask again)`);
  }
}
