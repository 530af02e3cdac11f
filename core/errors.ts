/**
 * Typed errors with stable codes. Every error fsfault raises on purpose is a FsfaultError whose
 * `code` is listed in ERROR_CODES; the README's error table is checked against this list by a test.
 */
export const ERROR_CODES = {
  // configuration and CLI
  CONFIG_INVALID: 'a configuration key has a bad value',
  CONFIG_UNREADABLE: 'the configuration file cannot be read or parsed',
  CONFIG_ENV_MISSING: 'a ${ENV} reference names an unset variable',
  CLI_BAD_ARGUMENT: 'a command-line argument is invalid',
  PATH_UNUSABLE: 'a file or directory fsfault must write cannot be used (not a directory, missing parent, no permission, read-only filesystem)',
  LISTEN_FAILED: 'the metrics address cannot be listened on (in use, not local, no permission)',
  OUTPUT_CLOSED: "watch's standard output was closed (EPIPE): the events printed there have no reader",
  // replay / raw input
  REPLAY_BAD_LINE: 'a replay file line is not a valid raw record',
  REPLAY_UNREADABLE: 'a replay file cannot be read',
  // plugins
  PLUGIN_DUPLICATE_NAME: 'two plugins have the same name',
  PLUGIN_DUPLICATE_FSTYPE: 'two plugins claim the same filesystem type',
  PLUGIN_API_INCOMPATIBLE: "a plugin's supported core API range excludes this core",
  PLUGIN_INVALID: 'a plugin object is missing a required member or has a bad schema',
  PLUGIN_FAILED: 'a plugin function threw',
  // schema / encoding
  SCHEMA_INVALID: 'the composed Avro schema is invalid',
  ENCODE_FAILED: 'an event does not match the Avro schema',
  // native / kernel
  NATIVE_MISSING: 'the native addon is not built',
  NATIVE_SYSCALL: 'a system call in the native addon failed',
  PRIVILEGE_MISSING: 'a required capability is missing',
  // store
  STORE_OPEN_FAILED: 'the local store cannot be opened',
  STORE_CORRUPT: 'the local store is damaged',
  STORE_TOO_NEW: 'the local store was written by a newer fsfault',
  STORE_FULL: 'the local store hit its disk budget with the block policy',
  STORE_PERMISSIONS: 'the state directory has unsafe or wrong permissions',
  STORE_LOCKED: 'another fsfault process is writing the store (one writer per store); the message names its pid',
  // connectors
  CONNECTOR_FATAL: 'a connector hit a non-retriable error',
  CONNECTOR_UNAVAILABLE: 'a connector destination failed in a way that is retried (broker down, timeout)',
  REGISTRY_INCOMPATIBLE: 'the schema is incompatible with the registry subject',
  REGISTRY_UNREACHABLE: 'no schema registry URL answered',
  FLEET_UNAVAILABLE: 'the fleet topics cannot be reached, created or read',
  AVRO_FILE_CORRUPT: 'an Avro container file is truncated or corrupt',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FsfaultError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, opts: { details?: Record<string, unknown>; cause?: unknown; retriable?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FsfaultError';
    this.code = code;
    this.details = opts.details ?? {};
    this.retriable = opts.retriable ?? false;
  }
}

/**
 * errno codes no retry can fix: the path or address itself is wrong, or the reader is gone (EPIPE). They end a start-up, stop a
 * connector for good and end `--once` with exit 1. Everything else (ENOSPC, EIO, ECONNREFUSED,
 * ETIMEDOUT …) may pass: it is retried with backoff, each retry logged and counted.
 */
export const FATAL_ERRNOS: ReadonlySet<string> = new Set(['ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENAMETOOLONG', 'ELOOP', 'EPIPE']);

/** Whether retrying can help: a FsfaultError says so itself; an errno in FATAL_ERRNOS never; other errors may. */
export function isRetriable(e: unknown): boolean {
  if (e instanceof FsfaultError) return e.retriable && e.code !== 'CONNECTOR_FATAL';
  const err = e as { code?: unknown; retriable?: unknown } | null;
  if (err?.retriable === false) return false;
  return !(typeof err?.code === 'string' && FATAL_ERRNOS.has(err.code));
}

export function isFsfaultError(e: unknown, code?: ErrorCode): e is FsfaultError {
  return e instanceof FsfaultError && (code === undefined || e.code === code);
}
