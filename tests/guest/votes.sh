# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# What vscmid's votes must say at each step of the two-guest tests (the
# real-Linux-guest test on the host, dom0 in the real-Xen test), for the
# resources of resources.conf. Plain sh: dom0 runs it under busybox. The
# caller defines expect WHAT EXPECTED ACTUAL, and has sampled
# "vscmictl --json resources" into $RES.

# kind name field: the resource's state
st() { jq -r --arg n "$2" ".resources.$1[] | select(.name == \$n) | .state.$3" "$RES"; }
# kind name agent field: the agent's vote, "-" when it has none
vote() {
	jq -r --arg k "$1" --arg n "$2" --arg a "$3" --arg f "$4" '[.resources[$k][] |
		select(.name == $n) | .votes[] | select(.agent == $a) |
		if has($f) then .[$f] | tostring else "-" end] | first // "-"' "$RES"
}
# true once vm1's votes are withdrawn: a withdrawn clock vote stays listed
# as off, power and reset votes go
vm1_released() { [ "$(vote clock pix1 vm1 on)" != true ] && [ "$(vote power media vm1 state)" = - ]; }

# both guests up, their pixel clocks at these rates
votes_both() { # rate1 rate2
	expect "pix1 on, vm1's" "true true" "$(st clock pix1 on) $(vote clock pix1 vm1 on)"
	expect "pix1 rate" "$1 $1" "$(st clock pix1 rate) $(vote clock pix1 vm1 rate)"
	expect "pix2 on, vm2's" "true true" "$(st clock pix2 on) $(vote clock pix2 vm2 on)"
	expect "pix2 rate" "$2 $2" "$(st clock pix2 rate) $(vote clock pix2 vm2 rate)"
	expect "pll on for both pixel clocks" "true 1188000000" "$(st clock pll on) $(st clock pll rate)"
	expect "axi on, votes vm1 vm2" "true true true" \
		"$(st clock axi on) $(vote clock axi vm1 on) $(vote clock axi vm2 on)"
	expect "media on, votes vm1 vm2" "on on on" \
		"$(st power media state) $(vote power media vm1 state) $(vote power media vm2 state)"
	expect "rst_bus deasserted by both" "false false false" \
		"$(st reset rst_bus asserted) $(vote reset rst_bus vm1 asserted) $(vote reset rst_bus vm2 asserted)"
	expect "rst_vm1, rst_vm2 deasserted" "false false" "$(st reset rst_vm1 asserted) $(st reset rst_vm2 asserted)"
}

# vm1 went away holding its votes; vm2 keeps its pixel clock at this rate
votes_vm1_gone() { # rate2
	expect "vm1 gone: pix1 off, vm1's vote off or none" "false -" \
		"$(st clock pix1 on) $(vote clock pix1 vm1 on | sed 's/false/-/')"
	expect "vm1 gone: pix2 still on at its rate" "true $1" "$(st clock pix2 on) $(st clock pix2 rate)"
	expect "vm1 gone: pll still on" "true" "$(st clock pll on)"
	expect "vm1 gone: axi on for vm2 only (vm1's vote off or none)" "true - true" \
		"$(st clock axi on) $(vote clock axi vm1 on | sed 's/false/-/') $(vote clock axi vm2 on)"
	expect "vm1 gone: media on for vm2 only" "on - on" \
		"$(st power media state) $(vote power media vm1 state) $(vote power media vm2 state)"
	expect "vm1 gone: rst_bus held by vm2, rst_vm1 asserted" "false - true" \
		"$(st reset rst_bus asserted) $(vote reset rst_bus vm1 asserted) $(st reset rst_vm1 asserted)"
}

# vm2 unbound its consumers and still runs: its own votes say off and
# asserted, and so does everything
votes_vm2_unbound() {
	expect "vm2 unbound: pix2 off by its vote" "false false" "$(st clock pix2 on) $(vote clock pix2 vm2 on)"
	expect "vm2 unbound: axi off by its vote" "false false" "$(st clock axi on) $(vote clock axi vm2 on)"
	expect "vm2 unbound: pll off" "false" "$(st clock pll on)"
	expect "vm2 unbound: media off by its vote" "off off" "$(st power media state) $(vote power media vm2 state)"
	expect "vm2 unbound: rst_bus, rst_vm2 asserted by its votes" "true true true true" \
		"$(st reset rst_bus asserted) $(vote reset rst_bus vm2 asserted) $(st reset rst_vm2 asserted) $(vote reset rst_vm2 vm2 asserted)"
}

# both guests gone
votes_all_off() {
	expect "all off: pix2 pll axi" "false false false" "$(st clock pix2 on) $(st clock pll on) $(st clock axi on)"
	expect "all off: media" "off" "$(st power media state)"
	expect "all asserted: rst_bus rst_vm2" "true true" "$(st reset rst_bus asserted) $(st reset rst_vm2 asserted)"
}
