#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every SCMI protocol through Linux's own drivers: two arm64 guests under
# QEMU (TCG) on the kernel of kernel.sh (every SCMI driver built in), one on
# virtio-mmio and one on virtio-pci, reach one vscmid through its vhost-user
# sockets and share a PLL, a bus clock, a power domain, a reset line, a
# regulator, a performance domain, a power capping domain and a group of
# pins, and read one sensor.
#
#   test_protocols.sh VSCMID VSCMICTL
#
# Each guest's /init (init-protocols) runs the steps of STEPS below in
# order, through sysfs and debugfs as a user would, and stops at each
# checkpoint; there the host checks what the guest saw and what vscmid's
# votes say (vscmictl --json resources): each guest's vote what it asked,
# the resource what doc/arbiter.md makes of both. A step is a function
# step_NAME in init-protocols and host_NAME here, its consumers in
# protocols.dtsi and its resources in protocols.conf. The last step has
# vscmid ask one guest for a graceful shutdown and the other for a reboot
# (vscmictl shutdown, reboot): Linux's SCMI system power driver takes both
# down, and QEMU exits.
# KEEP=1 keeps the scratch directory (logs, device trees, consoles).
set -uo pipefail

VSCMID=${1:?usage: test_protocols.sh VSCMID VSCMICTL}
VSCMICTL=${2:?usage: test_protocols.sh VSCMID VSCMICTL}
HERE=$(cd "$(dirname "$0")" && pwd)
GUEST_TIMEOUT=${VSCMI_GUEST_TIMEOUT:-600}	# one QEMU run, seconds
# The steps, in order (system last: it ends the guests); the protocols the
# agents may use; and the SCMI drivers Linux must bind, one or more per
# protocol. A new protocol adds to all three, a step_ and a host_ function,
# its consumers to protocols.dtsi and its resources to protocols.conf.
STEPS=base,clock,power,reset,voltage,sensor,perf,powercap,pins,system
PROTOCOLS="base power system perf clock sensor reset voltage powercap pinctrl"
DRIVERS="scmi-clocks scmi-cpufreq scmi-hwmon scmi-perf-domain scmi-pinctrl scmi-power-domain scmi-powercap scmi-regulator scmi-reset scmi-system-power"

T=$(mktemp -d "${TMPDIR:-/tmp}/vscmi-protocols.XXXXXX") || exit 1
declare -A QPID
CPIDS=()
DPID=""
. "$HERE/../lib/scratch.sh"
cleanup() { scratch_cleanup "${QPID[@]}" $DPID "${CPIDS[@]}"; }
trap cleanup EXIT

GUESTS="vm1 vm2"
. "$HERE/lib.sh"
need dtc "install device-tree-compiler"
need jq "install jq"
need cpio "install cpio"
x86_64_only

# ---- the world (QEMU 10, busybox) and the kernel with every SCMI driver -----
W=$("$HERE/world.sh") || fail "could not build the guest world (tests/guest/world.sh, above)"
K=$("$HERE/kernel.sh") || fail "could not build the kernel (tests/guest/kernel.sh, above)"
echo "world $W: $(tr '\n' ' ' <"$W/versions")"
echo "kernel $K: $(cat "$K/versions")"
Q=$W/qemu

MEM=512
MACHINE=(-M "virt,gic-version=3,memory-backend=mem" -cpu cortex-a57 -smp 1 -m $MEM
	-object "memory-backend-memfd,id=mem,size=${MEM}M,share=on" -nic none)

