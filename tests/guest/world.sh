#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the world a real Linux arm64 guest runs in, from Debian packages
# only, and prints the directory that holds it:
#
#   root/usr/bin/qemu-system-aarch64   QEMU 10 from bookworm-backports, unpacked
#   Image                              Debian's arm64 kernel
#   modules/virtio_mmio.ko             from the same kernel package
#   modules/dwc3-of-simple.ko          (the reset consumer the guest test binds)
#   modules/scmi_transport_virtio.ko   built out of tree from linux-source
#   modules/xen/*.ko                   what a dom0 on the same kernel needs for
#                                      a device model (tests/realxen)
#   busybox                            busybox-static, arm64
#
# The world lives outside the checkout, in
# ${VSCMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vscmi}/guest-<kernel ABI>,
# and is built once: a later run finds the stamp and costs nothing (no
# network). VSCMI_GUEST_REFRESH=1 asks the archive again for the current
# kernel of the series. apt runs with private state and source lists derived
# from the system's; the system's apt configuration is never touched and no
# package is installed.
set -euo pipefail

# ---- pins: everything the world depends on is chosen here ----------------
KERNEL_SERIES=6.12			# linux-image-$KERNEL_SERIES-arm64, linux-source-$KERNEL_SERIES
KERNEL_SUITE=bookworm-security		# where the 6.12 kernel lives for Debian 12
QEMU_SUITE=bookworm-backports		# QEMU 10: the first with vhost-user-scmi is 8.x; 7.2 in bookworm has none
QEMU_MAJOR=10
BUSYBOX_SUITE=bookworm
WORLD_FORMAT=2				# bump when the products below change
# VSCMI_GUEST_KERNEL=6.12.N+deb12 pins the kernel ABI instead of the series' current one.
# --------------------------------------------------------------------------

. "$(dirname "$0")/../lib/fetch.sh"
fetch_begin world.sh .lock

stamp_of() { echo "format=$WORLD_FORMAT kernel=$1 series=$KERNEL_SERIES qemu=$QEMU_SUITE/$QEMU_MAJOR"; }

# A world is usable when its stamp matches these pins and its QEMU runs.
usable() {
	local w=$1
	[ -f "$w/stamp" ] || return 1
	[ "$(cat "$w/stamp")" = "$(stamp_of "$(cat "$w/kernel")")" ] || return 1
	[ -n "${VSCMI_GUEST_KERNEL:-}" ] && [ "$(cat "$w/kernel")" != "$VSCMI_GUEST_KERNEL" ] && return 1
	"$w/qemu" --version 2>/dev/null | grep -q "version $QEMU_MAJOR\." || return 1
}

if [ -z "${VSCMI_GUEST_REFRESH:-}" ] && [ -e "$CACHE/guest-current" ] &&
	usable "$CACHE/guest-current"; then
	readlink -f "$CACHE/guest-current"
	exit 0
fi

# ---- host tools ----------------------------------------------------------
missing=()
for t in apt-get apt-cache dpkg-deb xz cpio gzip make bc aarch64-linux-gnu-gcc-12 flock; do
	command -v "$t" >/dev/null || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] ||
	die "missing host tools: ${missing[*]} (scripts/test installs them: cpio xz-utils make bc gcc-aarch64-linux-gnu)"
[ -r "$KEYRING" ] || die "$KEYRING not found (package debian-archive-keyring)"

# ---- private apt ---------------------------------------------------------
APT=$CACHE/apt
mkdir -p "$APT/sources.list.d" "$APT/preferences.d" "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/host"
: >"$APT/status"
SOURCES=$APT/system.sources
vscmi_debian_sources >"$SOURCES" ||
	die "no Debian source in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list: cannot derive the mirror"
