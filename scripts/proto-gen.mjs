#!/usr/bin/env node
// Generates the TypeScript types of proto/**/*.proto into packages/proto/src/generated with
// @grpc/proto-loader's generator. `--check` generates into a temp dir and fails on any drift (CI).
//   node scripts/proto-gen.mjs [--check]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const protoDir = join(root, 'proto');
const target = join(root, 'packages/proto/src/generated');
const check = process.argv.includes('--check');

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();

function generate(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  const protos = walk(protoDir).filter((file) => file.endsWith('.proto')).map((file) => relative(protoDir, file));
  execFileSync(
    join(root, 'node_modules/.bin/proto-loader-gen-types'),
    ['--grpcLib=@grpc/grpc-js', '--longs=String', '--enums=String', '--defaults', '--oneofs', '--includeComments',
      // Relative paths: the generated headers name `proto/…`, the same on every machine.
      '--importFileExtension=.js', '-I', 'proto', '-O', outDir, ...protos],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return walk(outDir).map((file) => relative(outDir, file));
}

if (!check) {
  const files = generate(target);
  console.log(`generated ${files.length} files in ${relative(root, target)}`);
} else {
  const scratch = mkdtempSync(join(tmpdir(), 'distillery-proto-'));
  const fresh = generate(join(scratch, 'generated'));
  const current = walk(target).map((file) => relative(target, file));
  const drifted = [...new Set([...fresh, ...current])].filter((file) => {
    try {
      return readFileSync(join(scratch, 'generated', file), 'utf8') !== readFileSync(join(target, file), 'utf8');
    } catch {
      return true;
    }
  });
  rmSync(scratch, { recursive: true, force: true });
  if (drifted.length > 0) {
    console.error(`generated proto types are stale (${drifted.join(', ')}): run \`npm run proto:gen\` and commit`);
    process.exit(1);
  }
  console.log(`proto types are up to date (${fresh.length} files)`);
}