# ---- what each guest asks ------------------------------------------------------
declare -A RATE=([vm1]=50000000 [vm2]=74000000)		# its pixel clock
declare -A IO_UV=([vm1]=1800000 [vm2]=2500000)		# regulator io
declare -A IO_OFF=([vm1]=0 [vm2]=1)			# lets go of io at voltage-off
declare -A KHZ=([vm1]=1500000 [vm2]=1000000)		# the CPU, at perf
declare -A KHZ2=([vm1]=500000 [vm2]=1000000)		# and at perf-low
# the power limit written to zone board, in uW, and what Linux sends for it
# (board counts in mW: Linux rounds up to mW, then down to the 100 mW step)
declare -A CAP_UW=([vm1]=6000000 [vm2]=3050000)
declare -A CAP_MW=([vm1]=6000 [vm2]=3000)
declare -A PAI_US=([vm1]=20000 [vm2]=5000)		# board's time window
declare -A CPU_UW=([vm1]=1200000 [vm2]=800000)		# zone cpu's limit
declare -A CAP_OFF=([vm1]=0 [vm2]=1)			# disables board's cap at powercap-relax
declare -A PINS_FIRST=([vm1]=1 [vm2]=0)			# binds the pin consumer first

# ---- vscmid ----------------------------------------------------------------------
agent() { # name: its section
	cat <<AGENT

[agent $1]
vhost = $T/$1.vhost
socket = none
protocols = $PROTOCOLS
clocks = pix${1#vm}:pixel axi
power = media
resets = rst_bus:bus rst_$1:dev
voltages = vdd_io:io vdd_$1:aux
perf = cpu
sensors = soc
powercaps = board cpu_$1:cpu
pins = spi_clk spi_mosi
pin-groups = spi0
pin-functions = spi gpio
AGENT
}
{
	cat "$HERE/resources.conf" "$HERE/protocols.conf"
	agent vm1
	agent vm2
} >"$T/vscmid.conf"

"$VSCMID" --config "$T/vscmid.conf" --runtime-dir "$T" >"$T/vscmid.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do
	[ -S "$T/control" ] && [ -S "$T/vm1.vhost" ] && [ -S "$T/vm2.vhost" ] && break
	kill -0 $DPID 2>/dev/null || fail "vscmid exited at start"
	sleep 0.05
done
[ -S "$T/vm2.vhost" ] || fail "vscmid did not open its control and vhost-user sockets"
ctl() { "$VSCMICTL" --socket "$T/control" "$@"; }
ctl trace >"$T/trace.log" 2>&1 &
CPIDS+=($!)

# ---- device trees: QEMU's own, the SCMI node from gen-dt, the consumers -----------
"$Q" "${MACHINE[@]}" -M "virt,gic-version=3,memory-backend=mem,dumpdtb=$T/virt.dtb" \
	-display none >"$T/dumpdtb.log" 2>&1 || { cat "$T/dumpdtb.log"; fail "QEMU could not dump its device tree"; }
dtc -q -I dtb -O dts -o "$T/virt.dts" "$T/virt.dtb" || fail "dtc could not decompile virt.dtb"
for g in vm1 vm2; do
	ctl gen-dt $g >"$T/$g-scmi.dtsi" || fail "vscmictl gen-dt $g"
	{
		echo '/dts-v1/;'
		echo "/include/ \"$g-scmi.dtsi\""
		grep -v '^/dts-v1/;' "$T/virt.dts"
		echo '/ {'
		sed "s/@RATE@/${RATE[$g]}/" "$HERE/consumers.dtsi.in"
		echo '};'
		cat "$HERE/protocols.dtsi"
	} >"$T/$g.dts"
	dtc -q -I dts -O dtb -i "$T" -o "$T/$g.dtb" "$T/$g.dts" || fail "dtc could not build $g.dtb"
done

# ---- initramfs: busybox and /init -------------------------------------------------
I=$T/initramfs
mkdir -p "$I/bin" "$I/proc" "$I/sys" "$I/dev" "$I/tmp"
cp "$W/busybox" "$I/bin/busybox"
install -m 755 "$HERE/init-protocols" "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/initrd.gz") || fail "cpio"

# ---- the guests ---------------------------------------------------------------------
declare -A T0 T1
boot() { # name transport
	local g=$1
	guest_boot "$g" "$2" "$K/Image" "$T/$g.dtb" "$T/$g.vhost" \
		"console=ttyAMA0 panic=-1 rdinit=/init vscmi.agent=$g vscmi.steps=$STEPS vscmi.io_uv=${IO_UV[$g]} vscmi.io_off=${IO_OFF[$g]} vscmi.khz=${KHZ[$g]} vscmi.khz2=${KHZ2[$g]} vscmi.cap_uw=${CAP_UW[$g]} vscmi.pai_us=${PAI_US[$g]} vscmi.cpu_uw=${CPU_UW[$g]} vscmi.cap_off=${CAP_OFF[$g]} vscmi.pins_first=${PINS_FIRST[$g]}"
}

