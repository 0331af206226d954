import type { Completion, CompletionRequest, ModelPort } from '@distillery/llm';

/**
 * The session metadata key that pins the serving model of a session's turns: the deploy gate runs
 * its E2E stress test through the agents against one version under test (`student-dealership@ckpt_abc`)
 * while other sessions keep DISTILLERY_SERVING_MODEL. Only admin tenants, only on the `serving`
 * backend (request-checks.ts `checkServingModel`).
 */
export const SERVING_MODEL_KEY = 'serving_model';

/** The model a session's turns call: `model` itself, or `model` pinned to the session's `serving_model`. */
export function sessionModel(model: ModelPort, session: { readonly metadata: Readonly<Record<string, string>> }): ModelPort {
  const pinned = session.metadata[SERVING_MODEL_KEY];
  return pinned === undefined ? model : new PinnedModel(model, pinned);
}

/** A ModelPort whose every call names one model on the endpoint (the request's `model`). */
export class PinnedModel implements ModelPort {
  readonly backend: string;

  constructor(
    private readonly inner: ModelPort,
    readonly model: string,
  ) {
    this.backend = inner.backend;
  }

  complete(request: CompletionRequest): Promise<Completion> {
    return this.inner.complete({ ...request, model: this.model });
  }
}
