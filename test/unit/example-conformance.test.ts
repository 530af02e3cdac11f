import * as path from 'node:path';
import { examplePlugin } from '../../plugins/example';
import { readReplayFile } from '../../core/sources/replay-source';
import { fixturesDir } from '../helpers/paths';
import { runPluginConformance } from '../conformance/plugin-kit';

runPluginConformance(examplePlugin, { records: readReplayFile(path.join(fixturesDir, 'example-basic.jsonl')), minClassified: 7 });
