/**
 * ext4 emergency_ro (Linux 6.15+): the state probe reads the super options, classify turns the
 * flag into an `emergency-ro` event, and the died rule makes it the filesystem's one DIED — through
 * the whole replay pipeline, with and without the kernel log's "Remounting filesystem read-only".
 * The real kernel side is test/kernel/ext4-emergency-ro.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { fixturesDir } from '../helpers/paths';
import { Ext4StateProbe, EMERGENCY_RO, superOptionsOf } from '../../plugins/ext4/state-probe';
import { ext4Plugin } from '../../plugins/ext4';
import type { MountInfo } from '../../core/plugin-api';

// Read on 6.18 before and after `echo x > /sys/fs/ext4/loop0/trigger_fs_error` (errors=remount-ro).
const HEALTHY = '45 27 7:0 / /tmp/ero rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro\n';
const DEAD = '45 27 7:0 / /tmp/ero rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro\n';
const OPTIONAL_FIELDS = '45 27 7:0 / /tmp/ero rw,relatime shared:1 master:2 - ext4 /dev/loop0 rw,emergency_ro\n';

const mount = { mountId: 45, device: 'loop0', fsType: 'ext4', mountPoint: '/tmp/ero' } as MountInfo;

describe('ext4 state probe', () => {
  it('super options by mount id, optional fields skipped; an absent mount is null', () => {
    assert.deepEqual(superOptionsOf(DEAD, 45), ['rw', 'errors=remount-ro', 'emergency_ro']);
    assert.deepEqual(superOptionsOf(OPTIONAL_FIELDS, 45), ['rw', 'emergency_ro']);
    assert.equal(superOptionsOf(DEAD, 4), null, 'mount id 4 is not a prefix match of 45');
  });

  it('poll: sick 0 while healthy, EMERGENCY_RO once the flag is shown; nothing for an unmounted fs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-ero-'));
    const file = path.join(dir, 'mountinfo');
    try {
      const probe = new Ext4StateProbe('ext4', file);
      fs.writeFileSync(file, HEALTHY);
      const [h] = (await probe.poll(mount)) as { sick: number; checked: number; scope: string; device: string }[];
      assert.deepEqual([h!.sick, h!.checked, h!.scope, h!.device], [0, EMERGENCY_RO, 'fs', 'loop0']);
      fs.writeFileSync(file, DEAD);
      const [d] = (await probe.poll(mount)) as { sick: number }[];
      assert.equal(d!.sick, EMERGENCY_RO);
      assert.deepEqual(await probe.poll({ ...mount, mountId: 99 }), []);
      fs.rmSync(file);
      assert.deepEqual(await probe.poll(mount), [], 'no mountinfo: nothing, no throw');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the probe the ext4 plugin makes (bound with the plugin by its module)', () => {
    assert.ok(ext4Plugin.createProbe!() instanceof Ext4StateProbe);
  });
});

describe('emergency_ro through the replay pipeline', () => {
  const lines = fs.readFileSync(path.join(fixturesDir, 'ext4-remount-ro.jsonl'), 'utf8').trim().split('\n');
  const mountLine = lines[0]!;
  const errorLine = lines.find((l) => l.includes('trigger_test_error'))!;
  const last = JSON.parse(errorLine) as { readAtUs: number };
  const probeLine = (sick: number, dt: number) =>
    JSON.stringify({ source: 'ioctl', device: 'loop0', fsType: 'ext4', scope: 'fs', index: null, sick, checked: 1, failure: null, readAtUs: last.readAtUs + dt });

  function replay(content: string[]): Record<string, unknown>[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-ero-'));
    try {
      const file = path.join(dir, 'ero.jsonl');
      fs.writeFileSync(file, content.join('\n') + '\n');
      const r = runCli(['watch', '--replay', file, '--once', '--json', '--no-store'], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('the flag alone (log line lost or ratelimited): one DIED remount-ro from the probe; a standing flag adds nothing', () => {
    const evs = replay([mountLine, probeLine(0, 1), errorLine, probeLine(1, 1000), probeLine(1, 2000), probeLine(1, 3000)]);
    const died = evs.filter((e) => e.kind === 'DIED');
    assert.equal(died.length, 1, JSON.stringify(evs));
    assert.deepEqual((died[0]!.death as { reason: string }).reason, 'remount-ro');
    assert.ok((died[0]!.sources as string[]).includes('ioctl'));
  });

  it('the flag and the log line: still one DIED', () => {
    const evs = replay([...lines, probeLine(1, 5_000_000)]);
    assert.equal(evs.filter((e) => e.kind === 'DIED').length, 1, JSON.stringify(evs.map((e) => [e.kind, e.sources])));
  });
});
