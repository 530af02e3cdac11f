/**
 * Readiness and liveness for systemd (Type=notify, WatchdogSec=): READY=1 once the pipeline runs
 * and the sources are marked, WATCHDOG=1 every half watchdog period while the pipeline is ready
 * (consumer running, no connector stopped for good) — so a stuck event loop or a dead pipeline
 * stops the pings and systemd restarts the service — and STOPPING=1 on the way out. The datagrams
 * go to $NOTIFY_SOCKET through the addon's sdNotify (Node has no unix datagram sockets). Outside
 * systemd (no NOTIFY_SOCKET) every call is a no-op.
 */
import { sdNotify } from '../../native/index';

export interface ServiceNotifier {
  /** Whether a service manager listens. */
  readonly active: boolean;
  ready(status: string): void;
  stopping(): void;
  close(): void;
}

export function serviceNotifier(env: NodeJS.ProcessEnv, alive: () => boolean, warn: (m: string) => void): ServiceNotifier {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return { active: false, ready: () => undefined, stopping: () => undefined, close: () => undefined };
  let failed = false;
  const send = (state: string) => {
    try {
      sdNotify(socket, state);
    } catch (e) {
      // Once: a broken notify socket must not flood the log; systemd will time us out and say so.
      if (!failed) warn(`cannot notify the service manager at ${socket}: ${(e as Error).message}`);
      failed = true;
    }
  };
  // WATCHDOG_PID names the process the watchdog is for (absent: us).
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === process.pid;
  let timer: NodeJS.Timeout | null = null;
  return {
    active: true,
    ready(status) {
      send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
      if (forUs && Number.isFinite(usec) && usec > 0 && !timer) {
        timer = setInterval(() => {
          if (alive()) send('WATCHDOG=1');
        }, Math.max(1, Math.floor(usec / 2000)));
        timer.unref();
      }
    },
    stopping() {
      send('STOPPING=1');
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
