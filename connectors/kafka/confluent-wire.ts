/*
 * Confluent Schema Registry wire format (what every Confluent-compatible deserializer expects):
 *
 *   message = magic schema-id body
 *   magic     = %x00                      ; 1 byte, always 0
 *   schema-id = 4OCTET                    ; big-endian unsigned int, the registry's global schema id
 *   body      = *OCTET                    ; Avro binary encoding of one datum with that schema
 *
 * Pure framing only; which id to use is decided by the connector.
 */
import { FsfaultError } from '../../core/errors';

export const CONFLUENT_MAGIC = 0;
export const CONFLUENT_HEADER_BYTES = 5;

export function frameConfluent(schemaId: number, body: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new FsfaultError('CONNECTOR_FATAL', `schema id ${schemaId} is not a 32-bit unsigned integer`);
  }
  const out = Buffer.allocUnsafe(CONFLUENT_HEADER_BYTES + body.length);
  out[0] = CONFLUENT_MAGIC;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, CONFLUENT_HEADER_BYTES);
  return out;
}

export interface ConfluentFrame {
  schemaId: number;
  body: Buffer;
}

/** Split a framed message; fails naming the problem (too short, wrong magic byte). */
export function parseConfluent(msg: Buffer): ConfluentFrame {
  if (msg.length < CONFLUENT_HEADER_BYTES) {
    throw new FsfaultError('CONNECTOR_FATAL', `Confluent frame too short: ${msg.length} bytes, need at least ${CONFLUENT_HEADER_BYTES}`);
  }
  if (msg[0] !== CONFLUENT_MAGIC) {
    throw new FsfaultError('CONNECTOR_FATAL', `Confluent frame: magic byte is 0x${msg[0]!.toString(16).padStart(2, '0')}, expected 0x00`);
  }
  return { schemaId: msg.readUInt32BE(1), body: msg.subarray(CONFLUENT_HEADER_BYTES) };
}
