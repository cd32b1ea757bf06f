#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# linux-raw against a real kernel's SCMI raw mode, without Xen: an arm64
# machine under QEMU (TCG) whose kernel (tests/guest/kernel.sh: raw mode,
# virtio-scmi) reaches its SCMI firmware through QEMU's vhost-user-scmi
# device. The firmware is a vscmid on the host, on the emulated platform,
# serving that machine as its agent "dom0"; its control socket shows what
# the firmware was asked to do. In the machine, vscmid (cross-built for
# arm64) runs with platform = linux-raw on the kernel's
# /sys/kernel/debug/scmi/0/raw/ files and serves two agents, vm1 and vm2,
# on sockets; vscmi-agent plays them. The host types each step on the
# machine's console (tests/rawkernel/init) and checks the firmware.
#
#   test_rawkernel.sh VSCMID VSCMICTL ARM64_BUILD_DIR [coex-pci]
#
# coex-pci: the instance also has clock and power-domain protocol nodes, so
# the kernel's own SCMI drivers bind beside raw mode (ARM_SCMI_RAW_MODE_
# SUPPORT_COEX, which the kernel has), and the device is on virtio-pci;
# without it the instance is vscmid's alone, on virtio-mmio.
#
# First of all, before vscmid takes the raw files, 1000 asynchronous
# commands of the machine's own check that each delayed response comes after
# its reply (vscmi-rawasync).
#
# ARM64_BUILD_DIR is the arm64 build of the same tree (scripts/cross-arm64,
# Debian 12's sysroot), shared with the real-Xen test. KEEP=1 keeps the
# scratch directory.
set -uo pipefail

VSCMID=${1:?usage: test_rawkernel.sh VSCMID VSCMICTL ARM64_BUILD_DIR}
VSCMICTL=${2:?usage: test_rawkernel.sh VSCMID VSCMICTL ARM64_BUILD_DIR}
ARM64=${3:?usage: test_rawkernel.sh VSCMID VSCMICTL ARM64_BUILD_DIR [coex]}
COEX=
TRANSPORT=mmio
case ${4:-} in
'') ;;
coex-pci)
	COEX=1
	TRANSPORT=pci
	;;
*)
	echo "test_rawkernel.sh: no mode '$4' (coex-pci or none)"
	exit 1
	;;
esac
ASYNC=${VSCMI_RAWKERNEL_ASYNC:-1000}	# asynchronous commands checked for order
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
RUN_TIMEOUT=${VSCMI_RAWKERNEL_TIMEOUT:-500}	# the whole QEMU run, seconds
KTIMEOUT=500		# the kernel's own reply timeout (arm,max-rx-timeout-ms)
UTIMEOUT=1000		# vscmid's upstream_timeout_ms

T=$(mktemp -d "${TMPDIR:-/tmp}/vscmi-rawkernel.XXXXXX") || exit 1
QPID=""
CPID=""
FPID=""
TPID=""
. "$SRC/tests/lib/scratch.sh"
cleanup() { scratch_cleanup $QPID $TPID $FPID $CPID; }
trap cleanup EXIT

CON=$T/console
fail() {
	echo "FAIL: $*"
	show_console 60
	[ -s "$T/fw.log" ] && { echo "---- the firmware's log"; tail -n 20 "$T/fw.log"; }
	exit 1
}
need dtc "install device-tree-compiler"
need cpio "install cpio"
need jq "install jq"
x86_64_only

# ---- the worlds (cached): QEMU, the raw-mode kernel, the arm64 build ---------------
W=$("$SRC/tests/guest/world.sh") || fail "could not build the guest world (tests/guest/world.sh, above)"
K=$("$SRC/tests/guest/kernel.sh") || fail "could not build the kernel (tests/guest/kernel.sh, above)"
S=$("$SRC/tests/realxen/sysroot.sh" bookworm) || fail "could not build the arm64 sysroot (tests/realxen/sysroot.sh, above)"
"$SRC/scripts/cross-arm64" "$ARM64" bookworm >"$T/cross.log" 2>&1 ||
	{ tail -n 40 "$T/cross.log"; fail "the arm64 build failed (scripts/cross-arm64, above)"; }
