#!/bin/bash
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
set -euo pipefail

# ---- pins -----------------------------------------------------------------
# bookworm's point-release Xen: the security update's source is not on the
# mirror (its .dsc answers 404), so main's version is the one both the
# hypervisor and the libraries use.
XEN_VERSION=4.17.5+72-g01140da4e8-1
XEN_SUITE=bookworm
# Debian's arm64 config, plus: IOREQ servers are behind EXPERT; the two
# EXPERT-gated symbols that then appear (DEBUG_INFO, SCHED_CREDIT2_DEFAULT)
# take their defaults.
CONFIG_DELTA="CONFIG_EXPERT=y CONFIG_IOREQ_SERVER=y"
WORLD_FORMAT=1
# ---------------------------------------------------------------------------

. "$(dirname "$0")/../lib/fetch.sh"
fetch_begin realxen/world.sh .lock-xen

W=$CACHE/xen-$XEN_VERSION-$WORLD_FORMAT
stamp="format=$WORLD_FORMAT xen=$XEN_VERSION config=$CONFIG_DELTA"
if [ -f "$W/stamp" ] && [ "$(cat "$W/stamp")" = "$stamp" ] && [ -s "$W/xen" ]; then
	echo "$W"
	exit 0
fi

missing=()
for t in apt-get dpkg-deb dpkg-source make flex bison aarch64-linux-gnu-gcc; do
	command -v "$t" >/dev/null || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] ||
	die "missing host tools: ${missing[*]} (scripts/test installs them: dpkg-dev flex bison gcc-aarch64-linux-gnu make)"
[ -r "$KEYRING" ] || die "$KEYRING not found (package debian-archive-keyring)"

# ---- private apt: deb-src for the source, arm64 for Debian's config --------
APT=$CACHE/apt-xen
mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/cache/archives/partial"
: >"$APT/status"
# the main archive: the first source, as the system lists it
uri=$(vscmi_debian_sources | awk '/^URIs:/ && !u { u = $2 } END { print u }')
[ -n "$uri" ] ||
	die "no Debian source in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list: cannot derive the mirror"
printf 'Types: deb deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
	"$uri" "$XEN_SUITE" "$KEYRING" >"$APT/sources.list.d/debian.sources"
APT_OPTS=(-q -oDir::Etc::SourceParts="$APT/sources.list.d" -oDir::Etc::SourceList=/dev/null
	-oDir::Etc::Preferences=/dev/null -oDir::Etc::PreferencesParts=/dev/null
	-oDir::State::Lists="$APT/lists" -oDir::Cache="$APT/cache" -oDir::State::status="$APT/status"
	-oAPT::Architecture=arm64 -oAPT::Architectures::=arm64
	-oAPT::Sandbox::User="$(id -un)" -oAcquire::Retries=3)

say "updating the private package lists from $uri"
if ! apt-get "${APT_OPTS[@]}" update >"$APT/update.log" 2>&1 ||
	grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$APT/update.log"; then
	cat "$APT/update.log" >&2
	die "cannot reach the Debian archive at $uri (see above); Xen cannot be built offline the first time"
fi

say "building Xen $XEN_VERSION with IOREQ servers in $W"
rm -rf "$W.tmp"
mkdir -p "$W.tmp/src" "$W.tmp/deb"
cd "$W.tmp/src"
apt-get "${APT_OPTS[@]}" source --download-only "xen=$XEN_VERSION" >../download.log 2>&1 ||
	{ cat ../download.log >&2; die "cannot download the source of xen $XEN_VERSION"; }
cd ../deb
apt-get "${APT_OPTS[@]}" download "xen-hypervisor-4.17-arm64=$XEN_VERSION" >>../download.log 2>&1 ||
	{ cat ../download.log >&2; die "cannot download xen-hypervisor-4.17-arm64 $XEN_VERSION"; }
dpkg-deb -x xen-hypervisor-4.17-arm64_*.deb root
cd ../src
# the signature is not checked here: apt already checked every file's hash
# against the signed Sources index
dpkg-source -q -x xen_*.dsc tree >../unpack.log 2>&1 ||
	{ cat ../unpack.log >&2; die "dpkg-source could not unpack xen $XEN_VERSION"; }

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
printf 'xen %s (Debian source, CONFIG_IOREQ_SERVER=y)\n' "$XEN_VERSION" >versions
rm -rf src deb
echo "$stamp" >stamp
rm -rf "$W"
mv "$W.tmp" "$W"
say "done: $(cat "$W/versions")"
echo "$W"
