import type { WordnetCorpus } from '../public-corpus/wordnet-corpus.js';
import type { CptRow } from './dataset-rows.js';
import type { DomainDocument } from './domain-documents.js';
import { randomStream, shuffled } from './seeded.js';

export interface CptBuild {
  readonly rows: CptRow[];
  readonly domainByKind: Record<string, number>;
  readonly publicDocuments: number;
}

/**
 * The CPT corpus: the domain documents and, for `publicShare` of all documents, WordNet glosses drawn
 * by the seed (public text keeps the general language the student must not forget), mixed in one
 * seeded order. Every row carries its context C_x apart from its text.
 */
export function buildCptRows(domain: readonly DomainDocument[], corpus: WordnetCorpus, options: { readonly seed: number; readonly publicShare: number }): CptBuild {
  const share = Math.min(0.95, Math.max(0, options.publicShare));
  const wanted = Math.min(corpus.size, Math.round((domain.length * share) / (1 - share)));
  const publicRows = corpus.sample(wanted, randomStream(options.seed, 'cpt/public')).map((index): CptRow => {
    const document = corpus.document(index);
    return { id: document.id, text: document.text, context: document.context, source: 'public', kind: 'wordnet' };
  });
  const domainRows = domain.map((document): CptRow => ({ id: document.id, text: document.text, context: document.context, source: 'domain', kind: document.kind }));
  const domainByKind: Record<string, number> = {};
  for (const row of domainRows) domainByKind[row.kind] = (domainByKind[row.kind] ?? 0) + 1;
  return { rows: shuffled([...domainRows, ...publicRows], randomStream(options.seed, 'cpt/mix')), domainByKind, publicDocuments: publicRows.length };
}
