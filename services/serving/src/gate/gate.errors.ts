/** The gate cannot measure a version: its checkpoint names no dataset, or the dataset has no usable held-out rows. */
export class GateInputError extends Error {
  override readonly name = 'GateInputError';
}

/** A version the deploy gate refused: its agent-level metrics fell below the incumbent's beyond the tolerance (the message names them). */
export class GateRefusedError extends Error {
  override readonly name = 'GateRefusedError';
}

/** The E2E stress test could not measure a version: the simulator did not answer, or its run failed or ran out of time. */
export class GateE2eError extends Error {
  override readonly name = 'GateE2eError';
}
