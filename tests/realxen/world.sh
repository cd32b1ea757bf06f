#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the Xen hypervisor the real-Xen test boots, from Debian's own source
# package, and prints the directory that holds it:
#
#   xen          the arm64 hypervisor image (QEMU -kernel), with IOREQ servers
#   config       the .config it was built with (Debian's, plus the delta below)
#   versions     what it was built from
#
# Debian ships Xen for arm64 without CONFIG_IOREQ_SERVER (an EXPERT option),
# so its hypervisor answers ENOSYS to every device model; this one is the same
# source and config with IOREQ servers on. The source version is pinned to the
# arm64 Xen libraries vscmid is cross-built against (tests/realxen/sysroot.sh).
#
# The result lives in ${VSCMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vscmi}/
# xen-<version>-<format> and is built once; a later run costs nothing (no
# network). apt runs with private state and source lists derived from the
# system's; nothing is installed.
#
#   world.sh [4.17|4.20]
#
# 4.17 (the default) is Debian 12's Xen, built from its source package. 4.20
# is Debian 13's: the archive does not serve trixie's Xen source, so the
# hypervisor is built from the Xen project's release tarball of the same
# upstream version, named by VSCMI_XEN_TARBALL (or found in the cache), with
# Debian 13's arm64 config. Debian's 4.20.4+63 userspace (xl, xenstored, the
# libraries) runs on that hypervisor unchanged.
set -euo pipefail

RELEASE=${1:-4.17}
# ---- pins -----------------------------------------------------------------
case $RELEASE in
4.17)
	# bookworm's point-release Xen: the security update's source is not on
	# the mirror (its .dsc answers 404), so main's version is the one both
	# the hypervisor and the libraries use.
	XEN_VERSION=4.17.5+72-g01140da4e8-1
	XEN_SUITES="bookworm"
	;;
4.20)
	# the hypervisor: upstream RELEASE-4.20.4; the config and (in the
	# sysroot) the userspace: Debian 13's 4.20.4+63 packages
	XEN_VERSION=4.20.4+63-g7abfd2bce2-0+deb13u1
	XEN_SUITES="trixie trixie-updates"
	XEN_UPSTREAM=4.20.4
	# a git archive of the tag (as ../shared/xen/README.md describes it);
	# the Xen project's own xen-4.20.4.tar.gz differs and is checked by its
	# contents instead
	XEN_TARBALL_SHA256=77c8c7d1f250f41d85d76838bf8f0bf7bf8b08f911085d8b58046e39240d2b72
	;;
*)
	echo "world.sh: no Xen release $RELEASE (4.17 or 4.20)" >&2
	exit 2
	;;
esac
# Debian's arm64 config, plus: IOREQ servers are behind EXPERT; the
# EXPERT-gated symbols that then appear take their defaults.
CONFIG_DELTA="CONFIG_EXPERT=y CONFIG_IOREQ_SERVER=y"
WORLD_FORMAT=1
# ---------------------------------------------------------------------------

. "$(dirname "$0")/../lib/fetch.sh"
fetch_begin realxen/world.sh .lock-xen

W=$CACHE/xen-$XEN_VERSION-$WORLD_FORMAT
HYP=xen-hypervisor-$RELEASE-arm64
stamp="format=$WORLD_FORMAT xen=$XEN_VERSION config=$CONFIG_DELTA"
if [ -f "$W/stamp" ] && [ "$(cat "$W/stamp")" = "$stamp" ] && [ -s "$W/xen" ]; then
	echo "$W"
	exit 0
fi

# The upstream tarball for 4.20 (needed only to build): VSCMI_XEN_TARBALL,
# else the copy an earlier run kept in the cache.
TARBALL=""
if [ "$RELEASE" != 4.17 ]; then
	TARBALL=${VSCMI_XEN_TARBALL:-}
	if [ -z "$TARBALL" ]; then
		for t in "$CACHE/xen-$XEN_UPSTREAM".tar.{xz,gz}; do
			[ -r "$t" ] && TARBALL=$t && break
		done
	fi
	[ -n "$TARBALL" ] && [ -r "$TARBALL" ] ||
		die "no source for Xen $XEN_UPSTREAM: set VSCMI_XEN_TARBALL to the Xen project's" \
			"release tarball (https://downloads.xenproject.org/release/xen/$XEN_UPSTREAM/xen-$XEN_UPSTREAM.tar.gz)" \
			"or to a 'git archive --prefix=xen-$XEN_UPSTREAM/' of its tag RELEASE-$XEN_UPSTREAM (.tar.xz)"
fi

