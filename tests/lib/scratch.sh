# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the guest tests (tests/guest/test_guest.sh,
# tests/realxen/test_realxen.sh, tests/rawkernel/test_rawkernel.sh), which
# define fail.

# scratch_cleanup PID...: stops what the test started, then removes its
# scratch directory $T, or keeps it and says so with KEEP=1.
scratch_cleanup() {
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}

# need PROGRAM HINT: the test fails when PROGRAM is missing, saying HINT.
need() { command -v "$1" >/dev/null || fail "$1 not found ($2)"; }

# x86_64_only: the worlds (tests/guest/world.sh and the rest) are built for
# an x86_64 host; anywhere else the test is skipped.
x86_64_only() {
	[ "$(uname -m)" = x86_64 ] && return 0
	echo "SKIP: the worlds are built for an x86_64 host (this is $(uname -m))"
	exit 77
}

# show_console N: after a failure, the last N lines of the console ($CON)
# and the end of QEMU's log ($T/qemu.log).
show_console() {
	if [ -s "$CON" ]; then
		echo "---- console (last $1 lines)"
		tail -n "$1" "$CON" | tr -d '\r'
	fi
	if [ -s "$T/qemu.log" ]; then
		echo "---- qemu"
		tail -n 20 "$T/qemu.log"
	fi
}

# ok WHAT: one check passed, numbered; expect WHAT EXPECTED ACTUAL: a check
# of a value, failing the test when it differs.
checks=0
ok() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}
expect() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	ok "$1 = $2"
}
