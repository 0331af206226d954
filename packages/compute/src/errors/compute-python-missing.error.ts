/** Thrown when a compute job is asked for and there is no interpreter: DISTILLERY_COMPUTE_PYTHON unset and no compute/.venv. */
export class ComputePythonMissingError extends Error {
  override readonly name = 'ComputePythonMissingError';

  constructor(readonly looked: string) {
    super(`no compute Python: DISTILLERY_COMPUTE_PYTHON is not set and ${looked} does not exist (run bash compute/bootstrap.sh)`);
  }
}
