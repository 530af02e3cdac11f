import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffSchemas } from '../../connectors/kafka/schema-diff';

const rec = (fields: unknown[], extra: unknown[] = []) =>
  JSON.stringify({
    type: 'record',
    name: 'Event',
    namespace: 'fsfault',
    fields: [...fields, { name: 'blob', type: ['null', { type: 'record', name: 'Ext4Blob', fields: [{ name: 'line', type: 'int' }] }, ...extra] }],
  });

describe('schema diff for REGISTRY_INCOMPATIBLE', () => {
  it('names changed field types, removed and added fields, union branches and enum symbols', () => {
    const old = rec([{ name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['ERROR', 'LOST'] } }, { name: 'gone', type: 'long' }]);
    const neu = JSON.stringify({
      type: 'record',
      name: 'Event',
      namespace: 'fsfault',
      fields: [
        { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['ERROR'] } },
        { name: 'fresh', type: 'string' },
        { name: 'blob', type: ['null', { type: 'record', name: 'Ext4Blob', fields: [{ name: 'line', type: 'string' }] }, { type: 'record', name: 'XfsBlob', fields: [] }] },
      ],
    });
    const d = diffSchemas(old, neu);
    assert.ok(d.includes('fsfault.Ext4Blob.line: int → string'), d.join('\n'));
    assert.ok(d.includes('fsfault.Event.gone removed (it had no default)'), d.join('\n'));
    assert.ok(d.includes('fsfault.Event.fresh added without a default'), d.join('\n'));
    assert.ok(d.includes('type fsfault.XfsBlob added'), d.join('\n'));
    assert.ok(d.includes('fsfault.Kind: enum symbols removed LOST'), d.join('\n'));
    assert.ok(d.some((l) => l.startsWith('fsfault.Event.blob: union[')), d.join('\n'));
  });

  it('finds nothing between equal schemas (namespaces written out or inherited)', () => {
    const a = rec([{ name: 'n', type: 'int' }]);
    const b = JSON.parse(a) as { fields: { type: unknown }[] };
    (b.fields[1]!.type as { namespace?: string }[])[1]!.namespace = 'fsfault';
    assert.deepEqual(diffSchemas(a, JSON.stringify(b)), []);
  });
});
