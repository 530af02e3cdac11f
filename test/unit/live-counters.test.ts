/** Counter probes addressed by the mount (plugin API 1.2.0): sysfsDirOf, `*` segments, legacy sysfsDir. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCounters, expandFiles } from '../../core/sources/live-counters';
import type { CounterProbe, MountInfo } from '../../core/plugin-api';

const mount: MountInfo = { mountId: 1, mountPoint: '/mnt/x', device: 'loop3', majorMinor: '0:55', fsType: 'multifs', fsid: null, uuid: 'u-1', options: [] };

test('a probe names its directory from the mount and expands * to every device entry', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-counters-'));
  try {
    const dir = path.join(root, 'u-1');
    for (const id of ['1', '2']) {
      fs.mkdirSync(path.join(dir, 'devinfo', id), { recursive: true });
      fs.writeFileSync(path.join(dir, 'devinfo', id, 'error_stats'), `write_errs 0\nread_errs ${id}\n`);
    }
    fs.writeFileSync(path.join(dir, 'count'), '7\n');
    const probe: CounterProbe = { sysfsDirOf: (m) => path.join(root, m.uuid!), files: ['count', 'devinfo/*/error_stats', 'missing'], total: () => null };
    assert.deepEqual(expandFiles(dir, 'devinfo/*/error_stats'), ['devinfo/1/error_stats', 'devinfo/2/error_stats']);
    const r = readCounters(probe, mount, 5)!;
    assert.deepEqual(r, {
      source: 'sysfs',
      device: 'loop3',
      fsType: 'multifs',
      readAtUs: 5,
      counters: { count: 7, 'devinfo/1/error_stats': 'write_errs 0\nread_errs 1', 'devinfo/2/error_stats': 'write_errs 0\nread_errs 2' },
    });
    // A 1.0 probe (sysfsDir by device) still works; a directory that is gone reads as null.
    const legacy: CounterProbe = { sysfsDir: (d) => path.join(root, d), files: ['count'], total: () => null };
    assert.equal(readCounters(legacy, mount), null);
    fs.mkdirSync(path.join(root, 'loop3'));
    fs.writeFileSync(path.join(root, 'loop3', 'count'), '2');
    assert.deepEqual(readCounters(legacy, mount, 1)!.counters, { count: 2 });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
