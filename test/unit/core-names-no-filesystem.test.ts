/**
 * core/ names no filesystem: everything ext4-, XFS- or btrfs-specific comes from plugins through
 * the plugin API (probes, doctor checks, watch modes, report sections, FAN_FS_ERROR support).
 *
 * What counts: identifiers and string/template literals of every core/**\/*.ts file, read with
 * the TypeScript scanner. Comments do not count: they say WHY the core is shaped as it is, and
 * naming the filesystem that forced a design (btrfs keys sysfs by UUID) is the clearest way to
 * say it. A regex over the text could not tell the two apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../helpers/paths';

const FS_NAMES = /ext4|xfs|btrfs/i;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) tsFiles(p, out);
    else if (ent.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Identifiers and literals naming a filesystem, as `file:line: token` (the parsed tree: comments are not nodes). */
export function filesystemNames(file: string, text: string): string[] {
  const hits: string[] = [];
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const counted = new Set([
    ts.SyntaxKind.Identifier,
    ts.SyntaxKind.PrivateIdentifier,
    ts.SyntaxKind.StringLiteral,
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TemplateHead,
    ts.SyntaxKind.TemplateMiddle,
    ts.SyntaxKind.TemplateTail,
    ts.SyntaxKind.RegularExpressionLiteral,
  ]);
  const visit = (node: ts.Node): void => {
    if (counted.has(node.kind) && FS_NAMES.test(node.getText(src))) {
      const { line } = src.getLineAndCharacterOfPosition(node.getStart(src));
      hits.push(`${path.relative(repoRoot, file)}:${line + 1}: ${node.getText(src)}`);
    }
    // Template heads/middles/tails are reached through their spans; forEachChild covers them.
    ts.forEachChild(node, visit);
  };
  visit(src);
  return hits;
}

test('no identifier or string in core/ names ext4, XFS or btrfs (comments may)', () => {
  const files = tsFiles(path.join(repoRoot, 'core'));
  assert.ok(files.length > 50, `found core's sources (${files.length})`);
  const hits = files.flatMap((f) => filesystemNames(f, fs.readFileSync(f, 'utf8')));
  assert.deepEqual(hits, []);
});

test('the check sees identifiers, strings, template parts and regexes, and skips comments', () => {
  const sample = [
    '// ext4 is named in a comment: fine',
    '/* xfs too */',
    "const xfsMode = 1;",
    "const s = 'btrfs';",
    'const t = `a ${x} EXT4 ${y} b`;',
    'const r = /XFS \\(/;',
  ].join('\n');
  assert.deepEqual(filesystemNames(path.join(repoRoot, 'core', 'x.ts'), sample).map((h) => h.replace(/^core\/x\.ts:/, '')), [
    '3: xfsMode',
    "4: 'btrfs'",
    '5: } EXT4 ${',
    '6: /XFS \\(/',
  ]);
});
