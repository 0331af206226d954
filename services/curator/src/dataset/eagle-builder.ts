import { WordnetCorpus } from '../public-corpus/wordnet-corpus.js';
import type { EagleRow, SftRow } from './dataset-rows.js';
import { randomStream } from './seeded.js';

const SYSTEM = '<|system|>\nYou are a helpful, concise assistant.';

/** A short public dialogue opening about one WordNet entry: what a general-purpose user might ask. */
function externalQuestion(corpus: WordnetCorpus, index: number, pick: number): string {
  const { lemma, pos, examples, synonyms } = corpus.entry(index);
  const questions = [
    `What does the word "${lemma}" mean?`,
    `Explain the ${pos} "${lemma}" in one short paragraph.`,
    ...(examples.length ? [`Can you use "${lemma}" in a sentence?`] : []),
    ...(synonyms.length ? [`What is another word for "${lemma}"?`] : []),
  ];
  return questions[Math.floor(pick * questions.length)]!;
}

/**
 * Prompts for the drafter's data (paper §3.1, Table 2): the in-domain set is every distinct prompt
 * of the training calls (the student answers them as it will in production); the external set is
 * public dialogue openings over WordNet entries, `externalShare` of all prompts.
 */
export function buildEagleRows(trainRows: readonly SftRow[], corpus: WordnetCorpus, options: { readonly seed: number; readonly externalShare: number }): EagleRow[] {
  const seen = new Set<string>();
  const rows: EagleRow[] = [];
  for (const row of trainRows) {
    if (seen.has(row.prompt)) continue;
    seen.add(row.prompt);
    rows.push({ id: `eagle:${row.id}`, set: 'in-domain', prompt: row.prompt, source: 'agents', agent: row.agent });
  }
  const share = Math.min(0.9, Math.max(0, options.externalShare));
  const external = Math.min(corpus.size, Math.round((rows.length * share) / (1 - share)));
  const random = randomStream(options.seed, 'eagle/external');
  for (const index of corpus.sample(external, random)) {
    const { synset } = corpus.entry(index);
    rows.push({ id: `eagle:wordnet:${synset}`, set: 'external', prompt: `${SYSTEM}\n<|user|>\n${externalQuestion(corpus, index, random())}`, source: WordnetCorpus.SOURCE });
  }
  return rows;
}
