#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds a small arm64 Linux kernel from Debian's linux-source package and
# prints the directory that holds it:
#
#   Image      uncompressed arm64 Image (QEMU -kernel, a Xen boot module)
#   config     its final .config
#   versions   the linux-source package it was built from
#   stamp      the pins it was built from
#
# One kernel for every role the tests give it: a QEMU guest with every SCMI
# protocol driver over virtio, a Xen domU whose virtio goes through grants
# (CONFIG_XEN_VIRTIO, xen,grant-dma), and a dom0 with SCMI raw mode that runs
# xenstored, xl and vscmid. Everything is built in, nothing is a module.
#
# The source is the linux-source package of the kernel tests/guest/world.sh
# runs (same Debian version). The kernel lives outside the checkout, in
# ${VSCMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vscmi}/kernel-<kernel ABI>-<hash
# of the config fragment and format>, and is built once: a later run finds
# the stamp and costs a few seconds (no network). The source .deb is kept in
# the cache, so that a changed fragment rebuilds without the network.
# VSCMI_KERNEL_REBUILD=1 builds again. apt runs with private state and source
# lists derived from the system's; the system's apt configuration is never
# touched and no package is installed.
set -euo pipefail

# ---- pins: everything the kernel depends on is chosen here ---------------
KERNEL_SERIES=6.12			# linux-source-$KERNEL_SERIES, the series world.sh runs
KERNEL_SUITE=bookworm-security		# where the 6.12 kernel lives for Debian 12
KERNEL_FORMAT=1				# bump when the build or the products below change
CROSS=aarch64-linux-gnu-
# Merged into allnoconfig. Each =y line must survive olddefconfig: the build
# stops naming those that did not (a dependency missing or renamed). Only
# Image is built, so nothing may be =m: XEN_PCIDEV_STUB defaults to m.
FRAGMENT=$(
	cat <<'FRAG'
CONFIG_LOCALVERSION="-vscmi"
CONFIG_SMP=y
CONFIG_PRINTK=y
CONFIG_PRINTK_TIME=y
CONFIG_TTY=y
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_DEVTMPFS=y
CONFIG_DEVTMPFS_MOUNT=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_TMPFS=y
CONFIG_DEBUG_FS=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_PCI=y
CONFIG_PCI_HOST_GENERIC=y
CONFIG_VIRTIO_MENU=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_MMIO=y
CONFIG_PM=y
CONFIG_CPU_FREQ=y
CONFIG_CPU_FREQ_GOV_USERSPACE=y
CONFIG_CPU_FREQ_DEFAULT_GOV_USERSPACE=y
CONFIG_ARM_SCMI_PROTOCOL=y
CONFIG_ARM_SCMI_TRANSPORT_VIRTIO=y
CONFIG_ARM_SCMI_TRANSPORT_VIRTIO_VERSION1_COMPLIANCE=y
CONFIG_ARM_SCMI_RAW_MODE_SUPPORT=y
CONFIG_ARM_SCMI_RAW_MODE_SUPPORT_COEX=y
CONFIG_ARM_SCMI_POWER_CONTROL=y
CONFIG_COMMON_CLK_SCMI=y
CONFIG_ARM_SCMI_POWER_DOMAIN=y
CONFIG_ARM_SCMI_PERF_DOMAIN=y
CONFIG_ARM_SCMI_CPUFREQ=y
CONFIG_RESET_CONTROLLER=y
CONFIG_RESET_SCMI=y
CONFIG_REGULATOR=y
CONFIG_REGULATOR_ARM_SCMI=y
CONFIG_REGULATOR_VIRTUAL_CONSUMER=y
CONFIG_REGULATOR_USERSPACE_CONSUMER=y
CONFIG_HWMON=y
CONFIG_SENSORS_ARM_SCMI=y
CONFIG_PINCTRL=y
CONFIG_PINCTRL_SCMI=y
CONFIG_POWERCAP=y
CONFIG_ARM_SCMI_POWERCAP=y
CONFIG_XEN=y
CONFIG_XEN_VIRTIO=y
CONFIG_HVC_XEN=y
CONFIG_XEN_DEV_EVTCHN=y
CONFIG_XEN_BACKEND=y
CONFIG_XENFS=y
CONFIG_XEN_COMPAT_XENFS=y
CONFIG_XEN_SYS_HYPERVISOR=y
CONFIG_XEN_GNTDEV=y
CONFIG_XEN_GRANT_DEV_ALLOC=y
CONFIG_XEN_PRIVCMD=y
CONFIG_XEN_PRIVCMD_EVENTFD=y
CONFIG_EVENTFD=y
CONFIG_NET=y
CONFIG_UNIX=y
CONFIG_INET=y
CONFIG_MODULES=y
CONFIG_SYSVIPC=y
CONFIG_INOTIFY_USER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_MULTIUSER=y
CONFIG_FILE_LOCKING=y
CONFIG_POSIX_TIMERS=y
CONFIG_SHMEM=y
CONFIG_UNIX98_PTYS=y
CONFIG_SRAM=y
CONFIG_USB_SUPPORT=y
CONFIG_USB=y
CONFIG_USB_DWC3=y
CONFIG_USB_DWC3_OF_SIMPLE=y
# CONFIG_XEN_PCIDEV_STUB is not set
FRAG
)
# Not choices (arm64 or the fragment select them) but what the tests rely
# on: checked in the final .config like the fragment's lines.
IMPLIED=(
	CONFIG_ARM_GIC_V3=y			# QEMU virt,gic-version=3 and Xen's vGICv3
	CONFIG_ARM_ARCH_TIMER=y
	CONFIG_XEN_DOM0=y			# def_bool y with XEN on arm64
	CONFIG_XEN_GRANT_DMA_IOMMU=y		# binds the xen,grant-dma node virtio devices point to
	CONFIG_XEN_GRANT_DMA_OPS=y		# and maps their buffers through grants
)
# --------------------------------------------------------------------------

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/fetch.sh"
fetch_begin kernel.sh .lock-kernel

