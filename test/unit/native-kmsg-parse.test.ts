/**
 * The live reader (C++, native/src/kmsg.cc) and replay files (native/kmsg-parse.ts) must read a
 * /dev/kmsg record the same way. Each case goes through both parsers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNative } from '../../native/index';
import { parseKmsgRecord } from '../../native/kmsg-parse';

const cases: { name: string; raw: string; expect: Record<string, unknown> | null }[] = [
  {
    name: 'ext4 error with trailing newline',
    raw: '2,478205,123456,-;EXT4-fs error (device loop0): trigger_test_error:129: comm bash: hello\n',
    expect: { seq: 478205, facility: 0, level: 2, tsUsec: 123456, flags: '-', text: 'EXT4-fs error (device loop0): trigger_test_error:129: comm bash: hello', dict: {} },
  },
  {
    name: 'embedded newline and backslash escapes',
    raw: '6,474086,1604661316,-;kworker/u8:4: attempt to access beyond end of device\\x0aloop2: rw=4097 \\x5cpath\n',
    expect: { level: 6, text: 'kworker/u8:4: attempt to access beyond end of device\nloop2: rw=4097 \\path' },
  },
  { name: 'escaped UTF-8 bytes decode to one character', raw: '4,1,2,-;caf\\xc3\\xa9 \\xe2\\x80\\x99\n', expect: { text: 'café ’' } },
  { name: 'invalid UTF-8 becomes U+FFFD in both', raw: '4,1,2,-;bad \\xff\\xc3 end\n', expect: { text: 'bad \ufffd\ufffd end' } },
  { name: 'backslash not followed by xHH stays', raw: '4,1,2,-;a\\xZZ b\\x4 c\\\n', expect: { text: 'a\\xZZ b\\x4 c\\' } },
  { name: 'upper-case hex', raw: '4,1,2,-;\\x4A\\x4b\n', expect: { text: 'JK' } },
  {
    name: 'dictionary lines split off, values un-escaped',
    raw: '3,99,5,-;sd 0:0:0:0: [sda] error\n SUBSYSTEM=scsi\n DEVICE=+scsi:0:0:0:0\n NOTE=a\\x20b=c\n',
    expect: { text: 'sd 0:0:0:0: [sda] error', dict: { SUBSYSTEM: 'scsi', DEVICE: '+scsi:0:0:0:0', NOTE: 'a b=c' } },
  },
  { name: 'continuation flag', raw: '4,10,20,c;fragment\n', expect: { flags: 'c', text: 'fragment' } },
  { name: 'caller= and unknown comma fields are ignored', raw: '2,11,22,-,caller=T123,future=x;text here\n', expect: { seq: 11, flags: '-', text: 'text here' } },
  { name: 'userspace facility (LOG_USER, level 3)', raw: '11,12,13,-;EXT4-fs error (device loop9): fake\n', expect: { facility: 1, level: 3 } },
  { name: 'semicolons inside text', raw: '6,1,1,-;a;b;c\n', expect: { text: 'a;b;c' } },
  { name: 'empty text', raw: '6,1,1,-;\n', expect: { text: '' } },
  { name: 'no trailing newline (replay line)', raw: '6,5,6,-;plain', expect: { seq: 5, text: 'plain' } },
  { name: 'lines without a leading space after the text are not dictionary', raw: '6,1,1,-;t\nNOTDICT=1\n =novalue\n', expect: { text: 't', dict: {} } },
  { name: 'missing semicolon', raw: '6,1,1,-', expect: null },
  { name: 'too few header fields', raw: '6,1,1;text', expect: null },
  { name: 'non-numeric seq', raw: '6,x1,1,-;text', expect: null },
  { name: 'negative prefix', raw: '-1,1,1,-;text', expect: null },
  { name: 'newline inside the header', raw: '6,1\n,1,-;text', expect: null },
];

for (const c of cases) {
  test(`kmsg parse agrees (C++ vs TS): ${c.name}`, () => {
    const fromTs = parseKmsgRecord(c.raw, 0);
    const fromCpp = loadNative().parseKmsgForTest(c.raw);
    assert.deepEqual(fromCpp, fromTs, 'C++ and TS disagree');
    if (c.expect === null) {
      assert.equal(fromTs, null);
      return;
    }
    assert.ok(fromTs, 'parsed');
    assert.equal(fromTs.source, 'kmsg');
    for (const [k, v] of Object.entries(c.expect)) assert.deepEqual((fromTs as unknown as Record<string, unknown>)[k], v, k);
  });
}

test('parseKmsgRecord keeps the readAtUs it is given', () => {
  assert.equal(parseKmsgRecord('6,1,1,-;x', 1_700_000_000_000_000)?.readAtUs, 1_700_000_000_000_000);
});