uri=$(awk '/^URIs:/ { print $2; exit }' "$SOURCES")
[ -n "$uri" ] || die "no URIs: line in $SOURCES"
{
	cat "$SOURCES"
	printf '\nTypes: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$QEMU_SUITE" "$KEYRING"
} >"$APT/sources.list.d/debian.sources"
grep -q "$KERNEL_SUITE" "$APT/sources.list.d/debian.sources" ||
	die "the system's apt sources have no $KERNEL_SUITE suite: the $KERNEL_SERIES kernel comes from there"

APT_OPTS=(-q -oDir::Etc::SourceParts="$APT/sources.list.d" -oDir::Etc::SourceList=/dev/null
	-oDir::Etc::Preferences=/dev/null -oDir::Etc::PreferencesParts="$APT/preferences.d"
	-oDir::State::Lists="$APT/lists" -oDir::Cache="$APT/cache"
	-oAPT::Architecture=amd64 -oAPT::Architectures::=amd64 -oAPT::Architectures::=arm64
	-oAPT::Sandbox::User="$(id -un)" -oAcquire::Retries=3)

say "updating the private package lists from $uri"
if ! apt-get "${APT_OPTS[@]}" -oDir::State::status="$APT/status" update >"$APT/update.log" 2>&1 ||
	grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$APT/update.log"; then
	cat "$APT/update.log" >&2
	die "cannot reach the Debian archive at $uri (see above); the guest world cannot be built offline the first time"
fi

# awk reads to the end: quitting early would kill apt-cache with SIGPIPE,
# which pipefail turns into a silent exit of the whole script.
field() { # package[:arch] field -> value of the candidate
	apt-cache "${APT_OPTS[@]}" -oDir::State::status="$APT/status" show "$1" 2>/dev/null |
		awk -v f="$2:" '$1 == f && !done { sub(/^[^:]*: */, ""); print; done = 1 }'
}

if [ -n "${VSCMI_GUEST_KERNEL:-}" ]; then
	K=$VSCMI_GUEST_KERNEL
else
	K=$(field "linux-image-$KERNEL_SERIES-arm64:arm64" Depends |
		sed -n "s/.*linux-image-\($KERNEL_SERIES\.[0-9]*+deb[0-9]*\)-arm64.*/\1/p")
	[ -n "$K" ] || die "the archive has no linux-image-$KERNEL_SERIES-arm64 (looked in $KERNEL_SUITE)"
fi
KV=$(field "linux-image-$K-arm64-unsigned:arm64" Version)
[ -n "$KV" ] || die "the archive has no linux-image-$K-arm64-unsigned (pinned or superseded?)"
SV=$(field "linux-source-$KERNEL_SERIES" Version)
[ "$SV" = "$KV" ] ||
	die "linux-source-$KERNEL_SERIES is $SV but linux-image-$K-arm64-unsigned is $KV: the module would not match"

W=$CACHE/guest-$K
if [ -z "${VSCMI_GUEST_REBUILD:-}" ] && usable "$W"; then
	ln -sfn "guest-$K" "$CACHE/guest-current"
	echo "$W"
	exit 0
fi

say "building the guest world for kernel $K ($KV) in $W"
rm -rf "$W.tmp"
mkdir -p "$W.tmp/debs" "$W.tmp/root" "$W.tmp/modules"
cd "$W.tmp/debs"
dl() { apt-get "${APT_OPTS[@]}" -oDir::State::status="$APT/status" download "$@" >>"$W.tmp/download.log" 2>&1 ||
	{ cat "$W.tmp/download.log" >&2; die "download failed: $*"; }; }
dl "linux-image-$K-arm64-unsigned:arm64" "linux-headers-$K-arm64:arm64" \
	"busybox-static:arm64/$BUSYBOX_SUITE" \
	"linux-headers-$K-common" "linux-kbuild-$K:amd64" "linux-source-$KERNEL_SERIES"
