# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared by scripts/demo and scripts/test; sourced, not run.

# Installs the Debian packages given that are not installed yet; does
# nothing (and needs no network) when all are present.
install_missing() {
	local missing=() p sudo=""

	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "Installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		sudo="sudo"
	fi
	$sudo apt-get update
	$sudo env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}"
}

# shellcheck disable=SC2034 # used by the scripts that source this
BUILD_PACKAGES=(meson ninja-build pkg-config gcc libc6-dev check libinih-dev
	libsystemd-dev libjson-c-dev libxen-dev libmnl-dev libfuse3-dev)

# xen_utils_package: the xen-utils package of the Xen release libxen-dev is
# (xen-utils-4.17 on Debian 12, xen-utils-4.20 on Debian 13): it brings the
# real xenstored the Xen tests run, of the same release as the headers
# vscmid is built against. Call after libxen-dev is installed.
xen_utils_package() {
	local v
	v=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null) || return 1
	v=${v#*:}
	echo "xen-utils-$(echo "$v" | cut -d. -f1,2)"
}
