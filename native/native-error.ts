/**
 * Errors thrown by the C++ side carry `.code` (NATIVE_SYSCALL / PRIVILEGE_MISSING), `.errno`
 * (name), `.syscall` and maybe `.path` / `.capability`; this turns them into FsfaultError with
 * those fields in `details`. Anything else (a TypeError from a wrong call) is a bug and passes as is.
 */
import { FsfaultError } from '../core/errors';

interface NativeErrorShape extends Error {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  path?: unknown;
  capability?: unknown;
}

export function fromNativeError(e: unknown): unknown {
  if (e instanceof FsfaultError || !(e instanceof Error)) return e;
  const n = e as NativeErrorShape;
  if (n.code !== 'NATIVE_SYSCALL' && n.code !== 'PRIVILEGE_MISSING') return e;
  const details: Record<string, unknown> = { errno: n.errno, syscall: n.syscall };
  if (n.path !== undefined) details.path = n.path;
  if (n.capability !== undefined) details.capability = n.capability;
  return new FsfaultError(n.code, n.message, { details, cause: e });
}

/** Runs fn, rethrowing native errors as FsfaultError. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNativeError(e);
  }
}
