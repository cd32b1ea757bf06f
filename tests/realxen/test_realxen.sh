#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The real-Xen test: a Xen 4.17 hypervisor with IOREQ servers (built from
# Debian's source) boots under QEMU (TCG) with a dom0 that runs vscmid,
# cross-built for arm64, and two dom0less Linux domUs whose SCMI stacks
# reach it through real IOREQ, event channels, foreign mapping and SPIs.
# The two guests share a PLL, a clock, a power domain and a reset line.
#
#   test_realxen.sh VSCMID VSCMICTL ARM64_BUILD_DIR [RELEASE]
#
# RELEASE 4.17 (the default): Debian 12's Xen, dom0 without a toolstack,
# both domUs dom0less, and the whole production chain: dom0's kernel
# (tests/guest/kernel.sh) has SCMI raw mode, its SCMI instance is QEMU's
# vhost-user-scmi device (virtio-mmio, handed to dom0 by Xen) served by a
# vscmid on the host that plays the firmware, and vscmid in dom0 runs
# platform = linux-raw; the host checks the firmware's state. RELEASE 4.20: Debian 13's Xen userspace in dom0
# (xenstored, xenconsoled, xl) on a Xen 4.20 hypervisor (the upstream
# release tarball: VSCMI_XEN_TARBALL, see tests/realxen/world.sh); vm1 is
# dom0less, vm2 is made by the real xl from an xl.cfg with a virtio= line,
# rebooted, shut down and destroyed with it.
#
# VSCMID and VSCMICTL are the native build (they print the guests' partial
# device trees before the boot); ARM64_BUILD_DIR is where the arm64 build
# of the same tree goes (kept between runs: ninja rebuilds what changed).
# The host conducts the run on the serial console: it types commands to
# dom0 (tests/realxen/init-dom0), which checks vscmid's votes, and "go" to
# each domU (tests/guest/init), switching Xen's console input with CTRL-a.
# KEEP=1 keeps the scratch directory (console, device trees, images).
set -uo pipefail

VSCMID=${1:?usage: test_realxen.sh VSCMID VSCMICTL ARM64_BUILD_DIR}
VSCMICTL=${2:?usage: test_realxen.sh VSCMID VSCMICTL ARM64_BUILD_DIR}
ARM64=${3:?usage: test_realxen.sh VSCMID VSCMICTL ARM64_BUILD_DIR [RELEASE]}
RELEASE=${4:-4.17}
case $RELEASE in
4.17) SUITE=bookworm XL= RAW=1 PLATFORM=linux-raw ;;
4.20) SUITE=trixie XL=usr/lib/xen-4.20/bin RAW= PLATFORM=emulated ;;
*)
	echo "test_realxen.sh: no Xen release $RELEASE (4.17 or 4.20)"
	exit 1
	;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
RUN_TIMEOUT=${VSCMI_REALXEN_TIMEOUT:-480}	# the whole QEMU run, seconds
READS=${VSCMI_GUEST_READS:-500}
FLOOR_ADDR=0x02001000	# vm1: a page beside its virtio-mmio device, for the minimal IOREQ server
RATE1=50000000
RATE2=74000000
RATE3=60000000
RATE4=52000000

T=$(mktemp -d "${TMPDIR:-/tmp}/vscmi-realxen.XXXXXX") || exit 1
QPID=""
CPID=""
HPID=""
FPID=""
TPID=""
. "$SRC/tests/lib/scratch.sh"
cleanup() { scratch_cleanup $QPID $HPID $TPID $FPID $CPID; }
trap cleanup EXIT

