#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The real-Linux-guest test: two arm64 Debian guests under QEMU (TCG), one on
# virtio-mmio and one on virtio-pci, reach one vscmid through its vhost-user
# sockets and share a PLL, a clock, a power domain and a reset line.
#
#   test_guest.sh VSCMID VSCMICTL
#
# Each guest's SCMI node comes from "vscmictl gen-dt"; the guests' consumers
# (mmio-sram: clock on, rate set, power domain; dwc3-of-simple: resets and a
# clock) drive the votes, which are read back from vscmid's control socket
# while both guests run, after the first powers off holding its votes, and
# after the second unbinds its consumers and powers off.
# KEEP=1 keeps the scratch directory (logs, device trees, consoles).
set -uo pipefail

VSCMID=${1:?usage: test_guest.sh VSCMID VSCMICTL}
VSCMICTL=${2:?usage: test_guest.sh VSCMID VSCMICTL}
HERE=$(cd "$(dirname "$0")" && pwd)
GUEST_TIMEOUT=${VSCMI_GUEST_TIMEOUT:-240}	# one QEMU run, seconds
READS=${VSCMI_GUEST_READS:-500}

T=$(mktemp -d "${TMPDIR:-/tmp}/vscmi-guest.XXXXXX") || exit 1
declare -A QPID
CPIDS=()
DPID=""
. "$HERE/../lib/scratch.sh"
cleanup() { scratch_cleanup "${QPID[@]}" $DPID "${CPIDS[@]}"; }
trap cleanup EXIT

GUESTS="vm1 vm2 vm1b"
. "$HERE/lib.sh"
need dtc "install device-tree-compiler"
need jq "install jq"
need cpio "install cpio"
x86_64_only

# ---- the world: QEMU 10, the kernel, modules, busybox (cached) --------------
W=$("$HERE/world.sh") || fail "could not build the guest world (tests/guest/world.sh, above)"
echo "world $W: $(tr '\n' ' ' <"$W/versions")"
Q=$W/qemu

MEM=1024
MACHINE=(-M "virt,gic-version=3,memory-backend=mem" -cpu cortex-a57 -smp 1 -m $MEM
	-object "memory-backend-memfd,id=mem,size=${MEM}M,share=on" -nic none)

# ---- vscmid ----------------------------------------------------------------
cat >"$T/vscmid.conf" <<CONF
$(cat "$HERE/resources.conf")

[agent vm1]
vhost = $T/vm1.vhost
socket = none
protocols = base power clock reset
clocks = pix1:pixel axi
power = media
resets = rst_bus:bus rst_vm1:dev

[agent vm2]
vhost = $T/vm2.vhost
socket = none
protocols = base power clock reset
clocks = pix2:pixel axi
power = media
resets = rst_bus:bus rst_vm2:dev
CONF

"$VSCMID" --config "$T/vscmid.conf" --runtime-dir "$T" >"$T/vscmid.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do
	[ -S "$T/control" ] && [ -S "$T/vm1.vhost" ] && [ -S "$T/vm2.vhost" ] && break
	kill -0 $DPID 2>/dev/null || fail "vscmid exited at start"
	sleep 0.05
done
[ -S "$T/vm2.vhost" ] || fail "vscmid did not open its control and vhost-user sockets"
ctl() { "$VSCMICTL" --socket "$T/control" "$@"; }
# every SCMI command the guests send, decoded
ctl trace >"$T/trace.log" 2>&1 &
CPIDS+=($!)

# ---- device trees: QEMU's own, the SCMI node from gen-dt, the consumers -----
"$Q" "${MACHINE[@]}" -M "virt,gic-version=3,memory-backend=mem,dumpdtb=$T/virt.dtb" \
	-display none >"$T/dumpdtb.log" 2>&1 || { cat "$T/dumpdtb.log"; fail "QEMU could not dump its device tree"; }
dtc -q -I dtb -O dts -o "$T/virt.dts" "$T/virt.dtb" || fail "dtc could not decompile virt.dtb"

declare -A RATE=([vm1]=50000000 [vm2]=74000000)
for g in vm1 vm2; do
	ctl gen-dt $g >"$T/$g-scmi.dtsi" || fail "vscmictl gen-dt $g"
	{
		echo '/dts-v1/;'
		echo "/include/ \"$g-scmi.dtsi\""
		grep -v '^/dts-v1/;' "$T/virt.dts"
		echo '/ {'
		sed "s/@RATE@/${RATE[$g]}/" "$HERE/consumers.dtsi.in"
		echo '};'
	} >"$T/$g.dts"
	dtc -q -I dts -O dtb -i "$T" -o "$T/$g.dtb" "$T/$g.dts" || fail "dtc could not build $g.dtb"
done

