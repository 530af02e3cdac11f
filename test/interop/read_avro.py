#!/usr/bin/env python3
"""Read Avro container files with an independent implementation and print them as JSON.

usage: read_avro.py avro|fastavro FILE...
Prints one JSON object: {"files": [{"file", "codec", "schema_name", "meta": {...}, "records": [...]}]}.
Timestamps (datetime) become microseconds since the epoch, bytes become hex, and fastavro's
(branch name, value) union tuples become [name, value] lists, so the caller can compare values.
"""
import datetime
import json
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        d = v - EPOCH
        return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, tuple):
        return [plain(x) for x in v]
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def read_with_avro(path):
    import avro.datafile
    import avro.io

    with open(path, "rb") as f:
        r = avro.datafile.DataFileReader(f, avro.io.DatumReader())
        meta = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in r.meta.items()}
        records = [plain(x) for x in r]
        r.close()
    return {"codec": meta.get("avro.codec", "null"), "meta": meta, "records": records}


def read_with_fastavro(path):
    import fastavro

    with open(path, "rb") as f:
        # The override keeps branch names only for unions of several records (the blob), so
        # ["null", Record] fields read as plain values.
        r = fastavro.reader(f, return_record_name=True, return_record_name_override=True)
        meta = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in r.metadata.items()}
        records = [plain(x) for x in r]
    return {"codec": r.codec, "meta": meta, "records": records}


def main():
    lib, files = sys.argv[1], sys.argv[2:]
    read = {"avro": read_with_avro, "fastavro": read_with_fastavro}[lib]
    out = []
    for p in files:
        d = read(p)
        d["file"] = p
        d["meta"].pop("avro.schema", None)
        out.append(d)
    json.dump({"lib": lib, "files": out}, sys.stdout)


if __name__ == "__main__":
    main()
