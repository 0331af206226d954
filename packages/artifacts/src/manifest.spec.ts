import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { manifestSchema, parseManifest } from './manifest.js';

const valid = {
  id: 'ckpt_01',
  kind: 'checkpoint',
  createdAt: '2025-03-04T05:06:07.890+01:00',
  createdBy: 'trainer',
  files: { 'model.safetensors': { uri: 'file:///a/b', sha256: 'a'.repeat(64), size: 10, kind: 'checkpoint' } },
  parents: [{ kind: 'dataset', id: 'ds_01', sha256: 'b'.repeat(64) }],
  metrics: { loss: 0.5 },
};

describe('manifestSchema', () => {
  it('accepts a valid manifest and defaults parents', () => {
    const parsed = parseManifest(valid);
    expect(parsed.files['model.safetensors']?.parents).toEqual([]);
    expect(parseManifest({ ...valid, parents: undefined }).parents).toEqual([]);
  });

  it.each([
    ['createdAt', { createdAt: '2025-13-45' }],
    ['createdBy', { createdBy: '' }],
    ['id', { id: '' }],
    ['id', { id: '../../etc' }],
    ['kind', { kind: 'Dataset/../x' }],
    ['files', { files: { x: { uri: 'http://nope', sha256: 'a'.repeat(64), size: 1, kind: 'k' } } }],
    ['parents', { parents: [{ kind: 'dataset', id: 'ds', sha256: 'XYZ' }] }],
    ['metrics', { metrics: { loss: 'low' } }],
  ])('rejects a bad %s with an issue naming it', (field, patch) => {
    const result = manifestSchema.safeParse({ ...valid, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});
