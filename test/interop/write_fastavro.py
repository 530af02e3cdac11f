#!/usr/bin/env python3
"""Write an Avro container file with fastavro (another writer than fsfault's).

usage: write_fastavro.py SCHEMA.json RECORDS.jsonl OUT.avro CODEC [SYNC_INTERVAL]
RECORDS are fsfault events in Avro-JSON shape as EventCodec.toRecord gives them; a union value
written as {"full.Name": {...}} is turned into fastavro's ("full.Name", {...}) branch notation.
"""
import json
import sys

import fastavro


def branches(v):
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if "." in k and isinstance(x, dict):
                return (k, branches(x))
        return {k: branches(x) for k, x in v.items()}
    if isinstance(v, list):
        return [branches(x) for x in v]
    return v


def main():
    schema_path, records_path, out, codec = sys.argv[1:5]
    sync_interval = int(sys.argv[5]) if len(sys.argv) > 5 else 16000
    with open(schema_path) as f:
        schema = fastavro.parse_schema(json.load(f))
    with open(records_path) as f:
        records = [branches(json.loads(line)) for line in f if line.strip()]
    with open(out, "wb") as f:
        fastavro.writer(f, schema, records, codec=codec, sync_interval=sync_interval)
    print(len(records))


if __name__ == "__main__":
    main()
