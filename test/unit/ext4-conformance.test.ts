/**
 * The plugin conformance kit over every recorded ext4 fixture, with and without fanotify watching
 * (the two ways the plugin counts log lines).
 */
import { describe } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ext4Plugin } from '../../plugins/ext4';
import { readReplayFile } from '../../core/sources/replay-source';
import { runPluginConformance } from '../conformance/plugin-kit';
import { fixturesDir } from '../helpers/paths';

for (const file of fs.readdirSync(fixturesDir).filter((f) => /^ext4-.*\.jsonl$/.test(f)).sort()) {
  const records = readReplayFile(path.join(fixturesDir, file));
  const devices = [...new Set(records.flatMap((r) => (r.source === 'mount' ? [r.mount.device] : [])))];
  describe(file, () => runPluginConformance(ext4Plugin, { records }));
  describe(`${file}, fanotify watching`, () => runPluginConformance(ext4Plugin, { records, fanotifyWatched: devices }));
}
