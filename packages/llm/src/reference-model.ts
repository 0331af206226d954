import { type Completion, type CompletionRequest, estimateTokens, type ModelPort, renderTranscript } from './model-port.js';
import { UnknownRoleError } from './unknown-role.error.js';

/** Plays one role: from the full request to the output text. Deterministic given its own seed. */
export type ReferencePolicy = (request: CompletionRequest) => string | Promise<string>;

/**
 * The `reference` backend: policies written as code, one per role, standing in for the teacher
 * LLM (embedded mode, tests, CI). Token counts are estimated.
 */
export class ReferenceModel implements ModelPort {
  readonly backend = 'reference';

  constructor(
    private readonly policies: Readonly<Record<string, ReferencePolicy>>,
    readonly model = 'reference-policy',
  ) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const policy = this.policies[request.role];
    if (!policy) throw new UnknownRoleError(request.role, Object.keys(this.policies));
    const started = performance.now();
    const text = await policy(request);
    return {
      text,
      backend: this.backend,
      model: this.model,
      inputTokens: estimateTokens(renderTranscript(request.messages)),
      outputTokens: estimateTokens(text),
      tokensEstimated: true,
      latencyMs: performance.now() - started,
    };
  }
}