CON=$T/console
fail() {
	echo "FAIL: $*"
	show_console 80
	exit 1
}
need dtc "install device-tree-compiler"
need cpio "install cpio"
need aarch64-linux-gnu-gcc "install gcc-aarch64-linux-gnu"
need jq "install jq"
x86_64_only
T_START=$(date +%s%N)
elapsed() { awk -v a="$T_START" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# ---- the worlds (cached): kernel, QEMU, Xen, the arm64 sysroot -----------------
W=$("$SRC/tests/guest/world.sh") || fail "could not build the guest world (tests/guest/world.sh, above)"
# vm3's kernel (grants for virtio, CONFIG_XEN_VIRTIO) and the raw-mode
# dom0's: everything built in
K=$("$SRC/tests/guest/kernel.sh") || fail "could not build the guest kernel (tests/guest/kernel.sh, above)"
X=$("$HERE/world.sh" "$RELEASE") || fail "could not build Xen $RELEASE (tests/realxen/world.sh, above)"
S=$("$HERE/sysroot.sh" "$SUITE") || fail "could not build the arm64 sysroot (tests/realxen/sysroot.sh, above)"
echo "worlds ready at $(elapsed) s: $(tr '\n' ' ' <"$W/versions")$(cat "$X/versions"), sysroot: $(head -n1 "$S/versions")"
Q=$W/qemu
# the hypervisor and the libraries vscmid talks to it with: one Xen
xv=$(awk '{ print $2; exit }' "$X/versions")
sv=$(awk '$1 == "xen" { print $2; exit }' "$S/versions")
[ -n "$xv" ] && [ "$xv" = "$sv" ] ||
	fail "the hypervisor is Xen '$xv' but the arm64 libraries are '$sv' (tests/realxen/world.sh and sysroot.sh pin both)"

# ---- vscmid for arm64 -------------------------------------------------------------
"$SRC/scripts/cross-arm64" "$ARM64" "$SUITE" >"$T/cross.log" 2>&1 ||
	{ tail -n 40 "$T/cross.log"; fail "the arm64 build failed (scripts/cross-arm64, above)"; }
echo "arm64 build ready at $(elapsed) s"

# ---- the configuration: dom0less guests 1 and 2 ------------------------------------
# conf SOCKETS: SOCKETS=none for dom0; the host's copy gives each agent a
# socket too, so that a vscmid without Xen has something to serve and can
# answer gen-dt.
conf() {
	cat "$SRC/tests/guest/resources.conf"
	local g d
	for d in 1 2; do
		g=vm$d
		if [ -n "$XL" ] && [ $d = 2 ]; then
			# the toolstack's guest: found by its name in XenStore
			printf '\n[agent %s]\ndomain = %s\n' $g $g
		else
			printf '\n[agent %s]\ndomid = %s\ndom0less = yes\n' $g $d
			printf 'mmio_base = 0x02000000\nirq = 33\ngrant_usage = no\n'
		fi
		cat <<CONF
socket = $([ "$1" = none ] && echo none || echo "$1/$g.sock")
protocols = base power clock reset
clocks = pix$d:pixel axi
power = media
resets = rst_bus:bus rst_$g:dev
CONF
	done
	[ -n "$XL" ] || return 0
	# a second xl guest on the same PLL, bus clock, power domain and reset
	cat <<CONF

[clock pix3]
id = 4
parent = pll
range = 25M 200M 1M
policy = exclusive

[reset rst_vm3]
id = 3
initial = asserted

[agent vm3]
domain = vm3
socket = $([ "$1" = none ] && echo none || echo "$1/vm3.sock")
protocols = base power clock reset
clocks = pix3:pixel axi
power = media
resets = rst_bus:bus rst_vm3:dev
CONF
}
# vm4, served by vscmid in the driver domain vscmi-dd (its own emulated
# platform): matched by domid there, which dom0 learns only once xl has made
# the domain; the host's copy prints its device tree.
dd_agent() { # match-line
	printf '\n[agent vm4]\n%s\nsocket = none\nprotocols = base power clock reset\n' "$1"
	printf 'clocks = pix1:pixel axi\npower = media\nresets = rst_bus:bus rst_vm1:dev\n'
}
conf none >"$T/vscmid.conf"
if [ -n "$RAW" ]; then
	# dom0 drives the firmware through its kernel's raw mode
	grep -q '^platform = emulated$' "$T/vscmid.conf" || fail "resources.conf names no emulated platform"
	sed -i 's/^platform = emulated$/platform = linux-raw\nupstream_timeout_ms = 1000/' "$T/vscmid.conf"
fi
mkdir -p "$T/host"
conf "$T/host" >"$T/host/vscmid.conf"
if [ -n "$XL" ]; then
	dd_agent "domain = vm4" >>"$T/host/vscmid.conf"
	{
		cat "$SRC/tests/guest/resources.conf"
		dd_agent "domid = @GUEST@"
	} >"$T/dd-vscmid.conf.in"
fi

# ---- the domUs' partial device trees, from vscmictl gen-dt --xen -------------------
"$VSCMID" --config "$T/host/vscmid.conf" --runtime-dir "$T/host" >"$T/host/vscmid.log" 2>&1 &
HPID=$!
for _ in $(seq 100); do
	[ -S "$T/host/control" ] && break
	kill -0 $HPID 2>/dev/null || { cat "$T/host/vscmid.log"; fail "the host's vscmid exited at start"; }
	sleep 0.05
done
declare -A RATE=([vm1]=$RATE1 [vm2]=$RATE2 [vm3]=$RATE3 [vm4]=$RATE4)
for g in vm1 vm2 $([ -n "$XL" ] && echo vm3 vm4); do
	"$VSCMICTL" --socket "$T/host/control" gen-dt --xen $g >"$T/$g-scmi.dtsi" ||
		fail "vscmictl gen-dt --xen $g"
	{
		echo '/dts-v1/;'
		echo "/include/ \"$g-scmi.dtsi\""
		echo '/ { passthrough {'
		sed "s/@RATE@/${RATE[$g]}/" "$SRC/tests/guest/consumers.dtsi.in"
		echo '}; };'
	} >"$T/$g.dts"
	dtc -q -I dts -O dtb -i "$T" -o "$T/$g.dtb" "$T/$g.dts" || fail "dtc could not build $g.dtb"
done
kill $HPID
wait $HPID 2>/dev/null
HPID=""

# ---- initramfs images ------------------------------------------------------------------
# domU: the real-Linux-guest test's /init and modules, and vscmi-rtt
I=$T/domU
mkdir -p "$I/bin" "$I/proc" "$I/sys" "$I/dev" "$I/tmp" "$I/lib/modules"
cp "$W/busybox" "$I/bin/busybox"
cp "$W"/modules/*.ko "$I/lib/modules/"
cp "$ARM64/tests/realxen/vscmi-rtt" "$I/bin/vscmi-rtt"
install -m 755 "$SRC/tests/guest/init" "$I/init"
# What the kernel runs when the toolstack asks for a shutdown or a reboot
# (control/shutdown): without them it refuses to act.
mkdir -p "$I/sbin"
printf '#!/bin/busybox sh\nexec /bin/busybox poweroff -f\n' >"$I/sbin/poweroff"
printf '#!/bin/busybox sh\nexec /bin/busybox reboot -f\n' >"$I/sbin/reboot"
chmod 755 "$I/sbin/poweroff" "$I/sbin/reboot"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/domU.cpio.gz") || fail "cpio domU"
if [ -n "$XL" ]; then
	# the driver domain: busybox, vscmid, vscmictl, jq, the xenstore tools and
	# their libraries (Debian 13's, merged /usr), the Xen modules
	I=$T/dd
	mkdir -p "$I/bin" "$I/usr/bin" "$I/usr/lib/modules" "$I/proc" "$I/sys" "$I/dev" "$I/etc/vscmi"
	ln -s usr/lib "$I/lib"
	cp "$W/busybox" "$I/bin/busybox"
	cp "$W"/modules/xen/*.ko "$I/usr/lib/modules/"
	cp "$ARM64/src/daemon/vscmid" "$ARM64/src/ctl/vscmictl" "$S/usr/bin/jq" "$I/usr/bin/"
	cp -a "$S"/usr/bin/xenstore "$S"/usr/bin/xenstore-* "$I/usr/bin/"
	aarch64-linux-gnu-strip "$I/usr/bin/vscmid" "$I/usr/bin/vscmictl"
	"$HERE/libclosure.sh" "$S" "$I/usr/bin/vscmid" "$I/usr/bin/vscmictl" "$I/usr/bin/jq" \
		"$I/usr/bin/xenstore" >"$T/ddlibs" || fail "could not list the driver domain's libraries"
	# -u: lib/... and usr/lib/... are one directory here (merged /usr)
	(cd "$S" && cpio -pdmu --quiet "$I") <"$T/ddlibs" || fail "could not copy the driver domain's libraries"
	cp "$T/dd-vscmid.conf.in" "$I/etc/vscmi/vscmid.conf.in"
	cp "$SRC/tests/guest/votes.sh" "$I/etc/vscmi/votes.sh"
	install -m 755 "$HERE/init-dd" "$I/init"
	(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/dd.cpio.gz") || fail "cpio dd"
fi

# dom0: busybox, vscmid, vscmictl, jq and the shared libraries they need,
# the Xen device-model modules, the configuration, /init
I=$T/dom0
mkdir -p "$I/bin" "$I/proc" "$I/sys" "$I/dev" "$I/lib/modules" "$I/etc/vscmi"
cp "$W/busybox" "$I/bin/busybox"
# the raw-mode dom0's kernel has them built in
[ -n "$RAW" ] || cp "$W"/modules/xen/*.ko "$I/lib/modules/"
cp "$ARM64/src/daemon/vscmid" "$ARM64/src/ctl/vscmictl" "$ARM64/tests/realxen/vscmi-ioreq-floor" "$I/bin/"
cp "$S/usr/bin/jq" "$I/bin/jq"
aarch64-linux-gnu-strip "$I/bin/vscmid" "$I/bin/vscmictl" "$I/bin/vscmi-ioreq-floor"
"$HERE/libclosure.sh" "$S" "$I/bin/vscmid" "$I/bin/vscmictl" "$I/bin/jq" "$I/bin/vscmi-ioreq-floor" >"$T/libs" ||
	fail "could not list the arm64 libraries vscmid needs"
(cd "$S" && cpio -pdm --quiet "$I") <"$T/libs" || fail "could not copy the arm64 libraries"
if [ -n "$XL" ]; then
	# Debian 13's Xen userspace (merged /usr: /lib is usr/lib), and what
	# xl loads for vm2
	ln -s usr/lib "$I/lib.merged"
	mkdir -p "$I/usr/lib" "$I/usr/bin" "$I/$XL" "$I/guest" "$I/etc/xen"
	cp -a "$I/lib/." "$I/usr/lib/" && rm -rf "$I/lib" && mv "$I/lib.merged" "$I/lib"
	for b in xl xenstored xenconsoled xen-init-dom0; do
		cp "$S/$XL/$b" "$I/$XL/$b"
	done
	cp -a "$S"/usr/bin/xenstore "$S"/usr/bin/xenstore-* "$I/usr/bin/"
	"$HERE/libclosure.sh" "$S" "$I"/$XL/* "$I/usr/bin/xenstore" >"$T/xllibs" ||
		fail "could not list the arm64 libraries of Debian's Xen userspace"
	grep -vxF -f "$T/libs" "$T/xllibs" | (cd "$S" && cpio -pdm --quiet "$I") ||
		fail "could not copy the Xen userspace's libraries"
	gzip -1 -c "$W/Image" >"$I/guest/Image.gz"
	gzip -1 -c "$K/Image" >"$I/guest/Image-grants.gz"
	cp "$T/domU.cpio.gz" "$T/vm2.dtb" "$T/vm3.dtb" "$T/vm4.dtb" "$T/dd.cpio.gz" "$I/guest/"
	cp "$ARM64/tests/realxen/vscmi-set-target" "$I/usr/bin/"
	cat >"$I/etc/xen/vm2.cfg" <<CFG
# vm2, as an integrator writes it: vscmi's device by xl.cfg's generic
# virtio= line, its SCMI nodes from vscmictl gen-dt --xen (libxl copies
# /passthrough)
name = "vm2"
type = "pvh"
kernel = "/guest/Image.gz"
ramdisk = "/guest/domU.cpio.gz"
memory = 256
vcpus = 1
on_reboot = "restart"
extra = "console=hvc0 loglevel=4 panic=-1 rdinit=/init vscmi.agent=vm2 vscmi.unbind=1 vscmi.reads=$READS vscmi.mmio=0x02000000 vscmi.hold=1 vscmi.load=1"
device_tree = "/guest/vm2.dtb"
virtio = [ "type=virtio,device20,transport=mmio,grant_usage=0" ]
CFG
	cat >"$I/etc/xen/vm3.cfg" <<CFG
# vm3: a kernel that uses grants for virtio (xen,grant-dma) and probes
# virtio-mmio at boot, before /init: it must never meet its device unserved
name = "vm3"
type = "pvh"
kernel = "/guest/Image-grants.gz"
ramdisk = "/guest/domU.cpio.gz"
memory = 256
vcpus = 1
extra = "console=hvc0 loglevel=4 panic=-1 rdinit=/init vscmi.agent=vm3 vscmi.reads=$READS vscmi.builtin=1"
device_tree = "/guest/vm3.dtb"
virtio = [ "type=virtio,device20,transport=mmio,grant_usage=1" ]
CFG
	# the driver domain, and vm4, whose device it serves (grants: the
	# default when the backend is not dom0)
	cat >"$I/etc/xen/vscmi-dd.cfg" <<CFG
name = "vscmi-dd"
type = "pvh"
kernel = "/guest/Image.gz"
ramdisk = "/guest/dd.cpio.gz"
memory = 256
vcpus = 1
extra = "console=hvc0 loglevel=4 panic=-1 rdinit=/init"
CFG
	cat >"$I/etc/xen/vm4.cfg" <<CFG
name = "vm4"
type = "pvh"
kernel = "/guest/Image-grants.gz"
ramdisk = "/guest/domU.cpio.gz"
memory = 256
vcpus = 1
extra = "console=hvc0 loglevel=4 panic=-1 rdinit=/init vscmi.agent=vm4 vscmi.reads=$READS vscmi.builtin=1"
device_tree = "/guest/vm4.dtb"
virtio = [ "backend=vscmi-dd,type=virtio,device20,transport=mmio" ]
CFG
fi
cp "$T/vscmid.conf" "$I/etc/vscmi/vscmid.conf"
cp "$SRC/tests/guest/votes.sh" "$I/etc/vscmi/votes.sh"
install -m 755 "$HERE/init-dom0" "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1 >"$T/dom0.cpio.gz") || fail "cpio dom0"
# ---- the machine's device tree: QEMU's, plus Xen's boot modules under /chosen -------
MACHINE=(-M virt,virtualization=on,gic-version=3 -cpu cortex-a57 -smp 2 -m 2048 -nic none)
# The firmware's vhost-user device reaches dom0's memory: the machine's RAM
# is shared with it.
[ -n "$RAW" ] && MACHINE+=(-object memory-backend-memfd,id=mem,size=2048M,share=on -M memory-backend=mem)
"$Q" "${MACHINE[@]}" -M "virt,virtualization=on,gic-version=3,dumpdtb=$T/virt.dtb" -display none \
	>"$T/dumpdtb.log" 2>&1 || { cat "$T/dumpdtb.log"; fail "QEMU could not dump its device tree"; }
dtc -q -I dtb -O dts -o "$T/virt.dts" "$T/virt.dtb" || fail "dtc could not decompile virt.dtb"

# Boot modules from 0x49000000 up (QEMU keeps its own tree below), each on
# a 2 MiB boundary. Both domUs run the kernel and the initramfs dom0 runs
# or shares: Xen loads a module that several domains name once.
LOADERS=()
next=$((0x49000000))
declare -A MOD
place() { # name file
	local size
	size=$(stat -c %s "$2")
	MOD[$1]=$(printf '0x0 0x%x 0x0 0x%x' "$next" "$size")
	LOADERS+=(-device "loader,file=$2,addr=$(printf 0x%x "$next"),force-raw=on")
	next=$(((next + size + 0x1fffff) & ~0x1fffff))
}
place kernel "$W/Image"
if [ -n "$RAW" ]; then
	place dom0kernel "$K/Image"
else
	MOD[dom0kernel]=${MOD[kernel]}
fi
place dom0rd "$T/dom0.cpio.gz"
place domUrd "$T/domU.cpio.gz"
place vm1dt "$T/vm1.dtb"
[ -n "$XL" ] || place vm2dt "$T/vm2.dtb"
[ $next -lt $((0x60000000)) ] || fail "the boot modules do not fit below 0x60000000"

# One boot module's node under /chosen or a domU's node.
module() { # index kind placed-name [bootargs]
	printf '\t\tmodule@%s {\n\t\t\tcompatible = "multiboot,%s", "multiboot,module";\n' "$1" "$2"
	printf '\t\t\treg = <%s>;\n' "${MOD[$3]}"
	[ -n "${4:-}" ] && printf '\t\t\tbootargs = "%s";\n' "$4"
	printf '\t\t};\n'
}
domu() { # domid
	cat <<DTS
		domU$1 {
			compatible = "xen,domain";
			#address-cells = <2>;
			#size-cells = <2>;
			memory = <0x0 0x40000>;	/* KiB */
			cpus = <1>;
			vpl011;
DTS
	module 1 kernel kernel "console=ttyAMA0 loglevel=4 panic=-1 rdinit=/init vscmi.agent=vm$1 vscmi.unbind=$(($1 - 1)) vscmi.reads=$READS vscmi.mmio=0x02000000 vscmi.hold=1 vscmi.load=$(($1 - 1))$([ "$1" = 1 ] && echo " vscmi.cycles=20 vscmi.direct=$READS vscmi.floor2=$FLOOR_ADDR")"
	module 2 ramdisk domUrd
	module 3 device-tree "vm$1dt"
	printf '\t\t};\n'
}
# xsm=dummy for 4.20's driver domain: Xen on Arm's default XSM module is
# SILO, which refuses event channels and grants between two domUs, so a
# driver domain could serve no guest (the creation of its IOREQ server is
# refused); the dummy policy is what XSM_DUMMY_DEFAULT builds
XSM=$([ -n "$XL" ] && echo " xsm=dummy")
# console_timestamps: the console parsing below expects Xen's "[time] ";
# bootscrub=0: no idle scrubbing of memory QEMU hands over zeroed anyway
{
	cat "$T/virt.dts"
	cat <<DTS
/ {
	chosen {
		#address-cells = <2>;
		#size-cells = <2>;
		xen,xen-bootargs = "dom0_mem=512M dom0_max_vcpus=1 loglvl=all guest_loglvl=all console=dtuart bootscrub=0 console_timestamps=boot$XSM";
DTS
	module 1 kernel dom0kernel "console=hvc0 earlycon=xen panic=-1 rdinit=/init vscmi.rate1=$RATE1 vscmi.rate2=$RATE2 vscmi.rate3=$RATE3"
	module 2 ramdisk dom0rd
	domu 1
	[ -n "$XL" ] || domu 2
	printf '\t};\n};\n'
	# dom0's SCMI instance, vscmid's alone (no protocol nodes): Xen hands
	# the node and the virtio-mmio device behind it to dom0
	[ -z "$RAW" ] || cat <<DTS
/ {
	firmware {
		scmi {
			compatible = "arm,scmi-virtio";
			arm,max-rx-timeout-ms = <500>;
			#address-cells = <1>;
			#size-cells = <0>;
		};
	};
};
DTS
} >"$T/machine.dts"
dtc -q -I dts -O dtb -o "$T/machine.dtb" "$T/machine.dts" || fail "dtc could not build the machine's tree"
echo "images ready at $(elapsed) s"

# ---- the firmware, for the raw-mode dom0: a vscmid on the host -------------------------
# tests/lib/firmware.sh: the machine's kernel its agent "dom0", through
# QEMU's vhost-user-scmi device, which Xen hands to dom0
FIRMWARE=()
if [ -n "$RAW" ]; then
	. "$SRC/tests/lib/firmware.sh"
	fw_start
	mapfile -t FIRMWARE < <(fw_device)
fi

# ---- the run -----------------------------------------------------------------------------
mkfifo "$T/con.in" "$T/con.out"
cat "$T/con.out" >"$CON" &
CPID=$!
Q0=$(date +%s%N)
timeout -k 10 "$RUN_TIMEOUT" "$Q" "${MACHINE[@]}" -display none -monitor none -no-reboot \
	-chardev "pipe,id=con,path=$T/con" -serial chardev:con \
	-kernel "$X/xen" -dtb "$T/machine.dtb" "${LOADERS[@]}" "${FIRMWARE[@]}" >"$T/qemu.log" 2>&1 &
QPID=$!
# keeps the input fifo open, so QEMU never sees it close between commands
exec 8<>"$T/con.in"

since() { awk -v a="$Q0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
# The console without carriage returns and without Xen's timestamps
# (console_timestamps=boot: "(XEN) [    1.234567] ...").
console() { tr -d '\r' <"$CON" | sed -E 's/^\(XEN\) \[ *[0-9]+\.[0-9]+\] /(XEN) /'; }
# What domU $1 printed, without Xen's prefix. Xen prefixes a domU's lines
# with "(XEN) DOMn: " except while its serial input goes to that domU:
# then it prints the characters as they come, so a line may come as
# "(XEN) " alone, with a prefix inside it, or with none at all (dom0 writes
# without one too, but never says VSCMI-GUEST); the "*** Serial input to"
# lines tell which domU has the input.
domlines() { # domid
	if [ -n "$XL" ] && [ "$1" -ge 2 ]; then
		# a toolstack guest: its console as dom0 relays it, of its
		# latest domain only (each reboot makes another)
		local d
		d=$(tr -d '\r' <"$CON" | sed -n "s/^VSCMI-DOM0: vm$1 is domain \([0-9]*\)\$/\1/p" | tail -n1)
		tr -d '\r' <"$CON" | sed -n "s/^VSCMI-XL vm$1\.$d: //p"
		return
	fi
	# A whole "(XEN) [ts] DOMn: " or "(XEN) [ts] *** " inside a line starts
	# a line of its own: Xen put it after what dom0 had not ended.
	tr -d '\r' <"$CON" |
		sed -E 's/(.)(\(XEN\) \[ *[0-9]+\.[0-9]+\] (DOM[0-9]+: |\*\*\* ))/\1\n\2/g' |
		awk -v d="$1" '
		/\*\*\* Serial input to DOM[0-9]+/ { f = $0; sub(/.*Serial input to DOM/, "", f); focus = f + 0; next }
		/\*\*\* Serial input to Xen/ { focus = -1; next }
		# a line Xen did not prefix: dom0 wrote it, or the domU that has
		# the input went on with a line Xen had already ended
		!/^\(XEN\) / {
			if (focus != d) next
			line = $0
			gsub(/\(XEN\) \[ *[0-9]+\.[0-9]+\] /, "", line)
			print line
			next
		}
		{
			line = substr($0, 7)
			sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
			# While a domU has the input, Xen prints its characters as
			# they come, and a prefix can land inside one of its lines.
			gsub(/\(XEN\) \[ *[0-9]+\.[0-9]+\] /, "", line)
			pre = "DOM" d ": "
			if (index(line, pre) == 1) line = substr(line, length(pre) + 1)
			else if (focus != d || line ~ /^DOM[0-9]+: /) next
			print line
		}'
}
# Waits until the command $1 succeeds, failing at once on any sign that
# something went wrong. (A grep that ends a pipeline here reads all its
# input: with -q it would quit early, and pipefail would take the writer's
# SIGPIPE for a miss.)
wait_until() { # command seconds what
	local end=$((SECONDS + $2)) l
	while :; do
		l=$(console | grep -m1 -E 'VSCMI-(GUEST|DOM0): FAIL|Kernel panic|\(XEN\) (Panic|Assertion|Xen BUG)|scmi.*(-110|timed out)|arm-scmi.*failed')
		# what the failing side prints next is the reason
		[ -n "$l" ] && { sleep 3; fail "$l"; }
		eval "$1" && return 0
		kill -0 "$QPID" 2>/dev/null || fail "QEMU exited before $3"
		[ $SECONDS -lt $end ] || fail "no $3 within $2 s"
		# the console is read whole each time: not so often that the
		# conductor takes the CPU the guests are timed on
		sleep 0.25
	done
}
# a console line matching ERE $1 after line $3
wait_for() { # ere seconds [after-line]
	wait_until "console | tail -n +${3:-1} | grep -E '$1' >/dev/null" "$2" "line matching '$1'"
}
# a line of domU $1 matching ERE $2
wait_dom() { # domid ere seconds
	wait_until "domlines $1 | grep -E '$2' >/dev/null" "$3" "DOM$1 line matching '$2'"
}
lines() { wc -l <"$CON"; }
# Points Xen's serial input at DOM$1: CTRL-a three times moves it on one
# step, Xen, dom0, each domU in turn; Xen says where it went.
focus() {
	local i n
	for i in 0 1 2 3 4 5 6; do
		console | grep -E 'Serial input to (DOM[0-9]+|Xen)' | tail -n1 |
			grep -E "Serial input to DOM$1( |\$)" >/dev/null && return 0
		n=$(lines)
		printf '\001\001\001' >&8
		wait_for '\*\*\* Serial input to (DOM[0-9]+|Xen)' 10 "$((n + 1))"
	done
	fail "could not switch Xen's serial input to DOM$1"
}
type_to() { # domid words
	if [ -n "$XL" ] && [ "$1" -ge 2 ]; then
		dom0_cmd "tell vm$1 $2" >/dev/null
		return
	fi
	focus "$1"
	printf '%s\r' "$2" >&8
}
# The value after "VSCMI-GUEST: $2 " in what domU $1 printed.
seen() {
	domlines "$1" | sed -n "s/.*VSCMI-GUEST: $2 \(.*\)$/\1/p" | head -n1
}
dom0_cmd() { # command
	local n
	n=$(lines)
	type_to 0 "$1"
	# xl's verbs wait for domains to go and come (xl reboot: 60 s at most)
	wait_for "^VSCMI-DOM0: done $1 " 180 "$((n + 1))"
	tr -d '\r' <"$CON" | tail -n +"$((n + 1))" | grep -E '^VSCMI-DOM0: (ok|FAIL)'
}

dom0_result() { # command
	local out
	out=$(dom0_cmd "$1")
	echo "$out" | sed 's/^VSCMI-DOM0: /dom0: /'
	echo "$out" | grep FAIL >/dev/null && fail "dom0 $1"
	checks=$((checks + $(echo "$out" | grep -c '^VSCMI-DOM0: ok')))
}

wait_for '^VSCMI-DOM0: vscmid up' 120
VSCMID_UP=$(since)
ok "dom0: vscmid up ($(tr -d '\r' <"$CON" | sed -n 's/^VSCMI-DOM0: vscmid up at //p' | head -n1) after dom0's boot)"
# Both domUs boot at once and wait for their devices; then one at a time
# times its bare MMIO reads, probes SCMI and times its clock reads, so that
# neither figure is the other guest's load.
wait_dom 1 'VSCMI-GUEST: hold' 180
[ -n "$XL" ] && dom0_result "xl-create vm2"
wait_dom 2 'VSCMI-GUEST: hold' 120
# vm1 first: its reads of vscmid's device register alternating with reads
# of a page a minimal IOREQ server in dom0 answers (vscmi-ioreq-floor), so
# that both serve under the same load: the time each spends per IOREQ
type_to 1 bench
wait_dom 1 '^VSCMI-GUEST: hold-floor' 120
dom0_result "floor-start $FLOOR_ADDR"
dom0_result share-start
type_to 1 go
wait_dom 1 '^VSCMI-GUEST: floor-pair' 120
SHARE=$(dom0_cmd share-stop)
echo "$SHARE" | sed 's/^VSCMI-DOM0: /dom0: /'
echo "$SHARE" | grep FAIL >/dev/null && fail "dom0 share-stop"
checks=$((checks + 1))
FLOOR=$(dom0_cmd floor-stop)
echo "$FLOOR" | sed 's/^VSCMI-DOM0: /dom0: /'
echo "$FLOOR" | grep FAIL >/dev/null && fail "dom0 floor-stop"
checks=$((checks + 1))
type_to 1 go
share_ns=$(echo "$SHARE" | sed -n 's/.*own time per IOREQ: \([0-9]*\) ns.*/\1/p')
share_n=$(echo "$SHARE" | sed -n 's/.* ns over \([0-9]*\) of vm1.*/\1/p')
# vm1 is still meanwhile, so the window holds its reads and nothing else
[ "${share_n:-0}" -eq "$READS" ] || fail "vscmid served ${share_n:-no} IOREQs of vm1 while it made $READS reads"
ok "vscmid served vm1's $READS reads and nothing else in the window"
floor_ns=$(echo "$FLOOR" | sed -n 's/.* mean \([0-9]*\) ns.*/\1/p')
floor_n=$(echo "$FLOOR" | sed -n 's/.*: \([0-9]*\) IOREQs, mean.*/\1/p')
[ "${floor_n:-0}" -ge "$READS" ] || fail "the minimal IOREQ server answered ${floor_n:-no} of vm1's $READS reads"
ok "the minimal IOREQ server answered vm1's $READS reads"
share_cpu=$(echo "$SHARE" | sed -n 's/.*CPU \([0-9]*\) us per IOREQ.*/\1/p')
floor_cpu=$(echo "$FLOOR" | sed -n 's/.*CPU \([0-9]*\) us per IOREQ.*/\1/p')
FIG_SHARE="vscmid's own time per IOREQ (vm1's register reads, wake-up to completion): ${share_ns} ns, CPU ${share_cpu} us; a minimal IOREQ server's on the same boot: ${floor_ns} ns, CPU ${floor_cpu} us; time ratio $(awk -v a="$share_ns" -v b="$floor_ns" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')"
FIG_SHARE="$FIG_SHARE; as vm1 saw them: $(seen 1 floor-pair)"
echo "    $FIG_SHARE"
wait_dom 1 '^VSCMI-GUEST: ready' 120
type_to 2 bench
wait_dom 2 '^VSCMI-GUEST: ready' 120
guest_checks() { # domid
	local d=$1 g=vm$1 core
	core=$(seen $d scmi-core)
	case "$core" in
	*"SCMI Protocol v2.1 'vscmi:$PLATFORM'"*) ok "$g: SCMI core probed: $core" ;;
	*) fail "$g: unexpected SCMI core line: '$core'" ;;
	esac
	expect "$g: clocks" "axi pixel" "$(seen $d clocks)"
	expect "$g: power domains" "media" "$(seen $d power-domains)"
	expect "$g: SCMI reset controllers" 1 "$(seen $d reset-controllers)"
	expect "$g: no third reset line" "refused: -22" "$(seen $d 'reset index 2')"
	domlines $d | grep "VSCMI-GUEST: bound sram" >/dev/null || fail "$g: mmio-sram did not bind"
	domlines $d | grep "VSCMI-GUEST: bound dwc3-of-simple" >/dev/null ||
		fail "$g: dwc3-of-simple did not bind"
	ok "$g: consumers bound"
	expect "$g: pixel clock" "rate ${RATE[$g]} enable_count 1" "$(seen $d 'clock pixel')"
	expect "$g: power domain media" "on" "$(seen $d 'power-domain media')"
}
# A guest's figures, taken while its lines are those of the domain timed
# (an xl guest's later domains print others).
declare -A FIG
figures_of() { # domid
	local d=$1 up probe bound
	up=$(seen $d "device at 0x02000000 up at")
	probe=$(seen $d probe)
	if [ -n "$up" ]; then
		bound=$(echo "$probe" | sed -n 's/.*consumers bound \([0-9.]*\) ms.*/\1/p')
		printf '  vm%s: device up at guest uptime %s; SCMI %s; so boot to SCMI ready %s s of guest time\n' \
			"$d" "$up" "$probe" "$(echo "$up" | awk -v p="$bound" '{ printf "%.2f", $1 + p / 1000 }')"
		printf '    floor:  %s\n' "$(seen $d floor)"
		if [ -n "$(seen $d direct)" ]; then
			printf '    direct: %s\n' "$(seen $d direct)"
		fi
	else
		printf '  vm%s: SCMI %s\n' "$d" "$(seen $d 'probe built in:')"
	fi
	printf '    SCMI:   %s\n    (shell: %s)\n' "$(seen $d rtt)" "$(seen $d bench)"
	if [ -n "$(seen $d cycles)" ]; then
		printf '    changes: %s\n' "$(seen $d cycles)"
	fi
}
guest_checks 1
guest_checks 2
FIG[1]=$(figures_of 1)
FIG[2]=$(figures_of 2)
if [ -n "$XL" ]; then
	# beside them, a second xl guest whose kernel probes its device at boot
	# and reaches it through grants
	dom0_result "xl-create vm3"
	wait_dom 3 '^VSCMI-GUEST: ready' 180
	guest_checks 3
	FIG[3]=$(figures_of 3)
	ok "vm3: $(seen 3 'probe built in:')"
	dom0_result check-vm3
	dom0_result "xl-destroy vm3"
	dom0_result check-vm3-gone
fi

# ---- from dom0: vscmid's votes with both guests up, after vm1 powers off, at the end -----
dom0_result check-both
if [ -n "$RAW" ]; then
	fw_sample
	expect "firmware: pix1, pix2 on at the guests' rates" "true $RATE1 true $RATE2" \
		"$(fwst clock pix1 on) $(fwst clock pix1 rate) $(fwst clock pix2 on) $(fwst clock pix2 rate)"
	expect "firmware: pll, axi on; media on" "true true on" \
		"$(fwst clock pll on) $(fwst clock axi on) $(fwst power media state)"
	expect "firmware: rst_bus, rst_vm1, rst_vm2 deasserted" "false false false" \
		"$(fwst reset rst_bus asserted) $(fwst reset rst_vm1 asserted) $(fwst reset rst_vm2 asserted)"
	SETS=$(fw_sets)
	RESETS=$(fw_resets)
fi
# vm2 keeps reading its clock meanwhile (vscmi.load=1)
dom0_result restart
if [ -n "$RAW" ]; then
	# The new vscmid read the state back: nothing to change but the reset
	# lines, which SCMI cannot read (no RESET GET): each is set again to
	# what it already is, deasserted.
	expect "changes but resets sent to the firmware by the restart" 0 \
		"$(($(fw_sets) - SETS - ($(fw_resets) - RESETS)))"
	expect "resets sent by the restart, each to the state it had" "3 deassert deassert deassert" \
		"$(($(fw_resets) - RESETS)) $(grep -E '^[0-9:.]* dom0 .*RESET ' "$FW_TRACE" | tail -n 3 | awk '{ print $7 }' | tr '\n' ' ' | sed 's/ $//')"
fi
type_to 1 go
wait_dom 1 'VSCMI-GUEST: poweroff|reboot: Power down' 30
dom0_result check-vm1-gone
if [ -n "$RAW" ]; then
	fw_sample
	expect "firmware, vm1 gone: pix1 off, rst_vm1 asserted; pix2, axi on, media on" \
		"false true true true on" \
		"$(fwst clock pix1 on) $(fwst reset rst_vm1 asserted) $(fwst clock pix2 on) $(fwst clock axi on) $(fwst power media state)"
fi
type_to 2 go
wait_dom 2 'VSCMI-GUEST: consumers unbound' 60
dom0_result check-vm2-unbound
type_to 2 go
wait_dom 2 'VSCMI-GUEST: poweroff|reboot: Power down' 30
load=$(seen 2 load)
case "$load" in
*" reads, 0 other values") ok "vm2 read its clock all through the restart: $load" ;;
*) fail "vm2's clock reads through the restart: '$load'" ;;
esac
expect "vm2 unbound: pixel enable_count" "enable_count 0" "$(seen 2 'unbound clock pixel')"
expect "vm2 unbound: media in the guest" "off-0" "$(seen 2 'unbound power-domain media')"
dom0_result check-all-off
if [ -n "$RAW" ]; then
	fw_sample
	expect "firmware, all off: pix2 pll axi, media, rst_bus" "false false false off true" \
		"$(fwst clock pix2 on) $(fwst clock pll on) $(fwst clock axi on) $(fwst power media state) $(fwst reset rst_bus asserted)"
	ok "the firmware got $(fw_sent) commands from dom0's kernel, $(fw_sets) of them changes"
