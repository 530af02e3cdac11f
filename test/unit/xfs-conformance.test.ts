/**
 * The plugin conformance kit over every recorded XFS fixture. The kit's context has no geometry
 * (plugin API 1.0.0), so events carry no AG here; the fixture tests cover the AG arithmetic.
 */
import { describe } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { xfsPlugin } from '../../plugins/xfs';
import { readReplayFile } from '../../core/sources/replay-source';
import { runPluginConformance } from '../conformance/plugin-kit';
import { fixturesDir } from '../helpers/paths';

for (const file of fs.readdirSync(fixturesDir).filter((f) => /^xfs-.*\.jsonl$/.test(f)).sort()) {
  const records = readReplayFile(path.join(fixturesDir, file));
  describe(file, () => runPluginConformance(xfsPlugin, { records }));
}
