// The fsfault conformance kit over this plugin's recorded fixtures (from the installed fsfault).
'use strict';
const path = require('node:path');
const { runPluginConformance, readReplayFile } = require('fsfault/plugin-kit');
const { plugin } = require('..');

runPluginConformance(plugin, { records: readReplayFile(path.join(__dirname, '..', 'fixtures', 'demofs-basic.jsonl')), minClassified: 5 });