# Both guests at checkpoint $1; the votes sampled.
at() {
	wait_for vm1 "at $1" 120
	wait_for vm2 "at $1" 120
	sample
}
go_both() { go vm1; go vm2; }
wait_exit() { guest_wait_exit "$@"; }

RES=$T/resources.json
sample() { ctl --json resources >"$RES" || fail "vscmictl resources"; }
. "$HERE/votes.sh"

# ---- the steps, as the host sees them ---------------------------------------------------
# base: the core's discovery, and a driver bound for every protocol
host_base() {
	at base
	for g in vm1 vm2; do
		case "$(seen $g scmi-core)" in
		*"SCMI Protocol v2.1 'vscmi:emulated'"*) ok "$g: SCMI core probed: $(seen $g scmi-core)" ;;
		*) fail "$g: unexpected SCMI core line: '$(seen $g scmi-core)'" ;;
		esac
		expect "$g: a driver on each protocol's device" "$DRIVERS" "$(seen $g scmi-drivers)"
	done
	go_both
}

# clock: both pixel clocks on one fixed PLL, the bus clock held by both
host_clock() {
	at clock
	for g in vm1 vm2; do
		expect "$g: pixel clock" "rate ${RATE[$g]} enable_count 1" "$(seen $g 'clock pixel')"
		expect "$g: axi on" "enable_count 1" "$(seen $g 'clock axi' | sed 's/.* enable_count/enable_count/')"
	done
	expect "pix1 on at vm1's rate, vm1's vote" "true ${RATE[vm1]} true ${RATE[vm1]}" \
		"$(st clock pix1 on) $(st clock pix1 rate) $(vote clock pix1 vm1 on) $(vote clock pix1 vm1 rate)"
	expect "pix2 on at vm2's rate, vm2's vote" "true ${RATE[vm2]} true ${RATE[vm2]}" \
		"$(st clock pix2 on) $(st clock pix2 rate) $(vote clock pix2 vm2 on) $(vote clock pix2 vm2 rate)"
	expect "pll on for both pixel clocks, at its fixed rate" "true 1188000000" "$(st clock pll on) $(st clock pll rate)"
	expect "axi on, votes vm1 vm2" "true true true" \
		"$(st clock axi on) $(vote clock axi vm1 on) $(vote clock axi vm2 on)"
	go_both
}

# power: one domain, on by both votes
host_power() {
	at power
	for g in vm1 vm2; do
		expect "$g: power domain media" "on" "$(seen $g 'power-domain media')"
	done
	expect "media on, votes vm1 vm2" "on on on" \
		"$(st power media state) $(vote power media vm1 state) $(vote power media vm2 state)"
	go_both
}

# reset: the shared line deasserted by both, each guest's own deasserted
host_reset() {
	at reset
	for g in vm1 vm2; do
		expect "$g: SCMI reset controllers" 1 "$(seen $g reset-controllers)"
		expect "$g: no third reset line" "refused: -22" "$(seen $g 'reset index 2')"
	done
	expect "rst_bus deasserted by both" "false false false" \
		"$(st reset rst_bus asserted) $(vote reset rst_bus vm1 asserted) $(vote reset rst_bus vm2 asserted)"
	expect "rst_vm1, rst_vm2 deasserted" "false false" "$(st reset rst_vm1 asserted) $(st reset rst_vm2 asserted)"
	go_both
}

