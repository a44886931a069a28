/**
 * Text taken from spans, made safe to print: span data is written by whatever the agent read (a
 * hostile web page, a tool result), so a URL or status holding `ESC[2J` or an OSC 8 hyperlink
 * would otherwise clear the responder's terminal or plant a link, and a bidi override would make a
 * line read differently from what it holds. Every such character is shown, never dropped: the
 * responder must see that the data tried something.
 *
 * Owner of that rule for every human output (terminal tree, findings, tables, CSV, errors, the HTML
 * report); JSON output keeps the exact value and only writes these characters as `\uXXXX` escapes.
 */

/**
 * What is escaped:
 *  - C0 controls, DEL and C1 controls (ESC starts every CSI/OSC/DCS sequence; 0x9b is an 8-bit CSI),
 *    so a sequence stays on the line as harmless text (`\x1b[2J`);
 *  - bidi controls (U+061C, U+200E/F, U+202A–E embeddings and overrides, U+2066–9 isolates);
 *  - invisible characters that hide or smuggle text: soft hyphen, zero-width space/joiners, word
 *    joiner and invisible operators (U+2060–U+206F), BOM, line/paragraph separators (which some
 *    terminals break lines on), and Unicode tag characters (U+E0000–U+E007F, "ASCII smuggling").
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\u{e0000}-\u{e007f}]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCode(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** `text` with every control, bidi and invisible character written visibly (`\x1b`, `\u202e`, `\n`). */
export function visible(text: unknown): string {
  const s = text === null || text === undefined ? '' : String(text);
  return s.replace(UNSAFE, escapeCode);
}

/** True when `visible(text)` would change it. */
export function hasUnsafe(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}

/**
 * JSON text (from JSON.stringify) with the same characters written as `\uXXXX` escapes: parsing it
 * gives exactly the same values, and printing it shows nothing a terminal would act on.
 * JSON.stringify already escapes C0 inside strings; the newlines left are its own layout.
 */
export function safeJson(json: string): string {
  return json.replace(UNSAFE, (c) => {
    if (c === '\n') return c;
    const code = c.codePointAt(0)!;
    if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
    // Outside the BMP (tag characters): JSON writes a surrogate pair.
    const hi = Math.floor((code - 0x10000) / 0x400) + 0xd800;
    const lo = ((code - 0x10000) % 0x400) + 0xdc00;
    return `\\u${hi.toString(16)}\\u${lo.toString(16)}`;
  });
}
