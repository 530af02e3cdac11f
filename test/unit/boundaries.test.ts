/**
 * The import boundaries are eslint rules (eslint.config.mjs); this proves each rule fires on a
 * violation and lets the allowed imports through, so a config edit cannot silently disable them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '../helpers/paths';

async function restricted(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [r] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: { file: string; code: string; blocked: boolean }[] = [
  { file: 'core/pipeline/x.ts', code: "import type { ext4Plugin } from '../../plugins/ext4';\nexport type A = typeof ext4Plugin;\n", blocked: true },
  { file: 'core/queue/x.ts', code: "import type { Connector } from '../../connectors/stdout/stdout-connector';\nexport type A = Connector;\n", blocked: true },
  { file: 'core/x.ts', code: "import type { A } from '../plugins/ext4';\nexport type B = A;\n", blocked: true },
  { file: 'core/pipeline/x.ts', code: "import type { PluginRegistry } from '../plugins/registry';\nexport type A = PluginRegistry;\n", blocked: false },
  { file: 'core/cli/commands/x.ts', code: "import type { ext4Plugin } from '../../../plugins/ext4';\nexport type A = typeof ext4Plugin;\n", blocked: false },
  { file: 'plugins/ext4/x.ts', code: "import type { Config } from '../../core/config/schema';\nexport type A = Config;\n", blocked: true },
  { file: 'plugins/ext4/x.ts', code: "import type { Watcher } from '../../native/types';\nexport type A = Watcher;\n", blocked: true },
  { file: 'plugins/ext4/x.ts', code: "import type { FsPlugin } from '../../core/plugin-api';\nexport type A = FsPlugin;\n", blocked: false },
  { file: 'native/x.ts', code: "import type { Config } from '../core/config/schema';\nexport type A = Config;\n", blocked: true },
  { file: 'native/x.ts', code: "import type { KmsgRecord } from '../core/model/raw-record';\nexport type A = KmsgRecord;\n", blocked: false },
];

for (const c of cases) {
  test(`${c.file}: ${c.code.split('\n')[0]} is ${c.blocked ? 'rejected' : 'allowed'}`, async () => {
    const m = await restricted(c.file, c.code);
    assert.equal(m.length > 0, c.blocked, m.join('; ') || 'no restricted-import message');
  });
}
