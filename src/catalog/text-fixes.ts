/** Small pure string helpers used by the cleaners and id generation. */

// Bytes 0x80..0xFF as Mac OS Roman and as Windows-1252 (U+FFFD where 1252 leaves a byte undefined).
const MAC_ROMAN_HIGH =
  '\u00c4\u00c5\u00c7\u00c9\u00d1\u00d6\u00dc\u00e1\u00e0\u00e2\u00e4\u00e3\u00e5\u00e7\u00e9\u00e8' +
  '\u00ea\u00eb\u00ed\u00ec\u00ee\u00ef\u00f1\u00f3\u00f2\u00f4\u00f6\u00f5\u00fa\u00f9\u00fb\u00fc' +
  '\u2020\u00b0\u00a2\u00a3\u00a7\u2022\u00b6\u00df\u00ae\u00a9\u2122\u00b4\u00a8\u2260\u00c6\u00d8' +
  '\u221e\u00b1\u2264\u2265\u00a5\u00b5\u2202\u2211\u220f\u03c0\u222b\u00aa\u00ba\u03a9\u00e6\u00f8' +
  '\u00bf\u00a1\u00ac\u221a\u0192\u2248\u2206\u00ab\u00bb\u2026\u00a0\u00c0\u00c3\u00d5\u0152\u0153' +
  '\u2013\u2014\u201c\u201d\u2018\u2019\u00f7\u25ca\u00ff\u0178\u2044\u20ac\u2039\u203a\ufb01\ufb02' +
  '\u2021\u00b7\u201a\u201e\u2030\u00c2\u00ca\u00c1\u00cb\u00c8\u00cd\u00ce\u00cf\u00cc\u00d3\u00d4' +
  '\uf8ff\u00d2\u00da\u00db\u00d9\u0131\u02c6\u02dc\u00af\u02d8\u02d9\u02da\u00b8\u02dd\u02db\u02c7';
const CP1252_HIGH =
  '\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd' +
  '\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178' +
  Array.from({ length: 96 }, (_, i) => String.fromCharCode(0xa0 + i)).join('');

const MOJIBAKE_REPAIR: ReadonlyMap<string, string> = new Map(
  [...MAC_ROMAN_HIGH].map((mac, i) => [mac, CP1252_HIGH[i] ?? '\ufffd']),
);

/**
 * A repaired character must be plausible text: a Latin-1 letter or symbol, or an ellipsis standing
 * alone. Correct accented text maps to cp1252 oddities instead ("é" -> "Ž", "ü" -> "Ÿ") and is kept.
 */
function plausibleRepair(fixed: string, chars: readonly string[], i: number): boolean {
  if (fixed === '\u2026') return !/\p{L}/u.test(chars[i - 1] ?? '') && !/\p{L}/u.test(chars[i + 1] ?? '');
  const code = fixed.charCodeAt(0);
  return code >= 0xa0 && code <= 0xff;
}

/**
 * Undoes Windows-1252 text that was decoded as Mac Roman ("LÈon" -> "Léon", "2Ω" -> "2½").
 * The string is only changed when every non-ASCII character repairs plausibly, so correct text
 * such as "Léon" or "Alien³" is left alone.
 */
export function repairMacRomanMojibake(text: string): string {
  const chars = [...text];
  let changed = false;
  const out = chars.map((ch, i) => {
    if (ch.charCodeAt(0) < 0x80) return ch;
    const fixed = MOJIBAKE_REPAIR.get(ch);
    if (fixed === ch) return ch;
    if (fixed === undefined || !plausibleRepair(fixed, chars, i)) return null;
    changed = true;
    return fixed;
  });
  return changed && !out.includes(null) ? out.join('') : text;
}

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Library-style sort titles back to reading order: "Secret, The" -> "The Secret". */
export function uninvertArticle(title: string): string {
  const match = /^(.+), (The|A|An)$/.exec(title);
  return match ? `${match[2]} ${match[1]}` : title;
}

/** Lowercase, accent-free text for ids and tokens: "Schindler's" -> "schindlers", "2½" -> "2 1/2". */
export function foldText(text: string): string {
  return text
    .replace(/['\u2019]/g, '')
    .replace(/(\d)(?=[\u00bc-\u00be\u2150-\u215e])/g, '$1 ')
    .replace(/\u00a2/g, 'c')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** Lowercase ASCII slug: "Schindler's List" -> "schindlers-list", "Léon" -> "leon". */
export function slugify(text: string): string {
  return foldText(text.replace(/&/g, ' and '))
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
