/*
 * Avro single-object encoding (Avro specification, "Single-object encoding"): the registry-free
 * framing used when no schema registry is configured.
 *
 *   message     = marker fingerprint body
 *   marker      = %xC3 %x01               ; 2 bytes
 *   fingerprint = 8OCTET                  ; CRC-64-AVRO of the writer schema's Parsing Canonical Form, little-endian
 *   body        = *OCTET                  ; Avro binary encoding of one datum
 *
 * The fingerprint is ComposedSchema.fingerprint / StoredEvent.fingerprint (16 hex digits, already
 * in little-endian byte order), so framing is a hex decode.
 */
import { FsfaultError } from '../../core/errors';

export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
export const SINGLE_OBJECT_HEADER_BYTES = 10;

function fingerprintBytes(hex: string): Buffer {
  if (!/^[0-9a-f]{16}$/i.test(hex)) {
    throw new FsfaultError('CONNECTOR_FATAL', `schema fingerprint '${hex}' is not 16 hex digits`);
  }
  return Buffer.from(hex, 'hex');
}

export function frameSingleObject(fingerprintHex: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(SINGLE_OBJECT_HEADER_BYTES + body.length);
  SINGLE_OBJECT_MARKER.copy(out, 0);
  fingerprintBytes(fingerprintHex).copy(out, 2);
  body.copy(out, SINGLE_OBJECT_HEADER_BYTES);
  return out;
}

export interface SingleObjectFrame {
  /** 16 hex digits, same form as ComposedSchema.fingerprint. */
  fingerprint: string;
  body: Buffer;
}

export function parseSingleObject(msg: Buffer): SingleObjectFrame {
  if (msg.length < SINGLE_OBJECT_HEADER_BYTES) {
    throw new FsfaultError('CONNECTOR_FATAL', `single-object frame too short: ${msg.length} bytes, need at least ${SINGLE_OBJECT_HEADER_BYTES}`);
  }
  if (msg[0] !== 0xc3 || msg[1] !== 0x01) {
    throw new FsfaultError('CONNECTOR_FATAL', `single-object frame: marker is ${msg.subarray(0, 2).toString('hex')}, expected c301`);
  }
  return { fingerprint: msg.subarray(2, 10).toString('hex'), body: msg.subarray(SINGLE_OBJECT_HEADER_BYTES) };
}