# voltage: io (policy max) at the higher of the two levels while both hold
# it on, at vm1's once vm2 lets go; aux each guest's own
host_voltage() {
	local g
	at voltage
	for g in vm1 vm2; do
		expect "$g: io reads back its own level, on" "microvolts ${IO_UV[$g]} state enabled" \
			"$(seen $g 'voltage io')"
		expect "$g: aux on through the userspace consumer" \
			"microvolts 1200000 state enabled consumer enabled" "$(seen $g 'voltage aux')"
		expect "$g: its io vote" "true ${IO_UV[$g]}" \
			"$(vote voltage vdd_io $g on) $(vote voltage vdd_io $g level_uv)"
		expect "$g: vdd_$g on by its vote" "true true" \
			"$(st voltage vdd_$g on) $(vote voltage vdd_$g $g on)"
	done
	expect "vdd_io on at the highest level held on (max)" "true ${IO_UV[vm2]}" \
		"$(st voltage vdd_io on) $(st voltage vdd_io level_uv)"
	go_both
	at voltage-off
	expect "vm2: io off in the guest, aux off" "state disabled disabled" \
		"$(seen vm2 'voltage-off io' | sed 's/.*state/state/') $(seen vm2 'voltage-off aux state')"
	expect "vm1: io still on at its level" "microvolts ${IO_UV[vm1]} state enabled" "$(seen vm1 'voltage-off io')"
	expect "vm2's io vote off" "false" "$(vote voltage vdd_io vm2 on)"
	expect "vdd_io on at vm1's level, the only one held on" "true ${IO_UV[vm1]}" \
		"$(st voltage vdd_io on) $(st voltage vdd_io level_uv)"
	expect "vdd_vm2 off by its vote, vdd_vm1 on" "false false true" \
		"$(st voltage vdd_vm2 on) $(vote voltage vdd_vm2 vm2 on) $(st voltage vdd_vm1 on)"
	go_both
}

# sensor: no votes, one reading for both; hwmon follows its swing
# (45 C +- 5 C, period 4 s, read for 3 s)
host_sensor() {
	local g s lab min max r
	at sensor
	for g in vm1 vm2; do
		s=$(seen $g sensor)
		read -r _ lab _ _ _ min _ max <<<"$s"
		expect "$g: hwmon temp1_label" soc "$lab"
		if [ "$min" -lt 40000 ] || [ "$max" -gt 50000 ]; then
			fail "$g: temp1_input outside 40000..50000 m°C: $s"
		fi
		[ "$max" -gt "$min" ] || fail "$g: temp1_input did not move in 3 s: $s"
		ok "$g: temp1_input moves within the sensor's swing ($s)"
	done
	r=$(jq -r '.resources.sensor[] | select(.name == "soc") | .state.reading' "$RES")
	if [ "$r" -lt 40000 ] || [ "$r" -gt 50000 ]; then
		fail "vscmid's reading of soc outside its swing: $r"
	fi
	ok "vscmid reads soc at $r"
	go_both
}