missing=()
for t in apt-get dpkg-deb dpkg-source make flex bison aarch64-linux-gnu-gcc; do
	command -v "$t" >/dev/null || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] ||
	die "missing host tools: ${missing[*]} (scripts/test installs them: dpkg-dev flex bison gcc-aarch64-linux-gnu make)"
[ -r "$KEYRING" ] || die "$KEYRING not found (package debian-archive-keyring)"

# ---- private apt: deb-src for the source, arm64 for Debian's config --------
apt_private "$CACHE/apt-xen$([ "$RELEASE" = 4.17 ] || echo "-$RELEASE")" arm64
# the main archive: the first source, as the system lists it
uri=$(vscmi_debian_sources | awk '/^URIs:/ && !u { u = $2 } END { print u }')
[ -n "$uri" ] ||
	die "no Debian source in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list: cannot derive the mirror"
printf 'Types: deb%s\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
	"$([ -z "$TARBALL" ] && echo " deb-src")" "$uri" "$XEN_SUITES" "$KEYRING" >"$APT/sources.list.d/debian.sources"
apt_private_update "Xen"

say "building Xen $XEN_VERSION with IOREQ servers in $W"
rm -rf "$W.tmp"
mkdir -p "$W.tmp/src" "$W.tmp/deb"
cd "$W.tmp/deb"
apt-get "${APT_OPTS[@]}" download "$HYP=$XEN_VERSION" >>../download.log 2>&1 ||
	{ cat ../download.log >&2; die "cannot download $HYP $XEN_VERSION (its config is the base)"; }
dpkg-deb -x "$HYP"_*.deb root
cd ../src
if [ -z "$TARBALL" ]; then
	apt-get "${APT_OPTS[@]}" source --download-only "xen=$XEN_VERSION" >../download.log 2>&1 ||
		{ cat ../download.log >&2; die "cannot download the source of xen $XEN_VERSION"; }
	# the signature is not checked here: apt already checked every file's
	# hash against the signed Sources index
	dpkg-source -q -x xen_*.dsc tree >../unpack.log 2>&1 ||
		{ cat ../unpack.log >&2; die "dpkg-source could not unpack xen $XEN_VERSION"; }
	FROM="Debian source"
else
	sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
	mkdir tree
	tar -xf "$TARBALL" -C tree --strip-components=1 ||
		die "cannot unpack $TARBALL"
	# the release's own Makefile says which release it is
	v=$(sed -nE 's/^export XEN_(VERSION|SUBVERSION|EXTRAVERSION) *\??= *//p' tree/xen/Makefile |
		sed 's/\$(XEN_VENDORVERSION)//' | tr '\n' . | sed -E 's/\.+$//; s/\.\.+/./g')
	[ "$v" = "$XEN_UPSTREAM" ] || die "$TARBALL holds Xen '$v', not $XEN_UPSTREAM"
	if [ "$sum" = "$XEN_TARBALL_SHA256" ]; then
		FROM="upstream RELEASE-$XEN_UPSTREAM, git archive sha256 $sum"
	else
		FROM="upstream $XEN_UPSTREAM tarball sha256 $sum"
	fi
	# kept for the next build (a new cache needs it only once)
	case $TARBALL in
	"$CACHE"/*) ;;
	*) cp "$TARBALL" "$CACHE/xen-$XEN_UPSTREAM.tar.${TARBALL##*.tar.}.tmp" &&
		mv "$CACHE/xen-$XEN_UPSTREAM.tar.${TARBALL##*.tar.}.tmp" "$CACHE/xen-$XEN_UPSTREAM.tar.${TARBALL##*.tar.}" ;;
	esac
fi

X=$W.tmp/src/tree/xen
cfg=$(ls "$W.tmp"/deb/root/boot/xen-*-arm64.config)
cp "$cfg" "$X/.config"
printf '%s\n' $CONFIG_DELTA >>"$X/.config"
MK=(-C "$X" XEN_TARGET_ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
make "${MK[@]}" olddefconfig >../build.log 2>&1 ||
	{ tail -n 40 ../build.log >&2; die "Xen's olddefconfig failed"; }
grep -qx 'CONFIG_IOREQ_SERVER=y' "$X/.config" || die "CONFIG_IOREQ_SERVER did not stay on"
make "${MK[@]}" -j"$(nproc)" >>../build.log 2>&1 ||
	{ tail -n 40 ../build.log >&2; die "building Xen failed"; }

cd "$W.tmp"
cp "$X/xen" xen
cp "$X/.config" config
printf 'xen %s (hypervisor: %s, Debian config + %s)\n' "$XEN_VERSION" "$FROM" "$CONFIG_DELTA" >versions
rm -rf src deb
echo "$stamp" >stamp
rm -rf "$W"
mv "$W.tmp" "$W"
say "done: $(cat "$W/versions")"
echo "$W"
