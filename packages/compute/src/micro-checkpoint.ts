import type { ComputeEvent } from './compute-event.js';
import { runPythonJob } from './compute-job.js';
import { requirePython } from './compute-python.js';

/** The checkpoint dir writeMicroCheckpoint made. */
export interface MicroCheckpointDoneEvent extends ComputeEvent {
  readonly event: 'done';
  readonly checkpoint: string;
  readonly layers: number;
}

export interface MicroCheckpointOptions {
  /** The checkpoint dir to write (it must not exist). */
  readonly out: string;
  /** Decoder layers (EAGLE-3 reads three of them: 8, as the compute plane's speculative tests use, is the smallest it likes). */
  readonly layers?: number;
  readonly seed?: number;
  readonly python?: string;
}

/**
 * The compute plane's micro model (vocabulary 384, width 64) with `layers` layers and a small
 * trained chat tokenizer, written as a student checkpoint (config.json, model.safetensors,
 * manifest.json, tokenizer files) in a second: for tests of the services that drive the drafter
 * job and the engine, where the trainer's bootstrap would take minutes. Its weights are random but
 * peaked (init std 0.3), so greedy decoding has no near ties and speculative decoding reproduces it
 * exactly in float32.
 */
export function writeMicroCheckpoint(options: MicroCheckpointOptions): Promise<MicroCheckpointDoneEvent> {
  const script = `
import random, sys, tempfile
from pathlib import Path
import torch
from distillery_compute.checkpoint import save_checkpoint
from distillery_compute.model import ModelArgs, Transformer, init_weights
from distillery_compute.progress import emit
from distillery_compute.tokenizer import train_tokenizer
out, layers, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
words = "the customer wants a red sedan with low mileage and asks about financing options for next week we have three cars in stock price trade-in appointment".split()
rng = random.Random(seed)
texts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 14))) for _ in range(400)]
with tempfile.TemporaryDirectory() as tok_dir:
    train_tokenizer(texts, vocab_size=384, out_dir=tok_dir)
    files = {name: (Path(tok_dir) / name).read_bytes() for name in ("tokenizer.json", "tokenizer_config.json")}
args = ModelArgs.from_name("micro").replace(vocab_size=384, max_seq_len=256, n_layers=layers)
torch.manual_seed(seed)
model = Transformer(args)
model.apply(lambda m: init_weights(m, std=0.3))
save_checkpoint(model.float(), args, out, torch.float32, extra_files=files)
emit("done", checkpoint=str(out), layers=layers)
`;
  let python: string;
  try {
    python = requirePython(options.python);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return runPythonJob<MicroCheckpointDoneEvent>(python, ['-c', script, options.out, String(options.layers ?? 8), String(options.seed ?? 0)]);
}
