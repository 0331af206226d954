import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A stage the fake job reports, and what its model "decoded" for the held-out rows. */
export interface FakeTrainStage {
  readonly stage: string;
  /**
   * Present: the stage writes `<stage>/eval_outputs.jsonl` as stages.py does, one line a held-out
   * row of `--eval`, each the row's reference output unless this names another for its id; with
   * `--eval-heldout`, `<stage>/eval_outputs.heldout.jsonl` the same way for its rows.
   * Absent: the stage decodes nothing.
   */
  readonly outputs?: Readonly<Record<string, string>>;
}

/**
 * Writes a stand-in for the compute Python (an executable Node script at `<dir>/python`) that
 * answers `-m distillery_compute train` as the compute plane does, without training: for each
 * stage a stage_start and a stage_done line and its run-dir folder (with eval_outputs.jsonl, and
 * eval_outputs.heldout.jsonl given --eval-heldout, where asked), then a student dir whose manifest.json hashes its files, report.json and the done line.
 * Anything else exits 2 with a line on stderr. Returns the script's path (CheckpointTrainer's `python`).
 */
export async function writeFakeTrainPython(dir: string, stages: readonly FakeTrainStage[]): Promise<string> {
  const path = join(dir, 'python');
  await writeFile(
    path,
    `#!/usr/bin/env node
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const plan = ${JSON.stringify(stages)};
const argv = process.argv.slice(2);
if (argv.slice(0, 3).join(' ') !== '-m distillery_compute train') {
  console.error('fake python: not a train command: ' + argv.join(' '));
  process.exit(2);
}
const flag = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const runDir = flag('--run-dir');
const emit = (event, fields) => console.log(JSON.stringify({ event, ts: new Date().toISOString(), ...fields }));
const read = (file) => (file ? fs.readFileSync(file, 'utf8').split('\\n').filter((line) => line.trim()).map((line) => JSON.parse(line)) : []);
const rows = read(flag('--eval'));
const heldOutRows = read(flag('--eval-heldout'));
const decode = (list, outputs) => list.map((row) => JSON.stringify({ id: row.id, agent: row.agent, output: outputs[row.id] ?? row.output }) + '\\n').join('');
const report = [];
for (const { stage, outputs } of plan) {
  emit('stage_start', { stage });
  const checkpoint = path.join(runDir, stage, 'checkpoint');
  fs.mkdirSync(checkpoint, { recursive: true });
  const metrics = { train_loss: 1.5, steps: 2 };
  if (outputs && rows.length) {
    fs.writeFileSync(path.join(runDir, stage, 'eval_outputs.jsonl'), decode(rows, outputs));
    metrics.decoded_rows = rows.length;
    if (heldOutRows.length) {
      fs.writeFileSync(path.join(runDir, stage, 'eval_outputs.heldout.jsonl'), decode(heldOutRows, outputs));
      metrics.heldout_decoded_rows = heldOutRows.length;
    }
  }
  emit('stage_done', { stage, checkpoint, metrics, skipped: false });
  report.push({ stage, metrics, checkpoint, skipped: false });
}
const student = path.join(runDir, 'student');
fs.mkdirSync(student, { recursive: true });
const files = { 'model.safetensors': 'weights', 'config.json': '{"hidden_size":64}' };
for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(student, name), text);
const listed = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, { sha256: createHash('sha256').update(text).digest('hex'), size: text.length }]));
fs.writeFileSync(path.join(student, 'manifest.json'), JSON.stringify({ format: 1, files: listed }));
const summary = { stages: report, student, tokenizer: path.join(student, 'tokenizer.json'), wall_s: 0.1 };
fs.writeFileSync(path.join(runDir, 'report.json'), JSON.stringify(summary));
emit('done', { student, report: path.join(runDir, 'report.json'), stages: report, wall_s: 0.1 });
`,
  );
  await chmod(path, 0o755);
  return path;
}
