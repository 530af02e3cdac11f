/**
 * Test double of the code before issue 10 item 5: the live source's handle → path lookup made
 * synchronously on the JS thread (the native `resolveHandle`, still exported for tools and tests),
 * as every lookup was before it moved to the libuv pool. Everything else is the real kernel. A
 * kernel test runs its scenario with this double as a control: it shows the scenario is strong
 * enough that the old behaviour fails it (JS blocked for the whole slow read, the kernel log
 * overrunning), so the same scenario passing with the real source means something.
 */
import { resolveHandle } from '../../native/index';
import { REAL_LIVE_NATIVE, type LiveNative } from '../../core/sources/live-native';

export const SYNC_LOOKUP_TEST_DOUBLE: LiveNative = {
  ...REAL_LIVE_NATIVE,
  // An async function runs its body synchronously up to the first await: the call blocks the JS
  // thread until the kernel returns, exactly like the old synchronous lookup in the batch handler.
  resolveHandle: async (mountPoint, handleType, handleHex) => resolveHandle(mountPoint, handleType, handleHex),
};