fi
if [ -n "$XL" ]; then
	# the toolstack's verbs on a guest that holds votes, or waits for a word
	dom0_result "xl-create vm2"
	wait_dom 2 'VSCMI-GUEST: hold' 120
	type_to 2 bench
	wait_dom 2 '^VSCMI-GUEST: ready' 120
	dom0_result "xl-reboot vm2"
	dom0_result "xl-shutdown vm2"
	dom0_result "xl-create vm2"
	dom0_result "xl-destroy vm2"
	# vscmid in a driver domain, the device model of vm4 (set by dom0)
	dom0_result dd-create
	dom0_result dd-guest
	wait_dom 4 '^VSCMI-GUEST: ready' 180
	guest_checks 4
	FIG[4]=$(figures_of 4)
	dom0_result dd-guest-destroy
fi
n=$(lines)
type_to 0 poweroff
wait_for '^VSCMI-DOM0: poweroff' 30 "$((n + 1))"
wait "$QPID"
r=$?
QPID=""
[ $r -eq 0 ] || fail "QEMU exited with status $r$([ $r -eq 124 ] && echo " (timed out)")"
console | grep '^VSCMI-DOM0: vscmid exited with 0' >/dev/null || fail "vscmid did not exit cleanly"
ok "vscmid exited cleanly, QEMU halted"

