#!/usr/bin/env python3
"""
Record the ext4 replay fixtures (test/fixtures/ext4-<recipe>.jsonl) from the real kernel.

Usage (root): python3 test/tools/ext4-record.py [--out DIR] all|<recipe> ...
Recipes follow /work/shared/docs/kernel-error-sources.md section 9.1 (E-A ... E-I) and the LTP
fanotify22 cases of section 2.1. Each runs on a fresh loop-mounted ext4 image that is unmounted and
detached afterwards, whatever happens. Every fixture starts with a mount line (device <-> fsid), then
the kmsg records and FAN_FS_ERROR events in the order observed, then the ext4 sysfs counters.
"""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import LoopFs, Recorder, now_us, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, '..', 'fixtures'))


def trigger(fs, text):
    """One ext4_error() from this process (comm = this interpreter)."""
    fd = os.open(f'/sys/fs/ext4/{fs.device}/trigger_fs_error', os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def quiet(*cmd):
    """Run a command that is expected to fail (it hits the corruption)."""
    subprocess.run(cmd, capture_output=True)


def recipe_trigger(fs, rec):
    fs.mount(); rec.mounted()
    trigger(fs, 'hello from test')
    rec.collect(); rec.counters()


def recipe_trigger_1000(fs, rec):
    """1000 errors from one process with the reader asleep: fanotify merges them into one event with
    error_count 1000, the log keeps 10 lines; the next error after the 5 s window logs the
    'callbacks suppressed' line."""
    fs.mount(); rec.mounted()
    for i in range(1, 1001):
        trigger(fs, f'a {i}')
    rec.collect()
    time.sleep(6)
    trigger(fs, 'flush')
    rec.collect(); rec.counters()


def make_bad_dirs(fs):
    fs.mount()
    os.makedirs(f'{fs.mnt}/internal_dir/bad_dir')
    fs.umount()
    run('debugfs', '-w', '-R', 'sif internal_dir/bad_dir mode 0xff', fs.loop)
    run('debugfs', '-w', '-R', 'ln <1> internal_dir/bad_link', fs.loop)


def recipe_badmode(fs, rec):
    """E-B/E-C: two cat processes, two events (different pids never merge)."""
    make_bad_dirs(fs)
    fs.mount(); rec.mounted()
    quiet('cat', f'{fs.mnt}/internal_dir/bad_dir/x'); rec.collect()
    quiet('cat', f'{fs.mnt}/internal_dir/bad_link'); rec.collect()
    rec.counters()


LTP_TRIGGER = r'''
import ctypes, os, sys
mnt, dev = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
for step in sys.argv[3:]:
    if step == 'abort':
        libc.mount(dev.encode(), mnt.encode(), b'ext4', 0x20 | 0x1, b'abort')  # MS_REMOUNT|MS_RDONLY
    else:
        try: os.close(os.open(mnt + '/internal_dir/' + step, os.O_RDONLY))
        except OSError: pass
'''


def recipe_ltp22(fs, rec):
    """LTP fanotify22's four cases, every trigger of a case from one process (errors merge)."""
    make_bad_dirs(fs)
    for steps in (['abort'], ['bad_dir'], ['bad_link', 'bad_dir'], ['bad_dir', 'abort']):
        fs.mount(); rec.mounted()
        subprocess.run([sys.executable, '-c', LTP_TRIGGER, fs.mnt, fs.loop, *steps], check=True)
        rec.collect(); rec.counters()
        last = [l for l in rec.lines if l['source'] == 'mount'][-1]['mount']
        fs.umount()
        rec.lines.append({'source': 'mount', 'action': 'unmounted', 'mount': last, 'readAtUs': now_us()})


def recipe_abort(fs, rec):
    """E-D: journal abort forced by the 'abort' remount option: error 108."""
    fs.mount(); rec.mounted()
    run('mount', '-o', 'remount,ro,abort', fs.loop, fs.mnt)
    rec.collect(); rec.counters()


def recipe_dirblock(fs, rec):
    """E-E: directory block checksum failure (metadata_csum is the mke2fs default): error 74."""
    fs.mount()
    os.mkdir(f'{fs.mnt}/d')
    for i in range(1, 21):
        with open(f'{fs.mnt}/d/file{i}', 'w') as f:
            f.write(f'{i}\n')
    fs.umount()
    block = int(run('debugfs', '-R', 'blocks d', fs.loop).split()[0])
    bs = next(int(l.split()[-1]) for l in run('dumpe2fs', '-h', fs.loop).splitlines() if l.startswith('Block size'))
    with open(fs.loop, 'r+b') as dev:
        dev.seek(block * bs)
        dev.write(b'\xde\xad\xbe\xef')
    fs.mount(); rec.mounted()
    quiet('ls', f'{fs.mnt}/d'); rec.collect()
    quiet('cat', f'{fs.mnt}/d/file1'); rec.collect()
    rec.counters()


def recipe_remount_ro(fs, rec):
    """E-F: errors=remount-ro: the first error aborts the journal and sets emergency_ro; later
    errors produce nothing at all."""
    fs.mount('errors=remount-ro'); rec.mounted()
    for i in (1, 2, 3):
        trigger(fs, f'ro-test {i}')
    quiet('touch', f'{fs.mnt}/x')
    rec.collect(); rec.counters()


def recipe_shutdown(fs, rec):
    """E-G: FS_IOC_SHUTDOWN (LOGFLUSH): logged, no FAN_FS_ERROR, not counted; a later error is ignored."""
    fs.mount(); rec.mounted()
    run('xfs_io', '-x', '-c', 'shutdown -f', fs.mnt)
    quiet('touch', f'{fs.mnt}/x')
    trigger(fs, 'after shutdown')
    rec.collect(); rec.counters()


def drop_caches():
    with open('/proc/sys/vm/drop_caches', 'w') as f:
        f.write('3')


def simulate_fail(fs, code):
    with open(f'/sys/fs/ext4/{fs.device}/simulate_fail', 'w') as f:
        f.write(str(code))


def recipe_simfail(fs, rec):
    """E-H (CONFIG_EXT4_DEBUG): inode-table read EIO (error 5, FID gen 0), then dir block CRC (74)."""
    fs.mount()
    os.mkdir(f'{fs.mnt}/d')
    for i in range(1, 51):
        with open(f'{fs.mnt}/d/f{i}', 'w') as f:
            f.write(f'{i}\n')
    fs.umount()
    fs.mount(); rec.mounted()
    drop_caches(); simulate_fail(fs, 5); quiet('stat', f'{fs.mnt}/d/f7'); rec.collect()
    drop_caches(); simulate_fail(fs, 8); quiet('ls', f'{fs.mnt}/d'); rec.collect()
    rec.counters()


def recipe_mballoc(fs, rec):
    """E-I: block bitmap vs group descriptor inconsistency: logged and counted, never sent to fanotify."""
    run('debugfs', '-w', '-f', '-', fs.loop, input='set_bg 0 free_blocks_count 5000\nset_bg 0 checksum calc\n')
    fs.mount(); rec.mounted()
    for i in range(1, 6):
        with open(f'{fs.mnt}/f{i}', 'w') as f:
            f.write(f'{i}\n')
    with open(f'{fs.mnt}/big', 'wb') as f:
        f.write(b'\0' * 2_000_000)
    os.sync()
    rec.collect(settle=2); rec.counters()


def shrink(fs, mib):
    """Cut the loop device under the mounted fs: I/O beyond the new end fails with EIO, like a dead disk."""
    os.truncate(fs.image, mib * 1024 * 1024)
    run('losetup', '-c', fs.loop)


def recipe_journal_eio(fs, rec):
    """Journal writes fail (the journal lies beyond the shrunk end): jbd2 aborts on its own, and the
    next ext4 operation logs 'Detected aborted journal' (fanotify error 5) and goes read-only."""
    fs.mount(); rec.mounted()
    os.mkdir(f'{fs.mnt}/d')
    for i in range(50):
        with open(f'{fs.mnt}/d/f{i}', 'w') as f:
            f.write('x' * 5000)
    os.sync()
    shrink(fs, 16)
    for i in range(50):
        with open(f'{fs.mnt}/d/g{i}', 'w') as f:
            f.write('y' * 5000)
    os.sync()
    time.sleep(6)  # past the 5 s jbd2 commit interval
    quiet('touch', f'{fs.mnt}/d/h')
    rec.collect(settle=1); rec.counters()


def recipe_data_eio(fs, rec):
    """Data writeback fails: only a warning (ext4_end_bio) and block-layer lines, no fanotify event."""
    fs.mount(); rec.mounted()
    with open(f'{fs.mnt}/big', 'wb') as f:
        f.write(b'a' * 40_000_000)
    os.sync()
    shrink(fs, 16)
    fd = os.open(f'{fs.mnt}/big', os.O_WRONLY)
    try:
        os.pwrite(fd, b'b' * 8192, 30_000_000)
        try:
            os.fsync(fd)
        except OSError:
            pass  # EIO is the point
    finally:
        os.close(fd)
    rec.collect(settle=1); rec.counters()


RECIPES = {
    'trigger': recipe_trigger,
    'trigger-1000': recipe_trigger_1000,
    'badmode': recipe_badmode,
    'ltp22': recipe_ltp22,
    'abort': recipe_abort,
    'dirblock': recipe_dirblock,
    'remount-ro': recipe_remount_ro,
    'shutdown': recipe_shutdown,
    'simfail': recipe_simfail,
    'mballoc': recipe_mballoc,
    'journal-eio': recipe_journal_eio,
    'data-eio': recipe_data_eio,
}


def record(name, out_dir):
    fs = LoopFs()
    rec = None
    try:
        rec = Recorder(fs)
        RECIPES[name](fs, rec)
        path = os.path.join(out_dir, f'ext4-{name}.jsonl')
        rec.write(path)
        print(f'{path}: {len(rec.lines)} lines')
    finally:
        if rec:
            rec.close()
        fs.cleanup()


def main(argv):
    out_dir = DEFAULT_OUT
    if argv[:1] == ['--out']:
        out_dir, argv = argv[1], argv[2:]
    if os.geteuid() != 0:
        sys.exit('ext4-record.py needs root (loop devices, mount, fanotify filesystem marks, /dev/kmsg)')
    names = list(RECIPES) if argv in ([], ['all']) else argv
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        sys.exit(f'unknown recipe(s) {unknown}; known: {", ".join(RECIPES)}')
    for n in names:
        record(n, out_dir)


if __name__ == '__main__':
    main(sys.argv[1:])
