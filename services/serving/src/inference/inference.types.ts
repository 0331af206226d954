/** One chat message of a prompt. */
export interface PromptMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** A completion to make, whichever API asked for it (OpenAI HTTP, gRPC): checked, defaults applied. */
export interface InferenceRequest {
  /** A model id (`student-dealership`: its active version) or one version (`student-dealership@ckpt_0007`). */
  readonly model: string;
  /** Chat messages (the tokenizer's chat template), plain text, or the agents' role-marker transcript exactly as the trainer trains on it (the deploy gate's held-out rows; local engines only). */
  readonly prompt: { readonly messages: readonly PromptMessage[] } | { readonly text: string } | { readonly transcript: string };
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP?: number;
  readonly stop: readonly string[];
  readonly seed?: number;
  /** Benchmarks: always maxTokens tokens. */
  readonly ignoreEos?: boolean;
}

/** What one engine step added to a completion; the last chunk has `finishReason`. */
export interface InferenceChunk {
  /** The version answering: `<model id>@<checkpoint id>`. */
  readonly model: string;
  readonly text: string;
  /** "stop", "length" or "abort" on the last chunk. */
  readonly finishReason?: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
}

/** A model the service answers for, as /v1/models and ListModels list it. */
export interface ServedModel {
  /** What a request names: a version (`model@checkpoint`) or a model id (its active version). */
  readonly id: string;
  /** For a model id, the version it routes to now; for a version, itself. */
  readonly root: string;
  /** For a version, its model id. */
  readonly parent?: string;
  readonly format: string;
  /** How its engine holds the weights (absent for an upstream model). */
  readonly precision?: 'bf16' | 'fp8';
  /** An FP8 version's calibration: the set its activation scales come from and how many texts. */
  readonly calibration?: { readonly set: string; readonly samples: number };
  readonly createdAt: number;
  /** The file manifest it was loaded from: the checkpoint's, an FP8 version's student (absent for a packaged base or an upstream model). */
  readonly checkpoint?: { readonly uri: string; readonly sha256: string; readonly size: number; readonly kind: string };
}

/** Where completions come from: local engines (ModelRouter) or an upstream OpenAI-compatible server (UpstreamBackend). */
export interface InferenceBackend {
  /** The completion's chunks; aborting `signal` stops the decoding. Throws ServingError subclasses. */
  generate(request: InferenceRequest, signal: AbortSignal): AsyncIterable<InferenceChunk>;
  models(): Promise<readonly ServedModel[]>;
}
