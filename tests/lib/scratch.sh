# shellcheck shell=bash
# Sourced by the guest tests (tests/guest/test_guest.sh,
# tests/realxen/test_realxen.sh).

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
