import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A quantize run dir as the compute plane writes it (student/, drafter/, manifest.json), with
 * made-up bytes (the BF16 student it names: sha256 of 'bf16 student weights'); `change` alters
 * what its manifests say.
 */
export async function writeQuantizeRun(dir: string, change: { target?: string; studentListsConfig?: string; namedDrafter?: string; exactMatch?: { bf16: number; fp8: number } } = {}): Promise<void> {
  const student = { 'config.json': '{"quantization_config": {}}', 'model.safetensors': 'fp8 student weights', 'tokenizer.json': '{}' };
  const drafter = { 'config.json': '{"architectures": ["LlamaForCausalLMEagle3"]}', 'model.safetensors': 'fp8 drafter weights' };
  const listing = (files: Record<string, string>) => Object.fromEntries(['config.json', 'model.safetensors'].map((name) => [name, { sha256: sha(files[name]!), size: files[name]!.length }]));
  await mkdir(join(dir, 'student'), { recursive: true });
  await mkdir(join(dir, 'drafter'), { recursive: true });
  for (const [name, text] of Object.entries(student)) await writeFile(join(dir, 'student', name), text);
  for (const [name, text] of Object.entries(drafter)) await writeFile(join(dir, 'drafter', name), text);
  const studentListing = listing(student);
  if (change.studentListsConfig) studentListing['config.json'] = { sha256: change.studentListsConfig, size: 1 };
  await writeFile(join(dir, 'student', 'manifest.json'), JSON.stringify({ format: 1, files: studentListing }));
  await writeFile(join(dir, 'drafter', 'manifest.json'), JSON.stringify({ format: 1, kind: 'eagle3-drafter', files: listing(drafter), target: join(dir, 'student') }));
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      format: 'fp8-e4m3-w8a8-static-per-tensor',
      target: { weights_sha256: change.target ?? sha('bf16 student weights') },
      student: { weights_sha256: sha(student['model.safetensors']) },
      drafter: { weights_sha256: change.namedDrafter ?? sha(drafter['model.safetensors']) },
      calibration: { set: 'mixed', length: 256, samples: 2 },
      clip_rates: { total: 1e-5, layers: { 'model.layers.0.mlp.down_proj': 2e-5 } },
      metrics: { bf16: { exact_match: change.exactMatch?.bf16 ?? 0.5 }, fp8: { exact_match: change.exactMatch?.fp8 ?? 0.5 }, greedy_agreement: 0.75, decode: { fp8: { tokens_per_s: 10 } } },
      acceptance: { bf16_drafter: { mean_accepted_length: 3.3, tokens_per_s: 17 }, fp8_drafter: { mean_accepted_length: 3.1, tokens_per_s: 16, spec: { method: 'chain' } } },
      memory: { saved_bytes: 1000 },
    }),
  );
}
