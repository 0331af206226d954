import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computePython } from './compute-python.js';
import { writeMicroCheckpoint } from './micro-checkpoint.js';

describe.skipIf(!computePython({}))('a micro checkpoint for tests (compute/.venv)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-micro-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a student checkpoint with its tokenizer and the layers asked for', async () => {
    const done = await writeMicroCheckpoint({ out: join(dir, 'ckpt'), layers: 8 });
    expect(done).toMatchObject({ event: 'done', checkpoint: join(dir, 'ckpt'), layers: 8 });
    expect((await readdir(join(dir, 'ckpt'))).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(JSON.parse(await readFile(join(dir, 'ckpt', 'config.json'), 'utf8'))).toMatchObject({ architectures: ['LlamaForCausalLM'], num_hidden_layers: 8, vocab_size: 384 });
  });
});
