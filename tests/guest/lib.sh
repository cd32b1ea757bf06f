# SPDX-License-Identifier: GPL-2.0-only
# What the real-Linux-guest tests share: a guest under QEMU on a vhost-user
# SCMI device, its console, and the failure report. Sourced after T (the
# scratch directory), Q (QEMU), MACHINE, GUEST_TIMEOUT and GUESTS (the
# guests whose logs a failure shows) are set; QPID, T0 and T1 are the
# callers' associative arrays and CPIDS their list of helper processes.

show() { # file [lines]
	[ -s "$1" ] || return 0
	echo "---- ${1#"$T"/} (last ${2:-40} lines)"
	tail -n "${2:-40}" "$1" | tr -d '\r'
}

fail() {
	echo "FAIL: $*"
	show "$T/vscmid.log" 30
	for g in $GUESTS; do
		show "$T/$g.qemu.log" 15
		show "$T/$g.console" 60
	done
	exit 1
}

# Starts guest NAME on virtio-mmio or virtio-pci, its console on a pair of
# fifos ($T/NAME.con.in, .out, copied to $T/NAME.console).
guest_boot() { # name mmio|pci kernel dtb vhost-socket append
	local g=$1 dev
	mkfifo "$T/$g.con.in" "$T/$g.con.out"
	cat "$T/$g.con.out" >"$T/$g.console" &
	CPIDS+=($!)
	if [ "$2" = mmio ]; then
		dev=(-global virtio-mmio.force-legacy=false -device vhost-user-scmi,chardev=vu)
	else
		dev=(-device vhost-user-scmi-pci,chardev=vu)
	fi
	T0[$g]=$(date +%s%N)
	timeout "$GUEST_TIMEOUT" "$Q" "${MACHINE[@]}" -display none -monitor none -no-reboot \
		-chardev "pipe,id=con,path=$T/$g.con" -serial chardev:con \
		-kernel "$3" -initrd "$T/initrd.gz" -dtb "$4" -append "$6" \
		-chardev "socket,id=vu,path=$5" "${dev[@]}" >"$T/$g.qemu.log" 2>&1 &
	QPID[$g]=$!
}

# Waits for "VSCMI-GUEST: $2" on guest $1's console, a line or its first
# words (at powercap is not at powercap-boot), failing at once on any sign
# the guest or QEMU went wrong instead of waiting out a timeout.
wait_for() { # guest marker seconds
	local g=$1 c=$T/$1.console end=$((SECONDS + $3)) l
	while :; do
		l=$(grep -m1 -E 'VSCMI-GUEST: FAIL|Kernel panic|scmi.*(-110|timed out)|arm-scmi.*failed' "$c")
		[ -n "$l" ] && fail "$g: $l"
		l=$(grep -m1 -iE 'Error starting vhost|Failed to (connect|read msg)|vhost.*fail' "$T/$g.qemu.log")
		[ -n "$l" ] && fail "$g: QEMU: $l"
		grep -qE "VSCMI-GUEST: $2([[:space:]]|\$)" "$c" && return 0
		kill -0 "${QPID[$g]}" 2>/dev/null || fail "$g: QEMU exited before \"$2\""
		[ $SECONDS -lt $end ] || fail "$g: no \"$2\" within $3 s"
		sleep 0.1
	done
}

# The value after "VSCMI-GUEST: $2 " on guest $1's console.
seen() { sed -n "s/^VSCMI-GUEST: $2 \(.*\)\r\{0,1\}$/\1/p" "$T/$1.console" | tr -d '\r' | head -n1; }
# Lets guest $1 go on past the step it waits at.
go() { timeout 10 sh -c "echo go >'$T/$1.con.in'" || fail "$1: cannot reach the console"; }

# Waits for guest $1's QEMU to end, at most $2 s when given (else QEMU's
# own timeout), and fails unless it ended by itself.
guest_wait_exit() { # guest [seconds]
	local r end=$((SECONDS + ${2:-0}))
	while [ -n "${2:-}" ] && kill -0 "${QPID[$1]}" 2>/dev/null; do
		[ $SECONDS -lt $end ] || fail "$1: still running $2 s after it was asked to go down"
		sleep 0.1
	done
	wait "${QPID[$1]}"
	r=$?
	T1[$1]=$(date +%s%N)
	unset "QPID[$1]"
	[ $r -eq 0 ] || fail "$1: QEMU exited with status $r$([ $r -eq 124 ] && echo " (timed out)")"
}
