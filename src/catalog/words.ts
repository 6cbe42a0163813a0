import { searchTerms } from './search.js';

/**
 * PostgreSQL's english stop words (tsearch_data/english.stop): both backends drop the same words,
 * so a search of stop words only ("the") filters nothing on either, and their sort keys agree.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  [
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself ',
    'she her hers herself it its itself they them their theirs themselves what which who whom ',
    'this that these those am is are was were be been being have has had having do does did doing ',
    'a an the and but if or because as until while of at by for with about against between into ',
    'through during before after above below to from up down in out on off over under again ',
    'further then once here there when where why how all any both each few more most other some ',
    'such no nor not only own same so than too very s t can will just don should now',
  ]
    .join('')
    .split(' '),
);

/**
 * A search's words as both backends read them: searchTerms' words less the stop words. None left
 * means no search at all (relevance then sorts as newest, as PostgreSQL's empty tsquery does).
 */
export const searchWords = (search: string | undefined): string[] =>
  search ? searchTerms(search).filter((w) => !STOP_WORDS.has(w)) : [];

/** Shortest last word a suggestion completes: one letter would match a good part of the catalog. */
export const SUGGEST_MIN_PREFIX = 2;

/**
 * What search-as-you-type looks for: every word in a product's name, the last one as a prefix.
 * Null when there is nothing worth looking up yet (only stop words, or a one-letter last word).
 */
export function suggestWords(typed: string): string[] | null {
  const words = searchWords(typed);
  const last = words.at(-1);
  return last && last.length >= SUGGEST_MIN_PREFIX ? words : null;
}
