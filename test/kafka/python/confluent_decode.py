#!/usr/bin/env python3
"""Test-only independent decoder: consumes a topic with librdkafka (Debian python3-confluent-kafka)
and decodes every value with Confluent's own Avro deserializer (confluent_kafka.avro's
MessageSerializer, which reads the magic byte + schema id framing, fetches the writer schema from
the registry by id and decodes with the Apache Avro Python library). Keys are plain UTF-8 text, so
AvroConsumer (which decodes keys as Avro too) is not used. Nothing here shares code with fsfault.

usage: confluent_decode.py BOOTSTRAP TOPIC REGISTRY_URL COUNT [TIMEOUT_S]
prints one JSON object per message: partition, offset, headers, value.
Apt packages: python3-confluent-kafka python3-avro python3-requests
"""
import datetime
import json
import sys
import time
import uuid

from confluent_kafka import Consumer
from confluent_kafka.avro import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer


def plain(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.hex()
    raise TypeError(type(v).__name__)


def main():
    bootstrap, topic, registry, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
    serializer = MessageSerializer(CachedSchemaRegistryClient({"url": registry}))
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "pydecode-" + uuid.uuid4().hex,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    c.subscribe([topic])
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
            print(json.dumps({"partition": m.partition(), "offset": m.offset(), "headers": headers, "key": m.key().decode(), "value": serializer.decode_message(m.value())}, default=plain))
            seen += 1
    finally:
        c.close()
    if seen < count:
        print("only %d of %d messages within %.0f s" % (seen, count, timeout), file=sys.stderr)
        sys.exit(1)


main()
