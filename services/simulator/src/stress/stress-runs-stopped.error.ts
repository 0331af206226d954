/** Thrown when a stress run is asked of a replica that is draining (503): another replica, or this one restarted, takes it. */
export class StressRunsStoppedError extends Error {
  override readonly name = 'StressRunsStoppedError';
  constructor() {
    super('the simulator is stopping and takes no new stress runs; ask again');
  }
}
