/**
 * systemd readiness and watchdog: a real unix datagram socket (bound by python3, since Node has none)
 * stands in for systemd's notify socket; `fsfault watch` sends READY=1 once running, WATCHDOG=1
 * every half WATCHDOG_USEC while the pipeline is ready, STOPPING=1 on SIGTERM.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cliPath, repoRoot } from '../helpers/paths';
import { sdNotify } from '../../native/index';
import { isFsfaultError } from '../../core/errors';

// Prints every datagram received as one JSON line; "bound" once listening.
const RECEIVER = `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(json.dumps(s.recv(4096).decode()), flush=True)
`;

function receiver(sock: string): { proc: ChildProcess; messages: string[]; waitFor(pred: (m: string[]) => boolean, what: string): Promise<void> } {
  const proc = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  let buf = '';
  const waiters: (() => void)[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      messages.push(line === 'bound' ? 'bound' : (JSON.parse(line) as string));
      for (const w of waiters.splice(0)) w();
    }
  });
  return {
    proc,
    messages,
    waitFor: (pred, what) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`)), 30_000);
        const check = () => {
          if (pred(messages)) {
            clearTimeout(t);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

describe('systemd notify', () => {
  it('sends READY=1, then WATCHDOG=1 pings, then STOPPING=1 to $NOTIFY_SOCKET', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-notify-'));
    const sock = path.join(dir, 'notify');
    const r = receiver(sock);
    let agent: ChildProcess | null = null;
    try {
      await r.waitFor((m) => m.includes('bound'), 'the receiver to bind');
      agent = spawn(process.execPath, [cliPath, 'watch', '--replay', path.join(repoRoot, 'examples', 'ext4-trigger.jsonl'), '--no-store', '--no-stdout'], {
        env: { ...process.env, NOTIFY_SOCKET: sock, WATCHDOG_USEC: '200000', WATCHDOG_PID: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      agent.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      await r.waitFor((m) => m.some((x) => x.startsWith('READY=1')), 'READY=1');
      const ready = r.messages.find((x) => x.startsWith('READY=1'))!;
      assert.match(ready, /^READY=1\nSTATUS=replaying .*ext4-trigger\.jsonl\nMAINPID=\d+$/);
      await r.waitFor((m) => m.filter((x) => x === 'WATCHDOG=1').length >= 3, 'three WATCHDOG=1 pings');
      const exited = once(agent, 'exit');
      agent.kill('SIGTERM');
      const [code] = (await exited) as [number];
      assert.equal(code, 0, stderr);
      await r.waitFor((m) => m.includes('STOPPING=1'), 'STOPPING=1');
      assert.ok(r.messages.indexOf('STOPPING=1') > r.messages.indexOf(ready), 'STOPPING after READY');
      assert.equal(stderr, '');
    } finally {
      agent?.kill('SIGKILL');
      r.proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a notify socket nobody listens on is a typed error from the addon (the agent warns once and runs on)', () => {
    assert.throws(() => sdNotify('/nonexistent/notify', 'READY=1'), (e: unknown) => isFsfaultError(e, 'NATIVE_SYSCALL') && /ENOENT/.test((e as Error).message));
    assert.throws(() => sdNotify('relative', 'READY=1'), (e: unknown) => isFsfaultError(e) && /EINVAL/.test((e as Error).message));
  });
});
