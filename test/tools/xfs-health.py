#!/usr/bin/env python3
"""Read XFS in-memory health through the kernel's ioctls and print replay `ioctl` lines.

Usage: xfs-health.py MOUNTPOINT DEVICE [INODE ...]

One JSON line per probe: the filesystem (XFS_IOC_FSGEOMETRY), every allocation group
(XFS_IOC_AG_GEOMETRY) and each listed inode (XFS_IOC_BULKSTAT, icount=1). A failing open or ioctl
becomes a line with `failure` set to the errno name (after a shutdown even open() gives EIO), so
the recording shows what a poller would have seen. A last line on stderr gives the geometry the
AG arithmetic needs, for the fixture README.

This exists because the native addon's xfsFsGeometry/xfsAgGeometry/xfsBulkstatHealth were not
usable when the fixtures were recorded; struct layouts are those of kernel-error-sources.md 5.1.
"""
import errno
import fcntl
import json
import time
import os
import struct
import sys

XFS_IOC_FSGEOMETRY = 0x8100587E  # _IOR('X', 126, struct xfs_fsop_geom), 256 bytes
XFS_IOC_AG_GEOMETRY = 0xC080583D  # _IOWR('X', 61, struct xfs_ag_geometry), 128 bytes
XFS_IOC_BULKSTAT = 0x8040587F  # _IOR('X', 127, struct xfs_bulkstat_req), 64-byte header
BULKSTAT_SIZE = 192


def line(device, scope, index, sick=0, checked=0, failure=None):
    # readAtUs: every replay line carries its read time (a replay never uses its own clock).
    return json.dumps({"source": "ioctl", "device": device, "fsType": "xfs", "scope": scope,
                       "index": index, "sick": sick, "checked": checked, "failure": failure,
                       "readAtUs": time.time_ns() // 1000},
                      separators=(",", ":"))


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: xfs-health.py MOUNTPOINT DEVICE [INODE ...]")
    mnt, device, inodes = sys.argv[1], sys.argv[2], [int(i) for i in sys.argv[3:]]
    try:
        fd = os.open(mnt, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        print(line(device, "fs", None, failure=errname(e)))
        return
    try:
        geom = bytearray(256)
        try:
            fcntl.ioctl(fd, XFS_IOC_FSGEOMETRY, geom, True)
        except OSError as e:
            print(line(device, "fs", None, failure=errname(e)))
            return
        blocksize, _rtext, agblocks, agcount, _logb, _sect, inodesize = struct.unpack_from("<7I", geom, 0)
        sick, checked = struct.unpack_from("<II", geom, 112)
        print(line(device, "fs", None, sick, checked))
        for agno in range(agcount):
            ag = bytearray(128)
            struct.pack_into("<I", ag, 0, agno)
            try:
                fcntl.ioctl(fd, XFS_IOC_AG_GEOMETRY, ag, True)
                ag_sick, ag_checked = struct.unpack_from("<II", ag, 20)
                print(line(device, "ag", agno, ag_sick, ag_checked))
            except OSError as e:
                print(line(device, "ag", agno, failure=errname(e)))
        for ino in inodes:
            req = bytearray(64 + BULKSTAT_SIZE)
            struct.pack_into("<QIII", req, 0, ino, 0, 1, 0)
            try:
                fcntl.ioctl(fd, XFS_IOC_BULKSTAT, req, True)
            except OSError as e:
                print(line(device, "inode", ino, failure=errname(e)))
                continue
            ocount = struct.unpack_from("<I", req, 16)[0]
            bs_ino = struct.unpack_from("<Q", req, 64)[0] if ocount else None
            if bs_ino != ino:
                print(line(device, "inode", ino, failure="ENOENT"))
                continue
            # bs_sick and bs_checked sit at +128 (after bs_version, bs_forkoff), bs_mode at +132
            bs_sick, bs_checked, bs_mode = struct.unpack_from("<HHH", req, 64 + 128)
            if bs_mode == 0:
                sys.exit(f"bulkstat of {ino}: bs_mode 0, the struct layout is wrong")
            print(line(device, "inode", ino, bs_sick, bs_checked))
        print(json.dumps({"geometry": {"blocksize": blocksize, "agblocks": agblocks, "agcount": agcount,
                                       "inodesize": inodesize}}), file=sys.stderr)
    finally:
        os.close(fd)


if __name__ == "__main__":
    main()
