/** Thrown when a campaign asks for the `llm` policy but the service has no OpenAI-compatible endpoint configured (400). */
export class PolicyUnavailableError extends Error {
  override readonly name = 'PolicyUnavailableError';
  constructor() {
    super('the llm policy needs DISTILLERY_OPENAI_BASE_URL and DISTILLERY_OPENAI_MODEL (or DISTILLERY_SIMULATOR_OPENAI_MODEL) on the simulator service');
  }
}
