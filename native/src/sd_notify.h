// sd_notify(3) without libsystemd: one datagram to the unix socket systemd names in $NOTIFY_SOCKET
// (READY=1, WATCHDOG=1, STATUS=..., STOPPING=1). Node has no unix datagram sockets, and linking
// libsystemd for one sendto would add a build and run dependency.
#pragma once

#include <string>

#include "sys_error.h"

// Sends `state` to `socket_path` (a filesystem path, or "@name" for the abstract namespace) as one
// SOCK_DGRAM datagram with MSG_DONTWAIT|MSG_NOSIGNAL: never blocks the JS thread (a full socket
// buffer is EAGAIN, reported like any failure). False with *err set on failure.
bool SdNotify(const std::string& socket_path, const std::string& state, SysError* err);
