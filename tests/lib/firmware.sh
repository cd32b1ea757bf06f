# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the tests that put a real kernel's SCMI raw mode between
# vscmid and the firmware (tests/rawkernel, tests/realxen on Xen 4.17). The
# firmware is a vscmid on the host, on the emulated platform, with the
# resources of tests/guest/resources.conf; the machine's kernel is its agent
# "dom0", reached through QEMU's vhost-user-scmi device, and sees every
# resource under the config's ID (the agent lists them in ID order). Its
# control socket shows what it was asked. Needs VSCMID, VSCMICTL, SRC, T
# and fail (tests/lib/scratch.sh); fw_start sets FPID and TPID.

FW=$T/fw
FW_TRACE=$T/fw.trace
FW_RES=$T/fw.json

# fw_start [EXTRA]: writes the configuration, EXTRA appended (more agents),
# starts the firmware and a trace of every command it is given
fw_start() {
	mkdir -p "$FW"
	{
		# Its PLL offers both rates ("fixed" would show dom0 only the one
		# it runs at): the machine's vscmid checks its own against them.
		sed '/^policy = fixed$/s/fixed/max/' "$SRC/tests/guest/resources.conf"
		printf '\n[agent dom0]\nvhost = %s\nsocket = none\n' "$FW/dom0.vhost"
		printf 'protocols = base power clock reset sensor\nclocks = pll pix1 pix2 axi\n'
		printf 'power = media\nresets = rst_bus rst_vm1 rst_vm2\n'
		printf '%s' "${1:-}"
	} >"$FW/vscmid.conf"
	grep -q '^policy = max$' "$FW/vscmid.conf" || fail "resources.conf has no fixed PLL to open up"
	"$VSCMID" --config "$FW/vscmid.conf" --runtime-dir "$FW" >>"$T/fw.log" 2>&1 &
	FPID=$!
	for _ in $(seq 100); do
		[ -S "$FW/control" ] && [ -S "$FW/dom0.vhost" ] && break
		kill -0 "$FPID" 2>/dev/null || { cat "$T/fw.log"; fail "the firmware's vscmid exited at start"; }
		sleep 0.05
	done
	[ -S "$FW/dom0.vhost" ] || fail "the firmware's vscmid opened no vhost-user socket"
	"$VSCMICTL" --socket "$FW/control" trace >>"$FW_TRACE" 2>&1 &
	TPID=$!
}
# QEMU's arguments for the device, on a machine whose RAM is shared:
# virtio-mmio, or virtio-pci with "pci"
fw_device() {
	if [ "${1:-}" = pci ]; then
		printf '%s\n' -chardev "socket,id=vu,path=$FW/dom0.vhost" -device vhost-user-scmi-pci,chardev=vu
	else
		printf '%s\n' -chardev "socket,id=vu,path=$FW/dom0.vhost" \
			-global virtio-mmio.force-legacy=false -device vhost-user-scmi,chardev=vu
	fi
}
fw() { "$VSCMICTL" --socket "$FW/control" "$@"; }
fw_sample() { fw --json resources >"$FW_RES" || fail "vscmictl resources (the firmware)"; }
# kind name field: the firmware's state of a resource, as last sampled
fwst() { jq -r --arg n "$2" ".resources.$1[] | select(.name == \$n) | .state.$3" "$FW_RES"; }
# the commands dom0's kernel sent the firmware so far; the changes among
# them (GETs and discovery not counted); the resets among those
fw_sent() { grep -c '^[0-9:.]* dom0 ' "$FW_TRACE"; }
fw_sets() { grep -cE '^[0-9:.]* dom0 .*(CONFIG_SET|RATE_SET|STATE_SET|RESET )' "$FW_TRACE"; }
fw_resets() { grep -cE '^[0-9:.]* dom0 .*RESET ' "$FW_TRACE"; }
