"""
Capture helpers for recording real-kernel replay fixtures (JSON lines, see test/fixtures/README.md).

Python with ctypes instead of the native addon so fixtures can be recorded with nothing but python3,
e2fsprogs and util-linux. Needs root (loop devices, mount, FAN_MARK_FILESYSTEM, /dev/kmsg).

- Kmsg: a /dev/kmsg reader positioned at the end; take() returns the records written since, raw,
  exactly as read(), keeping only those that name the device (plus device-less ratelimit lines).
- Fanotify: a FAN_FS_ERROR reader (FAN_REPORT_FID) on one filesystem; take() returns the queued
  events in replay form. The caller decides when to read, because reading ends in-kernel merging.
- LoopFs: a loop-mounted image whose cleanup() unmounts and detaches even after a failure.
"""
import ctypes
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_init.argtypes = [ctypes.c_uint, ctypes.c_uint]
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]
libc.statfs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]

FAN_CLASS_NOTIF = 0x0
FAN_NONBLOCK = 0x2
FAN_CLOEXEC = 0x1
FAN_REPORT_FID = 0x200
FAN_MARK_ADD = 0x1
FAN_MARK_FILESYSTEM = 0x100
FAN_FS_ERROR = 0x8000
AT_FDCWD = -100
INFO_FID = 1
INFO_ERROR = 5

EXT4_COUNTER_FILES = [
    'errors_count',
    'first_error_time', 'first_error_func', 'first_error_line', 'first_error_ino', 'first_error_block', 'first_error_errcode',
    'last_error_time', 'last_error_func', 'last_error_line', 'last_error_ino', 'last_error_block', 'last_error_errcode',
]


def now_us():
    return time.time_ns() // 1000


def run(*cmd, check=True, input=None):
    p = subprocess.run(cmd, capture_output=True, text=True, input=input)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def statfs_fsid(path):
    """statfs f_fsid as 16 hex digits, val[0] then val[1] (the form fanotify reports)."""
    buf = ctypes.create_string_buffer(120)
    if libc.statfs(path.encode(), buf) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f'statfs {path}: {os.strerror(e)}')
    # struct statfs on x86_64/aarch64: seven 8-byte fields, then fsid_t { int val[2]; }
    v0, v1 = struct.unpack_from('<II', buf.raw, 56)
    return f'{v0:08x}{v1:08x}'


def mount_info(mount_point, device):
    """The MountInfo replay object for a mount point, from /proc/self/mountinfo."""
    with open('/proc/self/mountinfo') as f:
        for line in f:
            left, right = line.rstrip('\n').split(' - ', 1)
            fields = left.split(' ')
            if fields[4] != mount_point:
                continue
            fs_type, _source, super_opts = right.split(' ', 2)
            uuid = run('blkid', '-p', '-s', 'UUID', '-o', 'value', f'/dev/{device}', check=False).strip() or None
            opts = []
            for o in fields[5].split(',') + super_opts.split(','):
                if o not in opts:
                    opts.append(o)
            return {
                'mountId': int(fields[0]), 'mountPoint': mount_point, 'device': device, 'majorMinor': fields[2],
                'fsType': fs_type, 'fsid': statfs_fsid(mount_point), 'uuid': uuid, 'options': opts,
            }
    raise RuntimeError(f'{mount_point} is not in /proc/self/mountinfo')


def sysfs_counters(device):
    out = {}
    for name in EXT4_COUNTER_FILES:
        with open(f'/sys/fs/ext4/{device}/{name}') as f:
            v = f.read().strip()
        out[name] = int(v) if re.fullmatch(r'-?\d+', v) else v
    return out


class Kmsg:
    # Records that belong to no device but to a ratelimited printk of the fs/block layer.
    DEVICELESS = re.compile(r'^(EXT4-fs error|EXT4-fs warning|EXT4-fs|JBD2|bio_check_eod|buffer_io_error|blk_print_req_error|[\w .-]+): \d+ callbacks suppressed$')

    def __init__(self):
        self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)

    def take(self, device):
        """Records since the last take() that name `device` (word match: loop0, loop0-8, dev loop0)."""
        dev_rx = re.compile(r'(?<![\w])' + re.escape(device) + r'(?![\w])')
        out = []
        while True:
            try:
                raw = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except BrokenPipeError:
                # the ring overwrote records: the fixture would be incomplete
                raise RuntimeError('/dev/kmsg overrun while recording (EPIPE); re-run the recipe')
            rec = raw.decode('utf-8', 'surrogateescape')
            # message text without dictionary lines, \xHH un-escaped (a record may embed \x0a)
            text = re.sub(r'\\x([0-9a-f]{2})', lambda m: chr(int(m.group(1), 16)), rec.split(';', 1)[1].split('\n', 1)[0])
            if dev_rx.search(text) or self.DEVICELESS.match(text):
                out.append({'source': 'kmsg', 'record': rec, 'readAtUs': now_us()})
        return out

    def close(self):
        os.close(self.fd)


