import * as path from 'node:path';

/** Repository root, from the compiled location dist/test/helpers. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const cliPath = path.join(repoRoot, 'bin', 'fsfault.js');
