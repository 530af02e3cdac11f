/** fsfault's own version, read from package.json (shipped next to dist/ in every install). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function packageVersion(): string {
  const file = path.resolve(__dirname, '..', '..', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