Q=$W/qemu
grep -qx CONFIG_ARM_SCMI_RAW_MODE_SUPPORT=y "$K/config" || fail "the kernel has no SCMI raw mode"

# ---- the firmware: vscmid on the host, the machine its agent "dom0" ----------------
. "$SRC/tests/lib/firmware.sh"
# another of the firmware's agents (a core outside the machine), on the bus
# clock: its changes reach dom0 as the firmware's notifications
# and a temperature sensor dom0 sees, for the kernel's hwmon driver (coex)
fw_start "$(printf 'sensors = soc_temp\n\n[sensor soc_temp]\nid = 0\ntype = celsius\nscale = -3\nvalue = 45000\n')
$(printf '\n[agent scp]\nsocket = %s\nprotocols = base clock\nclocks = axi\n' "$FW/scp.sock")"

# ---- the machine: QEMU's tree with the SCMI node, the initramfs --------------------
MEM=512
MACHINE=(-M "virt,gic-version=3,memory-backend=mem" -cpu cortex-a57 -smp 1 -m $MEM
	-object "memory-backend-memfd,id=mem,size=${MEM}M,share=on" -nic none)
"$Q" "${MACHINE[@]}" -M "virt,gic-version=3,memory-backend=mem,dumpdtb=$T/virt.dtb" \
	-display none >"$T/dumpdtb.log" 2>&1 || { cat "$T/dumpdtb.log"; fail "QEMU could not dump its device tree"; }
