/** Thrown when the LLM judge's answer is not a usable verdict (not the JSON asked for, or a correction that fails the checks); the judge asks again. */
export class UnusableVerdictError extends Error {
  override readonly name = 'UnusableVerdictError';
}