# QEMU and whatever shared libraries of it this host lacks: a download-only
# install against a copy of the system's dpkg status (nothing is installed;
# the copy keeps apt off the system's dpkg lock, so this works as any user).
cp /var/lib/dpkg/status "$APT/host/status"
apt-get "${APT_OPTS[@]}" -oDir::State::status="$APT/host/status" --no-install-recommends -y -d -t "$QEMU_SUITE" \
	-oDir::Cache::Archives="$W.tmp/debs" install "qemu-system-arm:amd64" \
	>>"$W.tmp/download.log" 2>&1 ||
	{ cat "$W.tmp/download.log" >&2; die "cannot download qemu-system-arm from $QEMU_SUITE"; }
QV=$(dpkg-deb -f qemu-system-arm_*.deb Version)
BV=$(dpkg-deb -f busybox-static_*.deb Version)
for d in ./*.deb; do
	dpkg-deb -x "$d" "$W.tmp/root"
done
cd "$W.tmp"
R=$W.tmp/root

# ---- QEMU: a wrapper that finds its unpacked libraries -------------------
cat >qemu <<WRAP
#!/bin/sh
d=\$(dirname "\$(readlink -f "\$0")")/root
LD_LIBRARY_PATH=\$d/usr/lib/x86_64-linux-gnu:\$d/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} \\
	exec "\$d/usr/bin/qemu-system-aarch64" -L "\$d/usr/share/qemu" "\$@"
WRAP
chmod +x qemu
./qemu --version | grep -q "version $QEMU_MAJOR\." ||
	{ ./qemu --version >&2 || true; die "the unpacked QEMU does not run or is not version $QEMU_MAJOR"; }

# ---- kernel and its modules ----------------------------------------------
cp "$R/boot/vmlinuz-$K-arm64" Image
MD=$R/lib/modules/$K-arm64/kernel
xz -dc "$MD/drivers/virtio/virtio_mmio.ko.xz" >modules/virtio_mmio.ko
xz -dc "$MD/drivers/usb/dwc3/dwc3-of-simple.ko.xz" >modules/dwc3-of-simple.ko
mkdir -p modules/xen
for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs/xenfs; do
	xz -dc "$MD/drivers/xen/$m.ko.xz" >"modules/xen/${m#*/}.ko"
done
cp "$R/bin/busybox" busybox

# scmi_transport_virtio: Debian builds ARM_SCMI_TRANSPORT_VIRTIO neither in nor
# as a module; build it against the headers, out of tree.
H=$R/usr/src/linux-headers-$K-arm64
sed -i "s#^include /usr/src/#include $R/usr/src/#" "$H/Makefile"
mkdir -p src mod/transports
tar -C src -xJf "$R/usr/src/linux-source-$KERNEL_SERIES.tar.xz" \
	--wildcards "linux-source-$KERNEL_SERIES/drivers/firmware/arm_scmi/*"
S=src/linux-source-$KERNEL_SERIES/drivers/firmware/arm_scmi
cp "$S"/*.h mod/
cp "$S/transports/virtio.c" mod/transports/
cat >mod/transports/Kbuild <<'KB'
obj-m := scmi_transport_virtio.o
scmi_transport_virtio-objs := virtio.o
ccflags-y += -DCONFIG_ARM_SCMI_TRANSPORT_VIRTIO_VERSION1_COMPLIANCE=1
KB
make -C "$H" M="$W.tmp/mod/transports" CONFIG_DEBUG_INFO_BTF_MODULES= modules >build.log 2>&1 ||
	{ cat build.log >&2; die "building scmi_transport_virtio.ko failed"; }
cp mod/transports/scmi_transport_virtio.ko modules/

# ---- keep the products, drop the rest ------------------------------------
rm -rf debs src mod "$R/boot" "$R/usr/src" "$R/lib/modules" "$R"/usr/lib/linux-* \
	"$R/usr/share/doc" "$R/usr/share/man"
echo "$K" >kernel
printf 'kernel %s (%s)\nqemu %s\nbusybox %s\n' "$K" "$KV" "$QV" "$BV" >versions
stamp_of "$K" >stamp
rm -rf "$W"
mv "$W.tmp" "$W"
ln -sfn "guest-$K" "$CACHE/guest-current"
say "done: $(tr '\n' ' ' <"$W/versions")"
echo "$W"
