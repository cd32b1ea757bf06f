#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds an arm64 sysroot from Debian 12 packages and prints its absolute
# path: what vscmid and vscmictl cross-build against (cross/aarch64-linux-gnu.ini)
# and where the dom0 image takes its runtime libraries from
# (tests/realxen/libclosure.sh).
#
#   usr/include, usr/lib/aarch64-linux-gnu, lib/aarch64-linux-gnu
#                 the packages below and their whole arm64 dependency closure,
#                 unpacked with dpkg-deb (nothing is installed)
#   sysroot.ini   meson cross constants: sysroot = '<this directory>'
#   versions      package, version and architecture of every unpacked .deb
#   stamp         the pins this sysroot was built from
#
# The sysroot lives outside the checkout, in
# ${VSCMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vscmi}/sysroot-arm64-<stamp>,
# and is built once: a later run finds the stamp and costs nothing (no
# network). apt runs with private state and source lists derived from the
# system's, for arm64 only and against an empty dpkg status, so that it
# resolves the full closure; the system's apt configuration is never touched.
#
#   sysroot.sh [bookworm|trixie]
#
# bookworm (Debian 12, Xen 4.17) is the default. trixie (Debian 13, Xen 4.20)
# adds Debian's Xen userspace for dom0 (xl, xenstored, xenconsoled,
# xen-init-dom0, the xenstore tools), unpacked without the packages'
# non-library dependencies (python3, udev): the dom0 image takes only the
# programs and their library closure (tests/realxen/libclosure.sh).
set -euo pipefail

SUITE=${1:-bookworm}
# ---- pins: everything the sysroot depends on is chosen here --------------
DEV_PKGS=(libc6-dev libinih-dev libsystemd-dev libjson-c-dev libmnl-dev)
EXTRA_PKGS=(jq)				# a test script inside the VM reads JSON
TOOL_PKGS=()				# taken alone, their dependencies named below
case $SUITE in
bookworm)
	# The hypervisor is built from the 4.17.5 source (bookworm main): the
	# tools libraries must be the same release. bookworm-security has
	# 4.17.7, which apt would prefer; every xen binary package is held to
	# this version.
	XEN_VERSION=4.17.5+72-g01140da4e8-1
	XEN_PKGS=(libxen-dev libxenstore4 libxencall1 libxendevicemodel1 libxenevtchn1
		libxenforeignmemory1 libxengnttab1 libxenmisc4.17 libxentoolcore1 libxentoollog1)
	SUITES="bookworm"
	SYSROOT_FORMAT=1		# bump when the layout or the fix-ups below change
	;;
trixie)
	XEN_VERSION=4.20.4+63-g7abfd2bce2-0+deb13u1
	XEN_PKGS=(libxen-dev libxenstore4 libxencall1 libxendevicemodel1 libxenevtchn1
		libxenforeignmemory1 libxengnttab1 libxenmisc4.20 libxentoolcore1 libxentoollog1
		libxenhypfs1)
	TOOL_PKGS=(xen-utils-4.20 xen-utils-common xenstore-utils)
	# what xl and xenconsole link besides the Xen libraries
	EXTRA_PKGS+=(libyajl2 libncurses6 libtinfo6 libgcc-s1)
	SUITES="trixie trixie-updates"
	SYSROOT_FORMAT=2
	;;
*)
	echo "sysroot.sh: no suite $SUITE (bookworm or trixie)" >&2
	exit 2
	;;
esac
# --------------------------------------------------------------------------

. "$(dirname "$0")/../lib/fetch.sh"
fetch_begin sysroot.sh .lock-sysroot

STAMP="format=$SYSROOT_FORMAT suite=$SUITE arch=arm64 xen=$XEN_VERSION xen-pkgs=${XEN_PKGS[*]} pkgs=${DEV_PKGS[*]} ${EXTRA_PKGS[*]} tools=${TOOL_PKGS[*]}"
S=$CACHE/sysroot-arm64-$(printf '%s\n' "$STAMP" | sha256sum | cut -c1-12)

