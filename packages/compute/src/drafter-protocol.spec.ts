import { describe, expect, it } from 'vitest';
import { drafterArgs } from './drafter-protocol.js';
import { serveArgs } from './serve-protocol.js';

describe('the drafter and serve command lines', () => {
  it('passes only the drafter options given, variants comma-separated', () => {
    expect(drafterArgs({ checkpoint: '/s', eagleRows: '/e.jsonl', evalRows: '/v.jsonl', runDir: '/run' })).toEqual([
      'drafter',
      '--checkpoint',
      '/s',
      '--eagle-rows',
      '/e.jsonl',
      '--eval-rows',
      '/v.jsonl',
      '--run-dir',
      '/run',
    ]);
    expect(drafterArgs({ checkpoint: '/s', eagleRows: '/e', evalRows: '/v', runDir: '/r', variants: ['synthetic', 'combined'], steps: 6, draftVocab: 64, lr: 0.0006, tttSteps: 7, maxNewTokens: 24, maxTokens: 512, maxBytes: 1024, maxPrompts: 8, evalLimit: 3, evalMaxTokens: 24 }).slice(9)).toEqual([
      '--variants',
      'synthetic,combined',
      '--steps',
      '6',
      '--draft-vocab',
      '64',
      '--lr',
      '0.0006',
      '--ttt-steps',
      '7',
      '--max-new-tokens',
      '24',
      '--max-tokens',
      '512',
      '--max-bytes',
      '1024',
      '--max-prompts',
      '8',
      '--eval-limit',
      '3',
      '--eval-max-tokens',
      '24',
    ]);
  });

  it('serves with a drafter only when one is given, with its method and draft length', () => {
    const plain = serveArgs({ checkpoint: '/ckpt', socket: '/s.sock', speculative: 'chain', draftTokens: 4 });
    expect(plain).not.toContain('--drafter');
    expect(plain).not.toContain('--speculative');
    expect(serveArgs({ checkpoint: '/ckpt', drafter: '/d', speculative: 'chain', draftTokens: 4 })).toEqual([
      'serve',
      '--checkpoint',
      '/ckpt',
      '--port',
      '0',
      '--drafter',
      '/d',
      '--speculative',
      'chain',
      '--draft-tokens',
      '4',
      '--exit-with-stdin',
    ]);
  });
});
