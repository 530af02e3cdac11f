/*
 * Kafka record headers fsfault writes on every message (all values UTF-8 text):
 *
 *   fsfault.event.id            = event id (FsEvent.id)
 *   fsfault.store.id            = 32HEXDIG  ; the producing store's permanent random identity
 *   fsfault.store.offset        = 1*DIGIT   ; offset of the event in that store
 *   fsfault.host                = host name ; the host the event is about (names are not unique:
 *                                             a re-created store or a cloned host reuses one)
 *   fsfault.schema.fingerprint  = 16HEXDIG  ; CRC-64-AVRO of the writer schema (body's schema)
 *   fsfault.schema.id           = 1*DIGIT   ; registry id, only when a registry is configured
 *
 * The store identity + offset let the connector find, after a crash or an ambiguous send failure,
 * what already arrived (resume.ts) so nothing is sent twice; consumers can dedupe on them too.
 */
export const H_EVENT_ID = 'fsfault.event.id';
export const H_STORE_ID = 'fsfault.store.id';
export const H_STORE_OFFSET = 'fsfault.store.offset';
export const H_HOST = 'fsfault.host';
export const H_FINGERPRINT = 'fsfault.schema.fingerprint';
export const H_SCHEMA_ID = 'fsfault.schema.id';

export type HeaderMap = Record<string, string>;

export interface MessageHeaders {
  eventId: string;
  /** null on messages written before stores had an identity. */
  storeId: string | null;
  storeOffset: number;
  host: string;
  fingerprint: string;
  schemaId: number | null;
}

export function buildHeaders(h: MessageHeaders): HeaderMap {
  const out: HeaderMap = {
    [H_EVENT_ID]: h.eventId,
    ...(h.storeId !== null ? { [H_STORE_ID]: h.storeId } : {}),
    [H_STORE_OFFSET]: String(h.storeOffset),
    [H_HOST]: h.host,
    [H_FINGERPRINT]: h.fingerprint,
  };
  if (h.schemaId !== null) out[H_SCHEMA_ID] = String(h.schemaId);
  return out;
}

/** Header values as a client hands them over: bytes or text; a header that repeats, as an array (the first is fsfault's). */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** One header's value as text (the first one when it repeats); undefined when absent. */
export function headerText(raw: RawHeaders, k: string): string | undefined {
  let v = raw[k];
  if (Array.isArray(v)) v = v[0];
  return v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : v;
}

/** What orders a host's events: the fields the fleet's fold reads (parseHeaders has them all). */
export type OrderHeaders = Pick<MessageHeaders, 'storeId' | 'storeOffset' | 'host'>;

/**
 * Only host, store id and store offset; null when not an fsfault message (the same test as
 * parseHeaders). The fleet folds 10^4–10^5 events/s and needs nothing else: decoding all six
 * headers of every event was ~6 % of `fleet serve`'s main thread in bench/fleet.
 */
export function parseOrderHeaders(raw: RawHeaders | undefined): OrderHeaders | null {
  if (!raw) return null;
  const offset = headerText(raw, H_STORE_OFFSET);
  const host = headerText(raw, H_HOST);
  if (offset === undefined || host === undefined || !/^\d+$/.test(offset)) return null;
  return { storeId: headerText(raw, H_STORE_ID) ?? null, storeOffset: Number(offset), host };
}

/** Decode (pure): header values as raw bytes/strings → typed fields; null when not an fsfault message. */
export function parseHeaders(raw: RawHeaders): MessageHeaders | null {
  const order = parseOrderHeaders(raw);
  if (!order) return null;
  const id = headerText(raw, H_SCHEMA_ID);
  return {
    eventId: headerText(raw, H_EVENT_ID) ?? '',
    ...order,
    fingerprint: headerText(raw, H_FINGERPRINT) ?? '',
    schemaId: id !== undefined && /^\d+$/.test(id) ? Number(id) : null,
  };
}