usable() {
	[ -f "$S/stamp" ] && [ "$(cat "$S/stamp")" = "$STAMP" ] && [ -f "$S/sysroot.ini" ]
}
if [ -z "${VSCMI_SYSROOT_REBUILD:-}" ] && usable; then
	echo "$S"
	exit 0
fi

# ---- host tools ----------------------------------------------------------
missing=()
for t in apt-get dpkg-deb flock sha256sum realpath; do
	command -v "$t" >/dev/null || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] || die "missing host tools: ${missing[*]}"
[ -r "$KEYRING" ] || die "$KEYRING not found (package debian-archive-keyring)"

# ---- private apt, arm64 only ---------------------------------------------
# Its own state, apart from tests/guest/world.sh's (which holds another lock).
apt_private "$CACHE/apt-sysroot$([ "$SUITE" = bookworm ] || echo "-$SUITE")" arm64
SOURCES=$APT/sources.list.d/debian.sources
vscmi_debian_sources >"$SOURCES" ||
	die "no Debian source in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list: cannot derive the mirror"
if [ "$SUITE" != bookworm ]; then
	# the system's mirror, for the other release
	uri=$(awk '/^URIs:/ { print $2; exit }' "$SOURCES")
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
		"$uri" "$SUITES" "$KEYRING" >"$SOURCES"
fi
# A dependency apt pulls in itself (libxenhypfs1, ...) is held too.
cat >"$APT/preferences.d/xen" <<PIN
Package: libxen* xen*
Pin: version $XEN_VERSION
Pin-Priority: 1001
PIN

apt_private_update "the sysroot"

say "building the arm64 sysroot ($SUITE, xen $XEN_VERSION) in $S"
T=$S.tmp
rm -rf "$T" "$T.debs"
mkdir -p "$T" "$T.debs/partial"
want=("${DEV_PKGS[@]}" "${EXTRA_PKGS[@]}")
for p in "${XEN_PKGS[@]}"; do
	want+=("$p=$XEN_VERSION")
done
# A download-only install against the empty status: the .debs of the whole
# dependency closure, and nothing installed.
apt-get "${APT_OPTS[@]}" --no-install-recommends -y -d -oDir::Cache::Archives="$T.debs" \
	install "${want[@]}" >"$T.download.log" 2>&1 ||
	{ cat "$T.download.log" >&2; die "cannot download the arm64 packages (see above)"; }

