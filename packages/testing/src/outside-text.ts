/**
 * Text as any producer may send it: NUL, ESC, DEL and lone UTF-16 surrogates on either side of a
 * valid surrogate pair.
 */
export const OUTSIDE_TEXT = 'nul\u0000 esc\u001B del\u007F lone\uD800 pair😀 lone\uDE00';

/** OUTSIDE_TEXT as the stores keep it: each control character and lone surrogate as U+FFFD, the pair intact. */
export const OUTSIDE_TEXT_STORED = 'nul\uFFFD esc\uFFFD del\uFFFD lone\uFFFD pair😀 lone\uFFFD';