echo
if [ -n "$RAW" ]; then
	kernels="kernel $(cat "$W/kernel") in vm1 and vm2, $(cat "$K/versions") built here in dom0"
else
	kernels="kernel $(cat "$W/kernel") in dom0 and vm1, vm2, $(cat "$K/versions") built here in vm3 and vm4"
fi
echo "figures (Xen $(cut -d' ' -f2 "$X/versions"), QEMU $(sed -n 's/^qemu //p' "$W/versions") TCG, $kernels):"
for d in 1 2 3 4; do
	[ -n "${FIG[$d]:-}" ] && echo "${FIG[$d]}"
done
echo "  $FIG_SHARE"
if [ -n "$XL" ]; then
	# what xl and vscmid said of each toolstack operation, in order
	console | sed -nE 's/^VSCMI-DOM0: (ok [0-9]+ - )?//; /xl create .* returned|device connected|held domain|xl shutdown -w|device closed/s/^/  /p'
fi
[ -n "$RAW" ] && console | sed -n 's/^  commands answered: \([0-9]*\), round trip \(.*\)$/  vscmid in dom0, upstream through raw mode, virtio and QEMU to the firmware: \2 (the guests'"'"' \1 changes by check-both)/p' | head -n1
echo "  QEMU start to vscmid up in dom0: ${VSCMID_UP} s (dom0 uptime $(console | sed -n 's/^VSCMI-DOM0: vscmid up at //p' | head -n1))"
console | sed -n 's/^VSCMI-DOM0: steady /  vscmid, under vm2'"'"'s load: /p' | head -n1
console | sed -n 's/^VSCMI-DOM0: vscmid back after /  vscmid after kill -9, until it answers with the devices taken back: /p' | head -n1
echo "  whole run $(since) s of QEMU, $(elapsed) s in all"
echo "all $checks checks passed"