# perf: the level is the highest one voted, and follows the votes down
host_perf() {
	local g
	at perf
	for g in vm1 vm2; do
		expect "$g: cpufreq" "driver scmi governor userspace frequencies 500000 1000000 1500000" \
			"$(seen $g 'perf driver' | sed 's/^/driver /')"
		expect "$g: the frequency set, and read back" "cur ${KHZ[$g]} cpuinfo ${KHZ[$g]}" "$(seen $g 'perf cur' | sed 's/^/cur /')"
		expect "$g: its level vote" "$((KHZ[$g] / 1000))" "$(vote perf cpu $g level)"
	done
	expect "cpu at the highest level voted" "$(max "${KHZ[vm1]}" "${KHZ[vm2]}")" "$(($(st perf cpu level) * 1000))"
	go_both
	at perf-low
	for g in vm1 vm2; do
		expect "$g: perf-low read back" "cur ${KHZ2[$g]} cpuinfo ${KHZ2[$g]}" "$(seen $g 'perf-low cur' | sed 's/^/cur /')"
		expect "$g: its level vote" "$((KHZ2[$g] / 1000))" "$(vote perf cpu $g level)"
	done
	expect "cpu down to the highest level still voted" "$(max "${KHZ2[vm1]}" "${KHZ2[vm2]}")" "$(($(st perf cpu level) * 1000))"
	go_both
}
max() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }
min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# powercap: arm_scmi_powercap's zones; board capped at the lowest cap
# either guest sets and averaged over the shorter window, each guest reading
# back its own; the draw (5 W) held under the cap; then vm2 disables its cap
# and board is capped at vm1's, which no longer holds the draw down
host_powercap() {
	local g cap pai
	at powercap-boot
	for g in vm1 vm2; do
		expect "$g: zones board and cpu, cpu under board" "arm-scmi:0 arm-scmi:0:0 parent arm-scmi:0" \
			"$(seen $g 'powercap zones')"
		expect "$g: the ranges in uW and us, no energy counter" \
			"board 1000000 10000000 window 1000 100000 energy_uj no cpu 100000 2000000" \
			"$(seen $g 'powercap range')"
		expect "$g: board and cpu at their boot caps" "board limit 8000000 window 10000 enabled 1 cpu limit 1500000" \
			"$(seen $g powercap-boot)"
		expect "$g: no votes yet" "- - -" \
			"$(vote powercap board $g cap) $(vote powercap board $g pai_us) $(vote powercap cpu_$g $g cap)"
	done
	expect "board at its boot cap and PAI" "8000 mW 10000" \
		"$(st powercap board cap) $(st powercap board unit) $(st powercap board pai_us)"
	go_both
	at powercap
	for g in vm1 vm2; do
		expect "$g: board reads back its own cap and window" \
			"limit $((CAP_MW[$g] * 1000)) window ${PAI_US[$g]} enabled 1" "$(seen $g 'powercap board')"
		expect "$g: cpu reads back its cap" "limit ${CPU_UW[$g]} window 1000" "$(seen $g 'powercap cpu')"
		expect "$g: its votes on board, in mW" "${CAP_MW[$g]} ${PAI_US[$g]}" \
			"$(vote powercap board $g cap) $(vote powercap board $g pai_us)"
		expect "$g: cpu_$g capped by its vote, in uW" "${CPU_UW[$g]} ${CPU_UW[$g]} uW" \
			"$(vote powercap cpu_$g $g cap) $(st powercap cpu_$g cap) $(st powercap cpu_$g unit)"
	done
	cap=$(min "${CAP_MW[vm1]}" "${CAP_MW[vm2]}")
	pai=$(min "${PAI_US[vm1]}" "${PAI_US[vm2]}")
	expect "board at the lowest cap, the shortest PAI" "$cap $pai" \
		"$(st powercap board cap) $(st powercap board pai_us)"
	go_both
	at powercap-power
	for g in vm1 vm2; do
		expect "$g: board's draw held at the cap applied" "$((cap * 1000))" "$(seen $g 'powercap-power board')"
	done
	go_both
	at powercap-relax
	expect "vm2: board's cap disabled" "limit 0 enabled 0" "$(seen vm2 'powercap-relax board')"
	expect "vm1: board still at its own cap" "limit $((CAP_MW[vm1] * 1000)) enabled 1" \
		"$(seen vm1 'powercap-relax board')"
	expect "vm2's vote: no cap, its PAI kept" "0 ${PAI_US[vm2]}" \
		"$(vote powercap board vm2 cap) $(vote powercap board vm2 pai_us)"
	expect "board at vm1's cap, the only one, still at the shortest PAI" "${CAP_MW[vm1]} $pai" \
		"$(st powercap board cap) $(st powercap board pai_us)"
	go_both
	at powercap-relaxed
	for g in vm1 vm2; do
		expect "$g: board's draw under vm1's cap" 5000000 "$(seen $g 'powercap-relaxed board')"
	done
	go_both
}