class Fanotify:
    def __init__(self, mount_point):
        self.fd = libc.fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_NONBLOCK | FAN_CLOEXEC, os.O_RDONLY)
        if self.fd < 0:
            e = ctypes.get_errno()
            raise OSError(e, f'fanotify_init: {os.strerror(e)}')
        if libc.fanotify_mark(self.fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_FS_ERROR, AT_FDCWD, mount_point.encode()) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f'fanotify_mark {mount_point}: {os.strerror(e)}')

    def take(self):
        out = []
        while True:
            try:
                buf = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            read_at = now_us()  # every replay line carries its read time; replays never use their own clock
            off = 0
            while off + 24 <= len(buf):
                event_len, _vers, _res, meta_len, mask, _fd, pid = struct.unpack_from('<IBBHQii', buf, off)
                ev = {'source': 'fanotify', 'mask': mask, 'fsid': None, 'error': None, 'error_count': None,
                      'handle_type': None, 'handle': None, 'pid': pid, 'path': None, 'readAtUs': read_at}
                pos = off + meta_len
                while pos + 4 <= off + event_len:
                    info_type, _pad, ln = struct.unpack_from('<BBH', buf, pos)
                    if ln == 0:
                        break
                    if info_type == INFO_FID:
                        v0, v1, hbytes, htype = struct.unpack_from('<IIIi', buf, pos + 4)
                        ev['fsid'] = f'{v0:08x}{v1:08x}'
                        ev['handle_type'] = htype
                        ev['handle'] = buf[pos + 20:pos + 20 + hbytes].hex()
                    elif info_type == INFO_ERROR:
                        ev['error'], ev['error_count'] = struct.unpack_from('<iI', buf, pos + 4)
                    pos += ln
                out.append(ev)
                off += event_len
        return out

    def close(self):
        os.close(self.fd)


class LoopFs:
    """One ext4 image on a loop device under a private temp dir."""

    def __init__(self, size_mib=64, mkfs_args=()):
        self.dir = tempfile.mkdtemp(prefix='fsfault-rec-')
        self.image = os.path.join(self.dir, 'ext4.img')
        self.mnt = os.path.join(self.dir, 'mnt')
        os.mkdir(self.mnt)
        with open(self.image, 'wb') as f:
            f.truncate(size_mib * 1024 * 1024)
        run('mkfs.ext4', '-q', '-F', *mkfs_args, self.image)
        self.loop = run('losetup', '--find', '--show', self.image).strip()
        self.device = os.path.basename(self.loop)

    def mount(self, opts=None):
        run('mount', *(['-o', opts] if opts else []), self.loop, self.mnt)

    def umount(self):
        run('umount', self.mnt)

    def mounted(self):
        with open('/proc/self/mountinfo') as f:
            return any(l.split(' ')[4] == self.mnt for l in f)

    def cleanup(self):
        for i in range(5):
            if not self.mounted():
                break
            subprocess.run(['umount', *(['-l'] if i >= 3 else []), self.mnt], capture_output=True)
            time.sleep(0.2)
        subprocess.run(['losetup', '-d', self.loop], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.mounted():
            raise RuntimeError(f'could not unmount {self.mnt}')


class Recorder:
    """Collects replay lines for one fixture in the order they were observed."""

    def __init__(self, fs):
        self.fs = fs
        self.lines = []
        self.kmsg = Kmsg()
        self.fan = None

    def mounted(self, action='mounted', watch=True):
        # `fanotify`: a FAN_FS_ERROR mark is on this mount, even if the recipe makes no event.
        self.lines.append({'source': 'mount', 'action': action, 'fanotify': watch, 'mount': mount_info(self.fs.mnt, self.fs.device), 'readAtUs': now_us()})
        if watch:
            if self.fan:
                self.fan.close()
            self.fan = Fanotify(self.fs.mnt)

    def collect(self, settle=0.5):
        """Log lines then fanotify events: ext4 printk()s before it calls fsnotify_sb_error()."""
        time.sleep(settle)
        self.lines.extend(self.kmsg.take(self.fs.device))
        if self.fan:
            self.lines.extend(self.fan.take())

    def counters(self):
        self.lines.append({'source': 'sysfs', 'device': self.fs.device, 'fsType': 'ext4', 'counters': sysfs_counters(self.fs.device), 'readAtUs': now_us()})

    def write(self, path):
        with open(path, 'w') as f:
            for line in self.lines:
                f.write(json.dumps(line, separators=(',', ':')) + '\n')

    def close(self):
        self.kmsg.close()
        if self.fan:
            self.fan.close()
