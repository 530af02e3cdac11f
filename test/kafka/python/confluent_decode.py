#!/usr/bin/env python3
"""Test-only independent decoder: consumes a topic with librdkafka (PyPI confluent-kafka) and
decodes every value without any fsfault code.

  registry mode: Confluent's own AvroDeserializer (confluent_kafka.schema_registry.avro) reads the
                 magic byte + schema id framing and fetches the writer schema from the registry
                 (Apicurio's Confluent-compatible API /apis/ccompat/v7 in the tests).
  single mode:   Avro single-object encoding (C3 01 + 8-byte little-endian CRC-64-AVRO fingerprint
                 + body): the fingerprint is checked against fastavro's own CRC-64-AVRO of the
                 schema file's Parsing Canonical Form, then fastavro decodes the body.

Keys are plain UTF-8 text.

usage: confluent_decode.py registry BOOTSTRAP TOPIC REGISTRY_URL COUNT [TIMEOUT_S]
       confluent_decode.py single   BOOTSTRAP TOPIC SCHEMA_FILE  COUNT [TIMEOUT_S]
prints one JSON object per message: partition, offset, headers, key, value.
pip: confluent-kafka[avro,schemaregistry] (see .ci/pip-requirements.txt)
"""
import datetime
import io
import json
import struct
import sys
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.serialization import MessageField, SerializationContext


def plain(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, uuid.UUID):
        return str(v)
    raise TypeError(type(v).__name__)


def registry_decoder(url, topic):
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer

    des = AvroDeserializer(SchemaRegistryClient({"url": url}))
    ctx = SerializationContext(topic, MessageField.VALUE)
    return lambda value: des(value, ctx)


def single_object_decoder(schema_file):
    import fastavro
    from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

    with open(schema_file) as f:
        schema = parse_schema(json.load(f))
    want = bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))

    def decode(value):
        if value[:2] != b"\xc3\x01":
            raise ValueError("not single-object encoded: marker %s" % value[:2].hex())
        fp = value[2:10]
        # fastavro's hex is the fingerprint's 8 bytes in the order the spec puts them on the wire
        if fp != want:
            raise ValueError("fingerprint %s is not the schema's %s" % (fp.hex(), want.hex()))
        return fastavro.schemaless_reader(io.BytesIO(value[10:]), schema)

    return decode


def main():
    mode, bootstrap, topic, source, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 60.0
    decode = registry_decoder(source, topic) if mode == "registry" else single_object_decoder(source)
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "pydecode-" + uuid.uuid4().hex,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    # Read the partitions directly (assign), not through a consumer group: the first group on a
    # fresh broker waits for __consumer_offsets to be created, and leaving it on close can stall,
    # neither of which has anything to do with what is being checked here.
    parts = c.list_topics(topic, timeout=30).topics[topic].partitions
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(parts)])
    seen = 0
    deadline = time.time() + timeout
    try:
        while seen < count and time.time() < deadline:
            m = c.poll(1.0)
            if m is None:
                continue
            if m.error():
                print("consumer error: %s" % m.error(), file=sys.stderr)
                continue
            headers = {k: v.decode() for k, v in (m.headers() or [])}
            value = decode(m.value())
            print(json.dumps({"partition": m.partition(), "offset": m.offset(), "headers": headers, "key": m.key().decode(), "value": value}, default=plain), flush=True)
            seen += 1
    finally:
        c.close()
    if seen < count:
        print("only %d of %d messages within %.0f s" % (seen, count, timeout), file=sys.stderr)
        sys.exit(1)


main()