# pins: spi0's two pins held by one guest at a time, with the function and
# configs of its consumer's state; the other guest's consumer binds without
# them while the first holds them, and gets them once the first lets go;
# nobody holding them, they are back at their defaults
held() { echo "$1 spi bias-pull-up:1,bias-pull-down:1,drive-strength:8"; }
DEFAULT="- gpio bias-pull-down:1"
host_pins() {
	local mux="function spi group spi0" free="spi_clk (MUX UNCLAIMED) spi_mosi (MUX UNCLAIMED)" p
	local mine="spi_clk c001000.pin-consumer $mux spi_mosi c001000.pin-consumer $mux"
	at pins
	expect "vm1: its consumer bound, with spi0's pins" "bound yes $mine" "$(seen vm1 pins)"
	expect "vm2: its consumer not bound, the pins not its" "bound no $free" "$(seen vm2 pins)"
	for p in spi_clk spi_mosi; do
		expect "$p held by vm1, with its consumer's function and configs" "$(held vm1)" "$(pin $p)"
	done
	go_both
	at pins-busy
	expect "vm2: its consumer bound without the pins vm1 holds" "bound yes $free" "$(seen vm2 pins-busy)"
	# IN_USE is newer than Linux 6.12's table of SCMI statuses: -EIO
	expect "vm2: Linux's refusal: the first pin" "-5 spi_clk spi0" "$(seen vm2 'pins-busy refused')"
	for p in spi_clk spi_mosi; do
		expect "$p still vm1's" "$(held vm1)" "$(pin $p)"
	done
	go_both
	at pins-free
	expect "vm1: its consumer unbound, the pins let go" "bound no $free" "$(seen vm1 pins-free)"
	for p in spi_clk spi_mosi; do
		expect "$p free, at its default" "$DEFAULT" "$(pin $p)"
	done
	go_both
	at pins-taken
	expect "vm2: its consumer bound again, with spi0's pins" "bound yes $mine" "$(seen vm2 pins-taken)"
	for p in spi_clk spi_mosi; do
		expect "$p held by vm2" "$(held vm2)" "$(pin $p)"
	done
	go_both
}
# pin: "holder function configs" as vscmid has it, configs at 0 left out
# (a config type never set counts as 0)
pin() {
	jq -r --arg n "$1" '.resources.pin[] | select(.name == $n) |
		"\(.owner // "-") \(.state.function // "-") \(.state.configs | to_entries |
		map(select(.value != 0) | "\(.key):\(.value)") | join(","))"' "$RES"
}

# system: vscmid asks vm1 for a graceful shutdown and vm2 for a reboot;
# Linux's SCMI system power driver runs /sbin/poweroff and /sbin/reboot
# (QEMU runs with -no-reboot: both exit), and each guest's votes go
host_system() {
	local out p
	at system
	out=$(ctl shutdown vm1 2>&1) || fail "vscmictl shutdown vm1: $out"
	expect "vscmictl shutdown vm1" "asked agent vm1 for a graceful shutdown" "$out"
	wait_exit vm1 60
	grep -q 'scmi-system-power.*Serving shutdown/reboot request: 0' "$T/vm1.console" ||
		fail "vm1: the SCMI system power driver did not serve the shutdown"
	grep -q 'VSCMI-GUEST: orderly poweroff' "$T/vm1.console" || fail "vm1: /sbin/poweroff did not run"
	ok "vm1: SCMI system power driver served the shutdown, /sbin/poweroff ran, QEMU exited"
	for _ in $(seq 50); do # the release follows the frontend's hang-up
		sample
		vm1_released && break
		sleep 0.1
	done
	expect "vm1 gone: pix1 off, media for vm2 only" "false on - on" \
		"$(st clock pix1 on) $(st power media state) $(vote power media vm1 state) $(vote power media vm2 state)"
	expect "vm1 gone: vdd_io off (vm2 let go of it), vdd_vm1 off" "false false" \
		"$(st voltage vdd_io on) $(st voltage vdd_vm1 on)"
	expect "vm1 gone: cpu at vm2's level" "$((KHZ2[vm2] / 1000))" "$(st perf cpu level)"
	for p in spi_clk spi_mosi; do
		expect "vm1 gone: $p still vm2's" "$(held vm2)" "$(pin $p)"
	done
	expect "vm1 gone: board not capped (vm2 asked for no cap) at vm2's PAI, cpu_vm1 at its boot cap" \
		"0 ${PAI_US[vm2]} 1500000" \
		"$(st powercap board cap) $(st powercap board pai_us) $(st powercap cpu_vm1 cap)"
	out=$(ctl --json shutdown vm1 2>&1) && fail "vscmictl shutdown of a guest that is gone succeeded: $out"
	ok "vscmictl shutdown vm1 once it is gone: refused ($(echo "$out" | tr '\n' ' '))"

	out=$(ctl reboot vm2 2>&1) || fail "vscmictl reboot vm2: $out"
	expect "vscmictl reboot vm2" "asked agent vm2 for a graceful reboot" "$out"
	wait_exit vm2 60
	grep -q 'scmi-system-power.*Serving shutdown/reboot request: 1' "$T/vm2.console" ||
		fail "vm2: the SCMI system power driver did not serve the reboot"
	grep -q 'VSCMI-GUEST: orderly reboot' "$T/vm2.console" || fail "vm2: /sbin/reboot did not run"
	ok "vm2: SCMI system power driver served the reboot, /sbin/reboot ran, QEMU exited"
	for _ in $(seq 50); do
		sample
		[ "$(st power media state)" = off ] && break
		sleep 0.1
	done
	votes_all_off
	expect "all off: vdd_io vdd_vm2" "false false" "$(st voltage vdd_io on) $(st voltage vdd_vm2 on)"
	expect "all gone: cpu back at its boot level" 500 "$(st perf cpu level)"
	for p in spi_clk spi_mosi; do
		expect "all gone: $p back at its default" "$DEFAULT" "$(pin $p)"
	done
	expect "all gone: board at its boot cap and PAI, cpu_vm2 at its boot cap" "8000 10000 1500000" \
		"$(st powercap board cap) $(st powercap board pai_us) $(st powercap cpu_vm2 cap)"
}

