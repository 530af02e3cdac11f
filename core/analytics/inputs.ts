/**
 * What `report --input` / `export` read: a store (a `<host>.fsfault.db` file, or a state directory
 * holding such files) or Avro container files (files, or directories searched recursively).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsfaultError } from '../errors';
import { SqliteStore } from '../store/sqlite-store';
import { DB_SUFFIX } from '../store/store-layout';
import { listAvroFiles } from '../avro/layout';

export interface StoreRef {
  stateDir: string;
  host: string;
  file: string;
}

export interface Inputs {
  stores: StoreRef[];
  avroFiles: string[];
}

export function storeRef(dbFile: string): StoreRef {
  return { stateDir: path.dirname(dbFile), host: path.basename(dbFile).slice(0, -DB_SUFFIX.length), file: dbFile };
}

export function classifyInputs(paths: readonly string[]): Inputs {
  const out: Inputs = { stores: [], avroFiles: [] };
  const avro: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      throw new FsfaultError('CLI_BAD_ARGUMENT', `input ${p} cannot be read: ${(e as Error).message}`);
    }
    if (st.isFile() && p.endsWith(DB_SUFFIX)) out.stores.push(storeRef(p));
    else if (st.isDirectory()) {
      const dbs = fs.readdirSync(p).filter((n) => n.endsWith(DB_SUFFIX));
      if (dbs.length) out.stores.push(...dbs.sort().map((n) => storeRef(path.join(p, n))));
      else avro.push(p);
    } else avro.push(p);
  }
  out.avroFiles = listAvroFiles(avro);
  return out;
}

/** Open a store read-only; rows decode through their own writer schemas. */
export function openStoreReadOnly(ref: Pick<StoreRef, 'stateDir' | 'host'>): SqliteStore {
  return SqliteStore.open({ stateDir: ref.stateDir, host: ref.host, readOnly: true });
}
