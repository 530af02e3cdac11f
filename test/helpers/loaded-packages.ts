/**
 * Preload (`node --require`) for start-up tests: at exit, writes the names of the npm packages the
 * process loaded, one per line, to $FSFAULT_LOADED_PACKAGES_FILE. Read from require.cache, so it
 * sees exactly what was loaded, whoever loaded it.
 */
import * as fs from 'node:fs';

const out = process.env.FSFAULT_LOADED_PACKAGES_FILE;
if (out) {
  process.on('exit', () => {
    const names = new Set<string>();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
      if (m) names.add(m[1]!);
    }
    fs.writeFileSync(out, [...names].sort().join('\n') + '\n');
  });
}
