import { DEFAULT_RULES } from '@distillery/dealership';
import { describe, expect, it } from 'vitest';
import { WordnetCorpus } from '../public-corpus/wordnet-corpus.js';
import { simpleTurn } from '../testing/turn-builders.js';
import { conversationDocument } from './conversation-documents.js';
import { buildCptRows } from './cpt-builder.js';
import { dealershipDocuments } from './domain-documents.js';

const corpus = WordnetCorpus.load();
const domain = dealershipDocuments(DEFAULT_RULES, 7);

describe('the CPT corpus', () => {
  it('describes the inventory, catalog, lots, policies, tools and FAQ of the dealership', () => {
    const kinds = new Map<string, number>();
    for (const document of domain) kinds.set(document.kind, (kinds.get(document.kind) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toMatchObject({ vehicle: 320, model: 32, lot: 3, policy: 6, tool: 12 });
    expect(kinds.get('faq')).toBeGreaterThanOrEqual(20);
    expect(domain.find((document) => document.kind === 'faq' && document.text.includes('fair credit'))!.text).toContain('84-month terms are not offered to fair credit');
  });

  it('gives every document its context C_x apart from its text', () => {
    const { rows } = buildCptRows(domain, corpus, { seed: 7, publicShare: 0.3 });
    for (const row of rows) {
      expect(row.context.length).toBeGreaterThan(0);
      expect(row.text.length).toBeGreaterThan(0);
      expect(row.text).not.toContain(row.context);
    }
    expect(rows.filter((row) => row.source === 'domain').every((row) => /^title: .+ \| source: .+/.test(row.context))).toBe(true);
    expect(rows.filter((row) => row.source === 'public').every((row) => /^source: WordNet 3\.1 \| lemma: .+ \| pos: (noun|verb|adjective|adverb)$/.test(row.context))).toBe(true);
  });

  it.each([0, 0.1, 0.3, 0.5])('caps the public share at %s of the documents', (share) => {
    const built = buildCptRows(domain, corpus, { seed: 7, publicShare: share });
    expect(built.publicDocuments / built.rows.length).toBeCloseTo(share, 2);
    expect(built.rows.filter((row) => row.source === 'public')).toHaveLength(built.publicDocuments);
    expect(new Set(built.rows.map((row) => row.id)).size).toBe(built.rows.length);
  });

  it('draws and mixes the same way for the same seed', () => {
    const ids = (seed: number) => buildCptRows(domain, corpus, { seed, publicShare: 0.3 }).rows.map((row) => row.id);
    expect(ids(7)).toEqual(ids(7));
    expect(ids(8)).not.toEqual(ids(7));
  });

  it('renders a conversation as its customer lines and refined replies', () => {
    const document = conversationDocument('c1', [simpleTurn('c1', 0, { say: 'hi, when are you open?' }), simpleTurn('c1', 1, { say: 'thanks' })])!;
    expect(document.text).toBe('Customer: hi, when are you open?\nAssistant: We are open 09:00–19:00 on weekdays.\nCustomer: thanks\nAssistant: We are open 09:00–19:00 on weekdays.');
    expect(document.context).toBe('title: Conversation c1 | source: simulated customer conversation | turns: 2 | tenant: t');
  });
});