# The kernel ABI and source version come from the guest world, so that this
# kernel is the same Debian release as the one world.sh unpacks.
WORLD=$("$HERE/world.sh") || die "tests/guest/world.sh failed (above): it names the kernel to build"
K=$(cat "$WORLD/kernel")
SV=$(sed -n "s/^kernel $K (\(.*\))\$/\1/p" "$WORLD/versions")
if [ -z "$K" ] || [ -z "$SV" ]; then
	die "no kernel version in $WORLD/kernel and $WORLD/versions"
fi

HASH=$(printf 'format=%s\n%s\n' "$KERNEL_FORMAT" "$FRAGMENT" | sha256sum | cut -c1-12)
STAMP="format=$KERNEL_FORMAT source=linux-source-$KERNEL_SERIES=$SV fragment=$HASH arch=arm64"
O=$CACHE/kernel-$K-$HASH

# config_lacks FILE: prints the fragment's =y lines and IMPLIED that FILE
# does not hold.
config_lacks() {
	local l
	while IFS= read -r l; do
		grep -qx -- "$l" "$1" || echo "$l"
	done < <(printf '%s\n' "$FRAGMENT" | grep -E '^CONFIG_[A-Za-z0-9_]+=y$'; printf '%s\n' "${IMPLIED[@]}")
}

# Usable: the stamp matches these pins, the config holds the fragment's =y
# lines and IMPLIED, and Image is an arm64 Image (its header's magic,
# "ARM\x64" at offset 56).
usable() {
	[ -f "$O/stamp" ] && [ "$(cat "$O/stamp")" = "$STAMP" ] &&
		[ -f "$O/config" ] && [ -z "$(config_lacks "$O/config")" ] &&
		[ -f "$O/Image" ] && [ "$(od -An -c -j56 -N4 "$O/Image" | tr -d ' ')" = ARMd ]
}
if [ -z "${VSCMI_KERNEL_REBUILD:-}" ] && usable; then
	echo "$O"
	exit 0
fi

# ---- host tools ----------------------------------------------------------
# No module signing and nothing else that needs OpenSSL is configured, and
# arm64 has no objtool: libssl-dev and libelf-dev are not needed.
declare -A PKG=([apt-get]=apt [dpkg-deb]=dpkg [tar]=tar [xz]=xz-utils [make]=make [gcc]=gcc
	[bc]=bc [flex]=flex [bison]=bison ["${CROSS}gcc"]=gcc-aarch64-linux-gnu
	["${CROSS}ld"]=binutils-aarch64-linux-gnu [sha256sum]=coreutils [flock]=util-linux [od]=coreutils)
missing=()
for t in "${!PKG[@]}"; do
	command -v "$t" >/dev/null || missing+=("${PKG[$t]}")