boot vm1 mmio
boot vm2 pci
for g in vm1 vm2; do
	wait_for $g "agent $g up" 120
done
for s in ${STEPS//,/ }; do
	host_$s
done

# Every command the guests sent succeeded, Linux's listing of the agents
# too: a guest is agent 1 of 1 on its platform. All but one: vm2's request
# of spi0's first pin while vm1 held it.
busy="^[0-9:.]+ vm2 +pinctrl +PINCTRL_REQUEST +- +pin 0 +token [0-9]+ +IN_USE "
bad=$(grep -E '^[0-9:.]+ ' "$T/trace.log" | grep -v ' SUCCESS ' | grep -vE "$busy")
[ -z "$bad" ] || fail "SCMI commands that failed: $bad"
expect "vm2's request of a pin vm1 held: IN_USE, once" 1 "$(grep -cE "$busy" "$T/trace.log")"
ok "every other SCMI command of both guests succeeded ($(grep -cE '^[0-9:.]+ ' "$T/trace.log") traced)"

# What Linux sent for board's cap: a write to the zone is an asynchronous
# POWERCAP_CAP_SET (flags 2) that waits for its delayed response, in mW;
# disabling the zone one with a cap of 0 that ignores it (flags 3).
le32() { echo $((16#${1:6:2}${1:4:2}${1:2:2}${1:0:2})); }
cap_sets() { # agent: "cap/flags" of its POWERCAP_CAP_SETs on board
	local f v
	grep -E "^[0-9:.]+ $1 +powercap +POWERCAP_CAP_SET +board " "$T/trace.log" |
		sed -n 's/.* req ........0\{8\}\(........\)\(........\) .*/\1 \2/p' |
		while read -r f v; do printf '%s/%s ' "$(le32 "$v")" "$(le32 "$f")"; done | sed 's/ $//'
}
expect "vm1's caps on board in the trace, cap/flags" "${CAP_MW[vm1]}/2" "$(cap_sets vm1)"
expect "vm2's caps on board in the trace, cap/flags" "${CAP_MW[vm2]}/2 0/3" "$(cap_sets vm2)"

echo
echo "figures (QEMU $(sed -n 's/^qemu //p' "$W/versions"), TCG, kernel $(cat "$K/versions"), both guests at once):"
for g in vm1 vm2; do
	tr=mmio
	[ $g = vm2 ] && tr=pci
	printf '  %s (%s): boot to power-off through SCMI %s s\n' "$g" "$tr" \
		"$(awk -v a="${T0[$g]}" -v b="${T1[$g]}" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
done
echo "all $checks checks passed"
