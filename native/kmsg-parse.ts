/**
 * /dev/kmsg record parsing for replay files; the same grammar as native/src/kmsg.cc, which the
 * live reader uses (test/unit/native-kmsg-parse.test.ts holds the two against each other).
 *
 *   <prefix>,<seq>,<ts_usec>,<flags>[,<more fields>];<text>\n( <KEY>=<value>\n)*
 *
 * prefix = facility << 3 | level. Fields after the fourth (caller=T123, future ones) are ignored.
 * Text and dictionary values escape bytes < 0x20, >= 0x7f and '\' as \xHH; un-escaping works on
 * bytes and the result is decoded as UTF-8, as the C++ side does.
 */
import type { KmsgRecord } from '../core/model/raw-record';

const DECIMAL = /^[0-9]{1,19}$/;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** `\xHH` → byte; any other backslash is kept as it is. */
export function unescapeKmsg(s: string): string {
  if (!s.includes('\\')) return s;
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x5c && i + 3 < b.length && b[i + 1] === 0x78 && hexVal(b[i + 2]!) >= 0 && hexVal(b[i + 3]!) >= 0) {
      out[n++] = hexVal(b[i + 2]!) * 16 + hexVal(b[i + 3]!);
      i += 3;
    } else {
      out[n++] = b[i]!;
    }
  }
  return out.subarray(0, n).toString('utf8');
}

/** Parse one record as read() returns it; null when it is not a /dev/kmsg record. */
export function parseKmsgRecord(raw: string, readAtUs: number): KmsgRecord | null {
  const semi = raw.indexOf(';');
  if (semi < 0) return null;
  const header = raw.slice(0, semi);
  if (header.includes('\n')) return null;
  const fields = header.split(',');
  if (fields.length < 4) return null;
  const [prefixStr, seqStr, tsStr, flags] = fields as [string, string, string, string];
  if (!DECIMAL.test(prefixStr) || !DECIMAL.test(seqStr) || !DECIMAL.test(tsStr)) return null;
  const prefix = Number(prefixStr);
  if (prefix > 0xffffffff) return null;

  const body = raw.slice(semi + 1);
  const nl = body.indexOf('\n');
  const text = unescapeKmsg(nl < 0 ? body : body.slice(0, nl));
  const dict: Record<string, string> = {};
  if (nl >= 0) {
    for (const line of body.slice(nl + 1).split('\n')) {
      if (!line.startsWith(' ')) continue;
      const eq = line.indexOf('=', 1);
      if (eq > 1) dict[line.slice(1, eq)] = unescapeKmsg(line.slice(eq + 1));
    }
  }
  return {
    source: 'kmsg',
    seq: Number(seqStr),
    facility: Math.floor(prefix / 8),
    level: prefix % 8,
    tsUsec: Number(tsStr),
    readAtUs,
    flags,
    text,
    dict,
  };
}
