/**
 * Limits for text that quotes user input back in an error message: a message must stay readable
 * (and cheap to render) whatever the input was, so quoted values and whole messages are capped.
 */

/** Longest quoted value, in characters, before it is cut. */
export const QUOTE_LIMIT = 60;
/** Longest message a user is shown, in characters. */
export const MESSAGE_LIMIT = 400;

/** Cuts `text` to at most `max` characters, saying how long it really was. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `… (${text.length} characters)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

/**
 * A value as JSON for a message, at most `max` characters. Never throws: values JSON cannot
 * represent (undefined, functions, BigInt, cycles) are described instead.
 */
export function quote(value: unknown, max = QUOTE_LIMIT): string {
  // A huge string is cut before it is stringified, so quoting it costs O(max), not O(length).
  if (typeof value === 'string' && value.length > max) {
    return `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) text = value === undefined ? 'undefined' : `a ${typeof value}`;
  return clip(text, max);
}

/** Caps a whole message (see MESSAGE_LIMIT). */
export function capMessage(message: string, max = MESSAGE_LIMIT): string {
  return clip(message, max);
}
