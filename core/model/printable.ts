/**
 * Text from the kernel (and so from anyone who can make the kernel log a file name or a comm) is
 * printed on terminals: an ESC sequence in it could recolour, hide or rewrite what an operator
 * reads. Human output escapes every control character (C0, DEL, C1) and the Unicode bidi
 * overrides as `\xNN` / `\u{NNNN}`; JSON output is already escaped by JSON.stringify.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string): string => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
};

/** One line of human output: every control character escaped, newlines included. */
export function printable(s: string): string {
  return s.replace(CONTROL, escape);
}

/** Several lines of human output: control characters escaped, line breaks and tabs (layout) kept. */
export function printableLines(s: string): string {
  return s.replace(CONTROL_BUT_NEWLINE, escape);
}
