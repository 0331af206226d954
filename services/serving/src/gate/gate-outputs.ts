import type { EvalRow } from '@distillery/evaluation';
import type { InferenceChunk, InferenceRequest } from '../inference/inference.types.js';

/** What the gate decodes with: an engine instance (or a test's stand-in). */
export interface GateEngine {
  readonly version: string;
  generate(request: InferenceRequest, signal: AbortSignal): AsyncIterable<InferenceChunk>;
}

/**
 * Each row's completion by `engine`, greedily from the row's prompt transcript exactly as the
 * trainer trained on it, at most `maxTokens` tokens, `concurrency` rows at a time (the engine
 * batches them). In row order; aborting `signal` stops every decode.
 */
export async function decodeRows(engine: GateEngine, rows: readonly EvalRow[], options: { readonly maxTokens: number; readonly concurrency: number; readonly signal: AbortSignal }): Promise<string[]> {
  const outputs: string[] = rows.map(() => '');
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < rows.length; index = next++) {
      const request: InferenceRequest = { model: engine.version, prompt: { transcript: rows[index]!.prompt }, maxTokens: options.maxTokens, temperature: 0, stop: [] };
      let text = '';
      for await (const chunk of engine.generate(request, options.signal)) text += chunk.text;
      outputs[index] = text.trim();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, rows.length)) }, worker));
  return outputs;
}