# The tools alone: their libraries are in the closure above.
if [ ${#TOOL_PKGS[@]} -gt 0 ]; then
	tools=()
	for p in "${TOOL_PKGS[@]}"; do
		tools+=("$p=$XEN_VERSION")
	done
	(cd "$T.debs" && apt-get "${APT_OPTS[@]}" download "${tools[@]}") >>"$T.download.log" 2>&1 ||
		{ cat "$T.download.log" >&2; die "cannot download ${TOOL_PKGS[*]} (see above)"; }
fi

shopt -s nullglob
debs=("$T.debs"/*.deb)
[ ${#debs[@]} -gt 0 ] || die "apt downloaded nothing (see $T.download.log)"
: >"$T/versions.debs"
for d in "${debs[@]}"; do
	# shellcheck disable=SC2016 # dpkg-deb expands the ${...}
	read -r pkg ver arch src < <(dpkg-deb -W --showformat='${Package} ${Version} ${Architecture} ${source:Package}\n' "$d")
	if [ "$src" = xen ] && [ "$ver" != "$XEN_VERSION" ]; then
		die "$pkg is $ver, not the pinned xen $XEN_VERSION"
	fi
	[ "$arch" = arm64 ] || [ "$arch" = all ] || die "$pkg is for $arch, not arm64"
	printf '%s %s %s\n' "$pkg" "$ver" "$arch" >>"$T/versions.debs"
	dpkg-deb -x "$d" "$T"
done
say "unpacked ${#debs[@]} packages"

# ---- fix-ups -------------------------------------------------------------
# Debian 13 is merged-/usr: its packages name /lib, /bin and /sbin through
# links into usr/ that no package ships. Anything unpacked to the top
# directories moves under usr/, and the links are made.
if [ "$SUITE" != bookworm ]; then
	for d in lib bin sbin; do
		mkdir -p "$T/usr/$d"
		if [ -d "$T/$d" ] && [ ! -L "$T/$d" ]; then
			cp -a "$T/$d/." "$T/usr/$d/"
			rm -rf "${T:?}/$d"
		fi
		ln -sfn "usr/$d" "$T/$d"
	done
fi
# An absolute link (libfoo.so -> /lib/aarch64-linux-gnu/libfoo.so.1) would
# point into the build host; re-point it, relatively, inside the sysroot.
n=0
while IFS= read -r -d '' l; do
	t=$(readlink "$l")
	case $t in /*) ;; *) continue ;; esac
	ln -sfn "$(realpath -m -s --relative-to="$(dirname "$l")" "$T$t")" "$l"
	n=$((n + 1))
done < <(find "$T" -type l -print0)
say "re-pointed $n absolute symlinks"
dangling=$(cd "$T" && find lib usr/lib -xtype l -name '*.so*' -printf '%p ')
[ -z "$dangling" ] || say "warning: dangling library links: $dangling"

for f in usr/lib/aarch64-linux-gnu/libc.so lib/ld-linux-aarch64.so.1 \
	usr/lib/aarch64-linux-gnu/crt1.o usr/include/xenctrl.h usr/include/systemd/sd-daemon.h \
	usr/lib/aarch64-linux-gnu/pkgconfig/xencontrol.pc usr/bin/jq \
	$([ "$SUITE" = bookworm ] || echo usr/lib/xen-4.20/bin/xl usr/lib/xen-4.20/bin/xenstored usr/bin/xenstore-read); do
	[ -e "$T/$f" ] || die "the sysroot has no $f"
done

{
	echo "xen $XEN_VERSION"
	sort "$T/versions.debs"
} >"$T/versions"
rm -f "$T/versions.debs"
printf "[constants]\nsysroot = '%s'\n" "$S" >"$T/sysroot.ini"
rm -rf "$S" "$T.debs" "$T.download.log"
mv "$T" "$S"

# libc.so is a linker script naming /lib/aarch64-linux-gnu/libc.so.6: the
# linker prefixes the sysroot to such paths only in scripts inside the
# sysroot. Link a program the way cross/aarch64-linux-gnu.ini does (Debian's
# cross gcc would take /usr/aarch64-linux-gnu first if not told otherwise)
# and see that its start files and libc came from here, before the stamp
# makes the sysroot final.
if command -v aarch64-linux-gnu-gcc >/dev/null; then
	c=$(mktemp -d)
	M=aarch64-linux-gnu
	printf '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n' >"$c/t.c"
	if ! aarch64-linux-gnu-gcc --sysroot="$S" -isystem "$S/usr/include/$M" -isystem "$S/usr/include" \
		-B"$S/usr/lib/$M/" -L"$S/usr/lib/$M" -L"$S/lib/$M" \
		-Wl,-rpath-link,"$S/usr/lib/$M" -Wl,-rpath-link,"$S/lib/$M" \
		-o "$c/t" "$c/t.c" -Wl,--trace >"$c/trace" 2>&1 ||
		! grep -qx "$S/usr/lib/$M/Scrt1.o" "$c/trace" ||
		! grep -qx "$S/lib/$M/libc.so.6" "$c/trace" ||
		grep -q "^/usr/$M/" "$c/trace"; then
		cat "$c/trace" >&2
		rm -rf "$c" "$S"
		die "a program linked against the sysroot does not take its start files and libc from it (see above)"
	fi
	rm -rf "$c"
else
	say "aarch64-linux-gnu-gcc not found: the link check is skipped"
fi

echo "$STAMP" >"$S/stamp"
say "done: $(du -sh "$S" | cut -f1), $(($(wc -l <"$S/versions") - 1)) packages"
echo "$S"
