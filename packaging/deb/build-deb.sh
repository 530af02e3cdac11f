#!/usr/bin/env bash
# Builds the Debian package fsfault_<version>_<arch>.deb with dpkg-deb (no debhelper, no network
# beyond the npm registry):
#   /usr/lib/fsfault                    the npm package as `npm install -g` leaves it (addon and
#                                       better-sqlite3 built for this machine's Node ABI)
#   /usr/bin/fsfault                    -> ../lib/fsfault/bin/fsfault.js
#   /etc/fsfault/config.yaml            conffile: every key, commented (packaging/config.yaml)
#   /lib/systemd/system/fsfault.service packaging/systemd/fsfault.service
#   /var/lib/fsfault                    state (created by postinst and StateDirectory=; kept on
#                                       remove, deleted on purge)
# Usage: packaging/deb/build-deb.sh [--from INSTALLED_DIR] [--out DIR]
#   --from: an installed package tree (<prefix>/lib/node_modules/fsfault); default: npm pack and
#           npm install -g into a temporary prefix now.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
from=""
out="$root"
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/fsfault-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
version=$(node -p "require('$root/package.json').version")
arch=$(dpkg --print-architecture)
node_major=$(node -p "process.versions.node.split('.')[0]")
node_minor=$(node -p "process.versions.node.split('.')[1]")

if [ -z "$from" ]; then
  (cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
  npm install -g --prefix "$work/prefix" --no-fund --no-audit "$work"/fsfault-*.tgz
  from="$work/prefix/lib/node_modules/fsfault"
fi
[ -f "$from/dist/core/cli/main.js" ] && [ -f "$from/native/build/Release/fsfault_native.node" ] || {
  echo "build-deb.sh: $from is not an installed fsfault package (no dist/ or no built addon)" >&2; exit 1; }

stage="$work/stage"
mkdir -p "$stage/usr/lib" "$stage/usr/bin" "$stage/etc/fsfault" "$stage/lib/systemd/system" "$stage/usr/share/doc/fsfault" "$stage/DEBIAN"
cp -a "$from" "$stage/usr/lib/fsfault"
# Compiler intermediates are not needed at run time.
find "$stage/usr/lib/fsfault" -type d \( -name obj.target -o -name .deps \) -prune -exec rm -rf {} +
rm -rf "$stage/usr/lib/fsfault/node_modules/better-sqlite3/deps" "$stage/usr/lib/fsfault/node_modules/better-sqlite3/src"
ln -s ../lib/fsfault/bin/fsfault.js "$stage/usr/bin/fsfault"
install -m 0644 "$root/packaging/config.yaml" "$stage/etc/fsfault/config.yaml"
install -m 0644 "$root/packaging/systemd/fsfault.service" "$stage/lib/systemd/system/fsfault.service"
install -m 0644 "$root/README.md" "$stage/usr/share/doc/fsfault/README.md"
printf 'fsfault\nLicense: MIT\n' > "$stage/usr/share/doc/fsfault/copyright"

size=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: fsfault
Version: $version
Architecture: $arch
Maintainer: fsfault maintainers <fsfault@localhost>
Installed-Size: $size
Depends: nodejs (>= $node_major.$node_minor), nodejs (<< $((node_major + 1))), adduser
Section: admin
Priority: optional
Description: turns Linux filesystem errors into a reliable event stream
 fsfault watches fanotify FAN_FS_ERROR, the kernel log, ext4 error counters and XFS
 health, keeps every event in a local store and publishes them to stdout, Kafka and
 Avro files. Runs as the systemd service fsfault.service (user fsfault, three
 capabilities). The native parts are built for Node $node_major.
CONTROL
echo /etc/fsfault/config.yaml > "$stage/DEBIAN/conffiles"
install -m 0755 "$root/packaging/deb/postinst" "$root/packaging/deb/prerm" "$root/packaging/deb/postrm" "$stage/DEBIAN/"

mkdir -p "$out"
deb="$out/fsfault_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
