import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo-root.js';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;
const SOURCE = /\.[cm]?[jt]sx?$/;
/** `from '…'`, `import '…'`, `import('…')`, `require('…')` and `export … from '…'` of a scoped package, subpaths included. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])(@[\w.-]+\/[\w.-]+)(?:\/[^'"]*)?\1/g;
/** The launcher starts every service in one process: the one package that may import services. */
const LAUNCHER = 'packages/cli';

type Manifest = { name?: string } & Partial<Record<(typeof DEPENDENCY_FIELDS)[number], Record<string, string>>>;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

function workspaces(root: string, group: 'services' | 'packages'): Array<{ dir: string; manifest: Manifest }> {
  if (!existsSync(join(root, group))) return [];
  return readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')))
    .map((entry) => ({ dir: join(root, group, entry.name), manifest: JSON.parse(readFileSync(join(root, group, entry.name, 'package.json'), 'utf8')) as Manifest }));
}

/**
 * Every place a service depends on another service (a `services/*` package), or a package other
 * than the launcher on a service: a dependency in its package.json, or an import in any of its
 * sources (src, integration, bench…; not dist). Services talk over the bus and gRPC; code they
 * share is a package under packages/; tests of several services together live in packages/cli.
 */
function boundaryViolations(root: string): string[] {
  const services = new Map(workspaces(root, 'services').flatMap(({ dir, manifest }) => (manifest.name ? [[manifest.name, relative(join(root, 'services'), dir)] as const] : [])));
  const importers = [...workspaces(root, 'services'), ...workspaces(root, 'packages').filter(({ dir }) => relative(root, dir) !== LAUNCHER)];
  const violations: string[] = [];
  for (const { dir, manifest } of importers) {
    const forbidden = (name: string) => name !== manifest.name && services.has(name);
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(manifest[field] ?? {}).filter(forbidden)) {
        violations.push(`${relative(root, join(dir, 'package.json'))}: ${field} names ${name} (the ${services.get(name)} service)`);
      }
    }
    for (const file of sourceFiles(dir)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        if (!forbidden(match[2]!)) continue;
        const line = text.slice(0, match.index).split('\n').length;
        violations.push(`${relative(root, file)}:${line}: imports ${match[2]} (the ${services.get(match[2]!)} service)`);
      }
    }
  }
  return violations;
}

describe('service boundaries', () => {
  it('no service imports another service, and no package but the launcher imports a service', () => {
    // Share the code as a package under packages/ (as @distillery/dealership and @distillery/reference-teacher are), or test the services together in packages/cli.
    expect(boundaryViolations(REPO_ROOT)).toEqual([]);
  });

  it('finds a dependency and every form of import of another service, and lets a service import itself and packages', () => {
    const root = mkdtempSync(join(tmpdir(), 'distillery-boundaries-'));
    const workspace = (path: string, manifest: Manifest, files: Record<string, string> = {}) => {
      mkdirSync(join(root, path), { recursive: true });
      writeFileSync(join(root, path, 'package.json'), JSON.stringify(manifest));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path, file)), { recursive: true });
        writeFileSync(join(root, path, file), text);
      }
    };
    try {
      workspace('services/agents', { name: '@acme/agents' }, { 'src/index.ts': "export { x } from './x.js';\n" });
      workspace('services/judge', { name: '@acme/judge', dependencies: { '@acme/agents': '1', '@acme/llm': '1' } }, {
        'src/a.ts': "import { readPrompt } from '@acme/agents';\nimport { z } from 'zod';\n",
        'src/b.ts': "import type { X } from \"@acme/agents/sub\";\nimport { judgeService } from '@acme/judge';\n",
        'integration/c.int-spec.ts': "const agents = await import('@acme/agents');\nimport '@acme/agents';\nexport * from '@acme/agents';\n",
        'src/d.ts': "import { ModelPort } from '@acme/llm';\n",
        'dist/src/a.js': "import { readPrompt } from '@acme/agents';\n",
      });
      workspace('packages/llm', { name: '@acme/llm', devDependencies: { '@acme/judge': '1' } }, { 'src/e.ts': "import { judgeService } from '@acme/judge';\n" });
      workspace('packages/cli', { name: '@acme/cli', dependencies: { '@acme/judge': '1' } }, { 'src/f.ts': "import { judgeService } from '@acme/judge';\n" });
      expect(boundaryViolations(root).sort()).toEqual([
        'packages/llm/package.json: devDependencies names @acme/judge (the judge service)',
        'packages/llm/src/e.ts:1: imports @acme/judge (the judge service)',
        'services/judge/integration/c.int-spec.ts:1: imports @acme/agents (the agents service)',
        'services/judge/integration/c.int-spec.ts:2: imports @acme/agents (the agents service)',
        'services/judge/integration/c.int-spec.ts:3: imports @acme/agents (the agents service)',
        'services/judge/package.json: dependencies names @acme/agents (the agents service)',
        'services/judge/src/a.ts:1: imports @acme/agents (the agents service)',
        'services/judge/src/b.ts:1: imports @acme/agents (the agents service)',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