# ---- initramfs: busybox, the modules, /init ---------------------------------
I=$T/initramfs
mkdir -p "$I/bin" "$I/proc" "$I/sys" "$I/dev" "$I/tmp" "$I/lib/modules"
cp "$W/busybox" "$I/bin/busybox"
cp "$W"/modules/*.ko "$I/lib/modules/"
install -m 755 "$HERE/init" "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/initrd.gz") || fail "cpio"

# ---- the guests ---------------------------------------------------------------
declare -A T0 T1
boot() { # name transport unbind [agent: the name]
	local a=${4:-$1}
	guest_boot "$1" "$2" "$W/Image" "$T/$a.dtb" "$T/$a.vhost" \
		"console=ttyAMA0 panic=-1 rdinit=/init vscmi.agent=$a vscmi.unbind=$3 vscmi.reads=$READS"
}

wait_exit() { # guest
	guest_wait_exit "$1"
	grep -q "VSCMI-GUEST: poweroff" "$T/$1.console" || fail "$1: no poweroff line"
}

RES=$T/resources.json
sample() { ctl --json resources >"$RES" || fail "vscmictl resources"; }
. "$HERE/votes.sh"

boot vm1 mmio 0
boot vm2 pci 1
# the kernel reaches /init in a few seconds; then SCMI probes, the
# consumers bind and the benchmark runs (the guest gives up on SCMI after 15 s)
for g in vm1 vm2; do
	wait_for $g "agent $g up" 90
done
for g in vm1 vm2; do
	wait_for $g ready 90
done

# ---- what each guest saw ---------------------------------------------------------
for g in vm1 vm2; do
	core=$(seen $g scmi-core)
	case "$core" in
	*"SCMI Protocol v2.1 'vscmi:emulated'"*) ok "$g: SCMI core probed: $core" ;;
	*) fail "$g: unexpected SCMI core line: '$core'" ;;
	esac
	expect "$g: clocks" "axi pixel" "$(seen $g clocks)"
	expect "$g: power domains" "media" "$(seen $g power-domains)"
	expect "$g: SCMI reset controllers" 1 "$(seen $g reset-controllers)"
	expect "$g: no third reset line" "refused: -22" "$(seen $g 'reset index 2')"
	grep -q "VSCMI-GUEST: bound sram" "$T/$g.console" || fail "$g: mmio-sram did not bind"
	grep -q "VSCMI-GUEST: bound dwc3-of-simple" "$T/$g.console" || fail "$g: dwc3-of-simple did not bind"
	ok "$g: consumers bound"
	expect "$g: pixel clock" "rate ${RATE[$g]} enable_count 1" "$(seen $g 'clock pixel')"
	expect "$g: power domain media" "on" "$(seen $g 'power-domain media')"
done

# ---- both guests up: every vote recorded ----------------------------------------
sample
votes_both "${RATE[vm1]}" "${RATE[vm2]}"
ctl resources
ctl agents
# Every command the guests sent succeeded, Linux's listing of the agents
# too: a guest is agent 1 of 1 on its platform, and learns of no other.
bad=$(grep -E '^[0-9:.]+ ' "$T/trace.log" | grep -v ' SUCCESS ')
[ -z "$bad" ] || fail "SCMI commands that failed: $bad"
for g in vm1 vm2; do
	grep -qE "^[0-9:.]+ $g +base +DISCOVER_AGENT " "$T/trace.log" || fail "$g listed no agent"
done
ok "every SCMI command of both guests succeeded ($(grep -cE '^[0-9:.]+ ' "$T/trace.log") traced)"

# ---- vm1 powers off holding its votes: vscmid withdraws them --------------------
go vm1
wait_exit vm1
for _ in $(seq 50); do # the release follows the frontend's reset or hang-up
	sample
	vm1_released && break
	sleep 0.1
done
votes_vm1_gone "${RATE[vm2]}"
ctl resources

# ---- vm1 again: a new QEMU on the same socket is served afresh --------------------
boot vm1b mmio 0 vm1
wait_for vm1b "agent vm1 up" 90
wait_for vm1b ready 90
case "$(seen vm1b scmi-core)" in
*"SCMI Protocol v2.1 'vscmi:emulated'"*) ok "vm1 again: SCMI core probed" ;;
*) fail "vm1 again: unexpected SCMI core line: '$(seen vm1b scmi-core)'" ;;
esac
expect "vm1 again: pixel clock" "rate ${RATE[vm1]} enable_count 1" "$(seen vm1b 'clock pixel')"
sample
expect "vm1 again: pix1 on, vm1's, at its rate" "true true ${RATE[vm1]}" \
	"$(st clock pix1 on) $(vote clock pix1 vm1 on) $(st clock pix1 rate)"
expect "vm1 again: media, votes vm1 vm2" "on on on" \
	"$(st power media state) $(vote power media vm1 state) $(vote power media vm2 state)"
expect "vm1 again: rst_vm1 deasserted" "false" "$(st reset rst_vm1 asserted)"
go vm1b
wait_exit vm1b
for _ in $(seq 50); do
	sample
	vm1_released && break
	sleep 0.1
done
expect "vm1 gone again: pix1 off, media for vm2 only" "false on - on" \
	"$(st clock pix1 on) $(st power media state) $(vote power media vm1 state) $(vote power media vm2 state)"

# ---- vm2 unbinds its consumers, then powers off ---------------------------------
go vm2
wait_for vm2 "consumers unbound" 30
expect "vm2 unbound: pixel enable_count" "enable_count 0" "$(seen vm2 'unbound clock pixel')"
expect "vm2 unbound: media in the guest" "off-0" "$(seen vm2 'unbound power-domain media')"
# vm2 still runs: its own votes say off and asserted, and so does everything
sample
votes_vm2_unbound
go vm2
wait_exit vm2
sample
votes_all_off
ctl resources

# ---- figures ------------------------------------------------------------------------
echo
echo "figures (QEMU $(sed -n 's/^qemu //p' "$W/versions"), TCG, kernel $(cat "$W/kernel"), both guests at once):"
for g in vm1 vm2; do
	tr=mmio
	[ $g = vm2 ] && tr=pci
	printf '  %s (%s): boot to poweroff %s s; SCMI %s; %s\n' "$g" "$tr" \
		"$(awk -v a="${T0[$g]}" -v b="${T1[$g]}" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')" \
		"$(seen $g probe)" "$(seen $g bench)"
done
echo "all $checks checks passed"
