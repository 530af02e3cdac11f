#include "sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

bool SdNotify(const std::string& socket_path, const std::string& state, SysError* err) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path) || (socket_path[0] != '/' && socket_path[0] != '@')) {
    errno = EINVAL;
    return Fail(err, "sd_notify", socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size());
  if (socket_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace: no trailing NUL
  else len += 1;
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(err, "socket", socket_path);
  ssize_t n;
  do {
    n = sendto(fd, state.data(), state.size(), MSG_DONTWAIT | MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  } while (n < 0 && errno == EINTR);
  const int saved = errno;
  close(fd);
  if (n < 0) {
    errno = saved;
    return Fail(err, "sendto", socket_path);
  }
  if (static_cast<size_t>(n) != state.size()) {
    errno = EMSGSIZE;
    return Fail(err, "sendto", socket_path);
  }
  return true;
}