dtc -q -I dtb -O dts -o "$T/virt.dts" "$T/virt.dtb" || fail "dtc could not decompile virt.dtb"
# An SCMI instance of vscmid's alone: no protocol nodes, so none of the
# kernel's own SCMI drivers binds to it. With coex, clock and power domain
# nodes: the kernel's drivers register the firmware's clocks and domain
# beside raw mode.
{
	cat "$T/virt.dts"
	cat <<DTS
/ {
	firmware {
		scmi {
			compatible = "arm,scmi-virtio";
			arm,max-rx-timeout-ms = <$KTIMEOUT>;
			#address-cells = <1>;
			#size-cells = <0>;
DTS
	[ -z "$COEX" ] || cat <<DTS
			protocol@11 {
				reg = <0x11>;
				#power-domain-cells = <1>;
			};
			protocol@14 {
				reg = <0x14>;
				#clock-cells = <1>;
			};
			protocol@15 {
				reg = <0x15>;
				#thermal-sensor-cells = <1>;
			};
DTS
	printf '\t\t};\n\t};\n};\n'
} >"$T/machine.dts"
dtc -q -I dts -O dtb -o "$T/machine.dtb" "$T/machine.dts" || fail "dtc could not build the machine's tree"

# vscmid in the machine: the same resources on the firmware, two agents
{
	sed 's/^platform = emulated$/platform = linux-raw/' "$SRC/tests/guest/resources.conf"
	for d in 1 2; do
		printf '\n[agent vm%s]\nsocket = /run/vscmi/vm%s.sock\n' $d $d
		printf 'protocols = base power clock reset\nclocks = pix%s:pixel axi\n' $d
		printf 'power = media\nresets = rst_bus:bus rst_vm%s:dev\n' $d
	done
	cat <<CONF

; an onlooker: whether vscmid answers while the firmware does not
[agent vm3]
socket = /run/vscmi/vm3.sock
protocols = base clock
clocks = axi
CONF
} >"$T/vscmid.conf"
grep -q '^platform = linux-raw$' "$T/vscmid.conf" || fail "resources.conf names no emulated platform to replace"
sed -i "/^platform = linux-raw\$/a upstream_timeout_ms = $UTIMEOUT" "$T/vscmid.conf"

I=$T/initramfs
mkdir -p "$I/bin" "$I/proc" "$I/sys" "$I/dev" "$I/etc/vscmi"
cp "$W/busybox" "$I/bin/busybox"
cp "$ARM64/src/daemon/vscmid" "$ARM64/src/ctl/vscmictl" "$ARM64/src/ctl/vscmi-agent" "$S/usr/bin/jq" \
	"$ARM64/tests/rawkernel/vscmi-rawasync" "$I/bin/"
aarch64-linux-gnu-strip "$I/bin/vscmid" "$I/bin/vscmictl" "$I/bin/vscmi-agent"
"$SRC/tests/realxen/libclosure.sh" "$S" "$I/bin/vscmid" "$I/bin/vscmictl" "$I/bin/vscmi-agent" "$I/bin/jq" >"$T/libs" ||
	fail "could not list the arm64 libraries vscmid needs"
(cd "$S" && cpio -pdm --quiet "$I") <"$T/libs" || fail "could not copy the arm64 libraries"
cp "$T/vscmid.conf" "$I/etc/vscmi/vscmid.conf"
install -m 755 "$HERE/init" "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/initrd.gz") || fail "cpio"

# ---- the run --------------------------------------------------------------------------
mapfile -t FWDEV < <(fw_device $TRANSPORT)
mkfifo "$T/con.in" "$T/con.out"
cat "$T/con.out" >"$CON" &
CPID=$!
timeout -k 10 "$RUN_TIMEOUT" "$Q" "${MACHINE[@]}" -display none -monitor none -no-reboot \
	-chardev "pipe,id=con,path=$T/con" -serial chardev:con \
	-kernel "$K/Image" -initrd "$T/initrd.gz" -dtb "$T/machine.dtb" \
	-append "console=ttyAMA0 loglevel=4 panic=-1 rdinit=/init" \
	"${FWDEV[@]}" >"$T/qemu.log" 2>&1 &
QPID=$!
exec 8<>"$T/con.in"

console() { tr -d '\r' <"$CON"; }
wait_for() { # ere seconds
	local end=$((SECONDS + $2)) l
	while :; do
		l=$(console | grep -m1 -E 'VSCMI-RAW: FAIL|Kernel panic')
		[ -n "$l" ] && { sleep 2; fail "$l"; }
		console | grep -E "$1" >/dev/null && return 0
		kill -0 "$QPID" 2>/dev/null || fail "QEMU exited waiting for '$1'"
		[ $SECONDS -lt $end ] || fail "no line matching '$1' within $2 s"
		sleep 0.1
	done
}
# g COMMAND: runs COMMAND in the machine (the words of tests/rawkernel/init),
# prints its output and returns its status
echo 0 >"$T/step"
g() {
	local STEP
	STEP=$(($(cat "$T/step") + 1))
	echo $STEP >"$T/step"
	printf '%d %s\r' "$STEP" "$1" >&8
	wait_for "^VSCMI-RAW: end $STEP " "${2:-60}"
	console | sed -n "s/^VSCMI-RAW $STEP: //p"
	return "$(console | sed -n "s/^VSCMI-RAW: end $STEP //p")"
}
# gok COMMAND [LABEL]: g, its output indented (after LABEL), failing the
# test when COMMAND fails
gok() {
	local out
	out=$(g "$1") || { echo "$out"; fail "in the machine: $1"; }
	[ -n "$out" ] && echo "$out" | sed "s/^/    ${2:+$2: }/"
	return 0
}

wait_for '^VSCMI-RAW: ready' 120
ok "kernel raw mode up: $(console | sed -n 's/^VSCMI-RAW: raw files: //p')"
dm=$(g "dmesg | grep -i scmi") || fail "no SCMI line in dmesg"
echo "$dm" | sed 's/^/    /'
echo "$dm" | grep -q 'SCMI RAW Mode initialized for instance 0' || fail "no 'SCMI RAW Mode initialized' in dmesg"
echo "$dm" | grep -q "max-rx-timeout: ${KTIMEOUT}ms" || fail "the kernel did not take arm,max-rx-timeout-ms"
ok "the kernel's reply timeout is ${KTIMEOUT} ms"
if [ -n "$COEX" ]; then
	expect "the kernel's own clock driver beside raw mode: the firmware's clocks" "axi pix1 pix2 pll" \
		"$(g "ls /sys/kernel/debug/clk | grep -xE 'pll|pix1|pix2|axi' | sort | tr '\n' ' ' | sed 's/ \$//'")"
	expect "the kernel's own power domain driver: the firmware's domain" 1 \
		"$(g "grep -c '^media ' /sys/kernel/debug/pm_genpd/pm_genpd_summary")"
	# scmi-hwmon reads asynchronously when the sensor allows it: each read
	# waits for the delayed response (which sd-event once held 250 ms)
	hw=$(g "grep -l '^scmi_sensors\$' /sys/class/hwmon/hwmon*/name | sed 's,/name\$,,' | head -n1")
	[ -n "$hw" ] || fail "the kernel's hwmon driver registered no scmi_sensors"
	delayed() { fw --json status | jq -r '.agents[] | select(.name == "dom0") | .delayed'; }
	d0=$(delayed)
	out=$(g "ms sh -c 'for i in \$(seq 20); do cat $hw/temp1_input >/dev/null; done'") ||
		fail "hwmon reads: $out"
	took=$(echo "$out" | sed -n 's/^took \([0-9]*\) ms$/\1/p')
	expect "20 hwmon reads, each answered by a delayed response" 20 "$(($(delayed) - d0))"
	[ -n "$took" ] && [ "$took" -lt 2500 ] || fail "20 hwmon reads took $took ms: the delayed responses wait"
	ok "20 hwmon reads in $took ms, $((took / 20)) ms each: a round trip, not 250 ms"
	FIG_HWMON="a hwmon read (scmi-hwmon, asynchronous): $((took * 50)) us"
	kcmds0=$(grep -c '^[0-9:.]* dom0 ' "$FW_TRACE")
else
	expect "no SCMI protocol driver of the kernel bound" 0 \
		"$(g "ls /sys/bus/scmi_protocol/drivers/*/ | grep -c '^scmi_dev' || true")"
fi

# ---- a delayed response after its reply, on this transport ------------------------------
# The firmware's rst_vm1 (dom0's reset domain 1) is dom0's alone: it may be
# pulsed, asynchronously. vscmid is not running yet: the raw files are the
# test's.
out=$(g "vscmi-rawasync /sys/kernel/debug/scmi/0/raw $ASYNC 1" 120) ||
	{ echo "$out"; g "dmesg | grep -iE 'OoO|Invalid message type|scmi' | tail -n 5"; fail "asynchronous commands on virtio-$TRANSPORT"; }
ok "virtio-$TRANSPORT, $ASYNC asynchronous RESETs through raw mode: $out"
dm=$(g "dmesg | grep -cE 'OoO Delayed Response|Invalid message type' || true")
expect "the kernel saw no delayed response before its reply" 0 "$dm"
ev=$(fw --json status | jq -r '.agents[] | select(.name == "dom0") | .virtio | "\(.event_idx) \(.delayed_held_late)"')
expect "the firmware's device: EVENT_IDX negotiated, no delayed response sent before its reply was read" "true 0" "$ev"
ok "of them, $(fw --json status | jq -r '.agents[] | select(.name == "dom0") | .virtio.delayed_held') waited for the kernel to read their reply"

# ---- discovery and the state read at start, through the real raw mode -------------
sent0=$(fw_sent)
gok start >/dev/null
gok "cat /tmp/vscmid.log" vscmid
expect "link after start" up "$(g link)"
expect "timeouts and stale replies at start" "0 0" "$(g "ctl --json status | jq -r '\"\(.platform.timeouts) \(.platform.stale_replies)\"'")"
sent1=$(fw_sent)
[ "$sent1" -gt "$sent0" ] || fail "the firmware saw no command during discovery"
ok "discovery and the state read: $((sent1 - sent0)) commands reached the firmware"
grep -q 'dom0 *clock *CLOCK_DESCRIBE_RATES' "$FW_TRACE" || fail "no CLOCK_DESCRIBE_RATES reached the firmware"
grep -q 'dom0 *clock *CLOCK_RATE_GET' "$FW_TRACE" || fail "no CLOCK_RATE_GET reached the firmware (the state read)"
ok "the firmware was asked for rates and the current state"
grep -E ' dom0 .* (FAILED|NOT_FOUND|INVALID|DENIED|BUSY|COMMS)' "$FW_TRACE" && fail "a command of discovery failed at the firmware"
ok "every command of discovery succeeded at the firmware"

# ---- votes through the whole chain ----------------------------------------------------
gok "hold vm1 clock-rate 0 50M clock-on 0 clock-on 1 power-set 0 on reset-deassert 0 reset-deassert 1" vm1
fw_sample
expect "firmware: pix1 on at vm1's rate" "true 50000000" "$(fwst clock pix1 on) $(fwst clock pix1 rate)"
expect "firmware: axi on, media on" "true on" "$(fwst clock axi on) $(fwst power media state)"
expect "firmware: rst_bus, rst_vm1 deasserted; rst_vm2 asserted" "false false true" \
	"$(fwst reset rst_bus asserted) $(fwst reset rst_vm1 asserted) $(fwst reset rst_vm2 asserted)"
expect "firmware: pix2 off" false "$(fwst clock pix2 on)"

# vm2 asks for what is already so: nothing goes to the firmware
n0=$(fw_sent)
gok "hold vm2 clock-on 1 power-set 0 on reset-deassert 0" vm2
sleep 0.5
expect "commands sent for axi on, media on, rst_bus deasserted, already so" 0 "$(($(fw_sent) - n0))"
gok "release vm2"
sleep 0.5
expect "commands sent when vm2 let go of what vm1 holds too" 0 "$(($(fw_sent) - n0))"
# and asks for axi's rate changes (CLOCK_RATE_NOTIFY, its clock 1)
gok "hold vm2 clock-rate 0 74M clock-on 0 clock-on 1 power-set 0 on reset-deassert 0 reset-deassert 1 raw 095000000100000001000000" vm2
fw_sample
expect "firmware: pix2 on at vm2's rate, pix1 unchanged" "true 74000000 true 50000000" \
	"$(fwst clock pix2 on) $(fwst clock pix2 rate) $(fwst clock pix1 on) $(fwst clock pix1 rate)"
expect "firmware: rst_vm2 deasserted" false "$(fwst reset rst_vm2 asserted)"
expect "commands sent for vm2's own: pix2 rate, pix2 on, rst_vm2" 3 "$(($(fw_sent) - n0))"

# vm1 goes: what vm2 still holds stays
n0=$(fw_sent)
gok "release vm1"
fw_sample
expect "vm1 gone: pix1 off, rst_vm1 asserted" "false true" "$(fwst clock pix1 on) $(fwst reset rst_vm1 asserted)"
expect "vm1 gone: axi on, media on, rst_bus deasserted (vm2's)" "true on false" \
	"$(fwst clock axi on) $(fwst power media state) $(fwst reset rst_bus asserted)"
expect "commands sent when vm1 went: pix1 off, rst_vm1 asserted" 2 "$(($(fw_sent) - n0))"

# ---- figures: a change's round trip through the chain, and upstream alone ---------
# vm1 switches pix1 on and off, 500 changes on one connection, each one
# command to the firmware; vscmid's own figure is the upstream round trip
# (its write to the reply it reads), the rest of an agent's wait is vscmid
# and the socket; its CPU time (utime + stime, in USER_HZ = 100 ticks) over
# the run is what it spends itself.
N=500
a0=$(fw_sent)
g "ctl --json status | jq -r '\"\(.platform.answered) \(.platform.round_trip_mean_us)\"' >/tmp/rtt0" >/dev/null
cpu() { g "set -- \$(cut -d')' -f2 /proc/\$(cat /tmp/vscmid.pid)/stat); echo \$((\${12} + \${13}))"; }
c0=$(cpu)
# (the list is made in the machine: a console line holds 4095 characters)
out=$(g "ms agent vm1 \$(for i in \$(seq $((N / 2))); do printf 'clock-on 0 clock-off 0 '; done) | tail -n 1") ||
	fail "vm1's $N changes: $out"
c1=$(cpu)
expect "commands sent for vm1's $N changes" $N "$(($(fw_sent) - a0))"
rtt=$(g "set -- \$(cat /tmp/rtt0); ctl --json status | jq -r --argjson n \$1 --argjson m \$2 '(.platform.answered - \$n) as \$k | ((.platform.round_trip_mean_us * .platform.answered - \$m * \$n) / \$k | floor)'")
took=$(echo "$out" | sed -n 's/^took \([0-9]*\) ms$/\1/p')
[ -n "$took" ] || fail "no time for vm1's changes: $out"
FIG_CHAIN="an agent's change through vscmid, raw mode, virtio and QEMU to the firmware: $((took * 1000 / N)) us each ($N in $took ms, one connection); of which upstream (vscmid's write to the reply it reads): $rtt us mean; vscmid's CPU: $(((c1 - c0) * 10000 / N)) us per change"
echo "    $FIG_CHAIN"

# ---- a notification the firmware raises reaches the agent that asked -------------
# The firmware's other agent raises axi to 400 MHz (policy max): the kernel
# hands the notification to raw mode, vscmid to vm2, which asked for it.
VSCMI_AGENT=$(dirname "$VSCMICTL")/vscmi-agent
[ -x "$VSCMI_AGENT" ] || fail "no vscmi-agent beside $VSCMICTL"
"$VSCMI_AGENT" --socket "$FW/scp.sock" clock-on 0 clock-rate 0 400M hold >"$T/scp.out" 2>&1 &
SCP=$!
for _ in $(seq 50); do
	g "grep -q notification /tmp/vm2.hold" >/dev/null && break
	sleep 0.2
done
gok "cat /tmp/vm2.hold" vm2
kill $SCP
wait $SCP 2>/dev/null
fw_sample
expect "firmware: axi at the other agent's rate" 400000000 "$(fwst clock axi rate)"
n=$(g "grep -c 'notification clock msg 0x0: 00000000 01000000 0084d717' /tmp/vm2.hold")
[ "$n" -ge 1 ] || fail "vm2 got no notification of axi's rate change"
ok "vm2 was told of axi's rate change the firmware made, as its clock 1 ($n notification(s))"
expect "notifications vscmid took from the kernel" 1 \
	"$(g "ctl --json status | jq -r '.platform.notifications | . > 0 | if . then 1 else 0 end'")"

# ---- the SCMI device unbound and bound again in the machine (real uevents) --------
# Since Linux 6.11 the arm-scmi device belongs to its transport driver,
# which makes it at probe and removes it when unbound; arm-scmi itself
# cannot be unbound from userspace. With virtio, the whole stack goes with
# the virtio device's driver, scmi-virtio: unbinding it removes the
# transport driver and the arm-scmi device, binding it again makes them
# afresh. (Unbinding firmware:scmi from scmi_virtio_transport alone leaves
# the virtqueues torn down, and 6.12 dereferences NULL at the next bind.)
TR=/sys/bus/virtio/drivers/scmi-virtio
dev=$(g "ls $TR | grep '^virtio'")
[ -n "$dev" ] || fail "no virtio device bound to scmi-virtio"
gok "ls -d /sys/bus/platform/drivers/arm-scmi/arm-scmi.*" arm-scmi
n0=$(fw_sent)
gok "echo $dev >$TR/unbind"
gok "wait_link down 5"
ok "unbinding $dev from scmi-virtio took the link down"
out=$(g "agent vm1 proto-version base clock-on 0")
echo "$out" | sed 's/^/    vm1: /'
case "$out" in
*"proto-version base: SUCCESS"*"clock-on 0: COMMS_ERROR"*) ok "vm1 while the link is down: answered, its change COMMS_ERROR" ;;
*) fail "vm1 while the link is down: expected its version and COMMS_ERROR for its change" ;;
esac
gok "echo $dev >$TR/bind"
gok "wait_link up 10"
ok "binding $dev again brought the link up"
gok "ls -d /sys/bus/platform/drivers/arm-scmi/arm-scmi.* /sys/kernel/debug/scmi/*" arm-scmi
gok "grep -iE 'link|uevent' /tmp/vscmid.log | tail -n 6" vscmid
sleep 1
fw_sample
expect "after the link's return: pix2 on at vm2's rate, pix1 off" "true 74000000 false" \
	"$(fwst clock pix2 on) $(fwst clock pix2 rate) $(fwst clock pix1 on)"
[ "$(fw_sent)" -gt "$n0" ] || fail "nothing was sent to the firmware when the link came back"
ok "the link's return set the firmware to the votes again ($(($(fw_sent) - n0)) commands)"

# ---- a firmware that answers late ------------------------------------------------------
kill -STOP $FPID
out=$(g "agent vm1 clock-on 0 >/tmp/late.out 2>&1 & p=\$!; usleep 100000; ms agent vm3 proto-version base; kill -0 \$p && echo 'vm1 still waits'; wait \$p; cat /tmp/late.out")
echo "$out" | sed 's/^/    /'
kill -CONT $FPID
gok "tail -n 12 /tmp/vscmid.log" vscmid
case "$out" in
*"proto-version base: SUCCESS"*"vm1 still waits"*"clock-on 0: COMMS_ERROR"*)
	ok "vm3 answered while vm1's change waited on the firmware; vm1 then got COMMS_ERROR" ;;
*) fail "while the firmware did not answer: expected vm3 answered, then vm1's COMMS_ERROR" ;;
esac
sleep 2
fw_sample
gok "ctl --json resources | jq -c '.resources.clock[] | select(.name == \"pix1\") | .state'" vscmid
expect "after the late firmware: the firmware's pix1 follows the votes (off)" false "$(fwst clock pix1 on)"

# ---- a firmware that stops answering, and comes back -----------------------------------
# Three commands in a row without an answer take the link down; each second
# a retry's discovery asks the firmware again, and never holds the loop:
# vm3 is answered throughout. When the firmware answers again, the link
# comes back and the firmware is set to the votes.
kill -STOP $FPID
out=$(g "agent vm1 clock-on 0 reset-deassert 1; wait_link down 10 && echo down")
echo "$out" | sed 's/^/    vm1: /'
case "$out" in
*down) ok "the firmware's silence took the link down" ;;
*) kill -CONT $FPID; fail "the link stayed up while the firmware did not answer" ;;
esac
out=$(g "for i in 1 2 3 4 5 6; do ms agent vm3 proto-version base | sed -n 's/^took //p'; usleep 300000; done")
kill -CONT $FPID
echo "    vm3 while retries wait on the firmware: $(echo $out)"
expect "vm3's commands answered while the link was down" 6 "$(echo "$out" | grep -c ' ms$')"
gok "wait_link up 10"
ok "the link came back once the firmware answered"
sleep 1
fw_sample
expect "after the firmware's return: pix1 off, rst_vm1 asserted, pix2 on (the votes)" "false true true" \
	"$(fwst clock pix1 on) $(fwst reset rst_vm1 asserted) $(fwst clock pix2 on)"
gok "grep -E 'link|still down' /tmp/vscmid.log | tail -n 4" vscmid

if [ -n "$COEX" ]; then
	# the kernel's drivers and vscmid shared the instance and its token
	# space: nothing of the kernel's reached vscmid as a stale reply
	expect "stale replies vscmid dropped beside the kernel's own drivers" 0 \
		"$(g "ctl --json status | jq .platform.stale_replies")"
	ok "the kernel's own drivers sent $kcmds0 commands at boot, vscmid $(($(grep -c '^[0-9:.]* dom0 ' "$FW_TRACE") - kcmds0)) since"
fi

# ---- the summary -----------------------------------------------------------------------
gok "ctl status"
echo "figures (QEMU TCG, $(cat "$K/versions")):"
echo "  $FIG_CHAIN"
[ -n "${FIG_HWMON:-}" ] && echo "  $FIG_HWMON"
echo "$checks checks passed"
printf '0 poweroff -f\r' >&8
wait $QPID 2>/dev/null
QPID=""
