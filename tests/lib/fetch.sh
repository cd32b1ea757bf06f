# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the scripts that fetch from Debian's archive with private apt
# state into the cache (tests/guest/world.sh, tests/realxen/world.sh,
# tests/realxen/sysroot.sh).

# fetch_begin NAME LOCK: CACHE (canonical: the linker compares paths with
# --sysroot) and KEYRING set, die and say speaking as NAME, a failing step
# named (set -e alone would end the script without a word), and the cache's
# LOCK file held until the script exits.
fetch_begin() {
	FETCH_NAME=$1
	CACHE=${VSCMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vscmi}
	KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
	trap 'echo "$FETCH_NAME: line $LINENO failed: $BASH_COMMAND" >&2' ERR
	mkdir -p "$CACHE"
	CACHE=$(readlink -f "$CACHE")
	exec 9>"$CACHE/$2"
	flock 9
}
die() {
	echo "$FETCH_NAME: $*" >&2
	exit 1
}
say() { echo "$FETCH_NAME: $*" >&2; }

# vscmi_debian_sources: prints the system's Debian sources as deb822
# stanzas: /etc/apt/sources.list.d/debian.sources as it is (Debian's
# container images), else the "deb" lines of /etc/apt/sources.list (what
# Debian's installer writes). Fails when neither names a source.
vscmi_debian_sources() {
	local d822=/etc/apt/sources.list.d/debian.sources list=/etc/apt/sources.list
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg

	if [ -r "$d822" ] && grep -q '^URIs:' "$d822"; then
		cat "$d822"
		return 0
	fi
	[ -r "$list" ] || return 1
	# deb [options] URI SUITE COMPONENT... ; the options ([arch=...],
	# [signed-by=...]) are dropped: the archive keyring signs Debian
	awk -v k="$keyring" '
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if (i + 1 > NF) next
			printf "%sTypes: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n",
				n++ ? "\n" : "", $i, $(i + 1), k
		}
		END { exit n ? 0 : 1 }' "$list"
}

# apt_private DIR ARCH: a private apt state in DIR (its sources.list.d and
# preferences.d, lists, cache and an empty dpkg status: nothing counts as
# installed) for packages of ARCH only, and APT_OPTS that point apt-get at
# it. The system's apt configuration is never read or touched.
apt_private() {
	APT=$1
	mkdir -p "$APT/sources.list.d" "$APT/preferences.d" "$APT/lists/partial" "$APT/cache/archives/partial"
	: >"$APT/status"
	APT_OPTS=(-q -oDir::Etc::SourceParts="$APT/sources.list.d" -oDir::Etc::SourceList=/dev/null
		-oDir::Etc::Preferences=/dev/null -oDir::Etc::PreferencesParts="$APT/preferences.d"
		-oDir::State::Lists="$APT/lists" -oDir::Cache="$APT/cache" -oDir::State::status="$APT/status"
		-oAPT::Architecture="$2" -oAPT::Architectures::="$2"
		-oAPT::Sandbox::User="$(id -un)" -oAcquire::Retries=3)
}

# apt_private_update WHAT: refreshes the private lists from the first mirror
# the private sources name, or dies saying that WHAT cannot be had offline
# the first time. Any list that failed counts as a failure.
apt_private_update() {
	local uri
	uri=$(cat "$APT"/sources.list.d/*.sources | awk '/^URIs:/ { print $2; exit }')
	say "updating the private package lists from $uri"
	if ! apt-get "${APT_OPTS[@]}" update >"$APT/update.log" 2>&1 ||
		grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$APT/update.log"; then
		cat "$APT/update.log" >&2
		die "cannot reach the Debian archive at $uri (see above); $1 cannot be had offline the first time"
	fi
}