done
[ ${#missing[@]} -eq 0 ] || die "missing host tools, install: $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
echo '#include <stdio.h>' | gcc -E -xc - >/dev/null 2>&1 ||
	die "the host compiler cannot find <stdio.h> (install libc6-dev): kbuild builds host tools"
[ -r "$KEYRING" ] || die "$KEYRING not found (package debian-archive-keyring)"

# ---- the source .deb: kept, fetched with private apt when missing --------
APT=$CACHE/apt-kernel
DEBS=$APT/debs
mkdir -p "$DEBS"
deb_of() { # the kept .deb of linux-source at version SV, if any
	local d
	for d in "$DEBS"/linux-source-"$KERNEL_SERIES"_*.deb; do
		[ -f "$d" ] && [ "$(dpkg-deb -f "$d" Version)" = "$SV" ] && { echo "$d"; return 0; }
	done
	return 1
}
if ! DEB=$(deb_of); then
	apt_private "$APT" amd64
	SOURCES=$APT/sources.list.d/debian.sources
	vscmi_debian_sources >"$SOURCES" ||
		die "no Debian source in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list: cannot derive the mirror"
	grep -q "$KERNEL_SUITE" "$SOURCES" ||
		die "the system's apt sources have no $KERNEL_SUITE suite: the $KERNEL_SERIES kernel comes from there"
	apt_private_update "the kernel source"
	say "downloading linux-source-$KERNEL_SERIES $SV"
	# Older versions of the source are of no further use.
	rm -f "$DEBS"/linux-source-"$KERNEL_SERIES"_*.deb
	(cd "$DEBS" && apt-get "${APT_OPTS[@]}" download "linux-source-$KERNEL_SERIES=$SV") >"$APT/download.log" 2>&1 ||
		{ cat "$APT/download.log" >&2; die "cannot download linux-source-$KERNEL_SERIES=$SV (superseded in $KERNEL_SUITE? VSCMI_GUEST_REFRESH=1 tests/guest/world.sh moves the guest world to the current kernel)"; }
	DEB=$(deb_of) || die "apt downloaded no linux-source-$KERNEL_SERIES $SV into $DEBS"
fi

# ---- build ---------------------------------------------------------------
say "building kernel $K ($SV) in $O"
SECONDS=0
T=$O.tmp
rm -rf "$T"
mkdir -p "$T"
# The .deb holds the source as one more tarball: stream it out and unpack.
dpkg-deb --fsys-tarfile "$DEB" | tar -xO -f - "./usr/src/linux-source-$KERNEL_SERIES.tar.xz" |
	tar -xJ -C "$T" -f - || die "cannot unpack the source from $DEB"
S=$T/linux-source-$KERNEL_SERIES
[ -f "$S/Makefile" ] || die "$DEB holds no linux-source-$KERNEL_SERIES/Makefile"
printf '%s\n' "$FRAGMENT" >"$T/fragment"

LOG=$T/build.log
# Host header missing: name the Debian package that has it.
build_failed() {
	local h
	tail -n 30 "$LOG" >&2
	h=$(sed -n 's/.*fatal error: \([^:]*\.h\): No such file.*/\1/p' "$LOG" | head -n1)
	case $h in
	gelf.h | libelf.h) die "$1: host header $h missing (install libelf-dev)" ;;
	openssl/*) die "$1: host header $h missing (install libssl-dev)" ;;
	?*) die "$1: host header $h missing (above)" ;;
	esac
	die "$1 (above; the whole log is $LOG)"
}
KMAKE=(make -C "$S" ARCH=arm64 CROSS_COMPILE="$CROSS" KBUILD_BUILD_USER=vscmi KBUILD_BUILD_HOST=kernel.sh)
"${KMAKE[@]}" allnoconfig >"$LOG" 2>&1 || build_failed "make allnoconfig failed"
(cd "$S" && scripts/kconfig/merge_config.sh -m .config "$T/fragment") >>"$LOG" 2>&1 ||
	build_failed "merge_config.sh failed"
"${KMAKE[@]}" olddefconfig >>"$LOG" 2>&1 || build_failed "make olddefconfig failed"
lost=$(config_lacks "$S/.config" | tr '\n' ' ')
[ -z "$lost" ] || die "the final .config lacks: $lost(a dependency is missing from the fragment)"
mods=$(grep -E '^CONFIG_[A-Za-z0-9_]+=m$' "$S/.config" | tr '\n' ' ' || true)
[ -z "$mods" ] || die "the final .config has modules, which make Image does not build: $mods(say =y or is not set in the fragment)"
say "compiling with $(nproc) jobs (source unpacked and configured in ${SECONDS}s)"
"${KMAKE[@]}" -j"$(nproc)" Image >>"$LOG" 2>&1 || build_failed "make Image failed"

# ---- keep the products, drop the rest ------------------------------------
cp "$S/arch/arm64/boot/Image" "$T/Image"
cp "$S/.config" "$T/config"
rm -rf "$S" "$T/fragment" "$LOG"
echo "linux-source-$KERNEL_SERIES $SV" >"$T/versions"
echo "$STAMP" >"$T/stamp"
rm -rf "$O"
mv "$T" "$O"
usable || die "the built $O/Image is not an arm64 Image"
say "done in ${SECONDS}s: Image $(du -h "$O/Image" | cut -f1), linux-source-$KERNEL_SERIES $SV"
echo "$O"
