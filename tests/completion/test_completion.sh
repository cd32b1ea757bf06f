#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The installed bash completion, run by the real bash-completion against a
# running vscmid: commands, options (gen-dt's --xen only there), agent
# names from the daemon, and vscmi-agent's commands and protocol names.
#
# usage: test_completion.sh COMPLETION_FILE VSCMID VSCMICTL CONF
set -uo pipefail
FILE=$1 VSCMID=$2 VSCMICTL=$3 CONF=$4
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || { echo "not ok - $BC missing (Debian: bash-completion)"; exit 1; }
# shellcheck disable=SC1090
. "$BC"
# shellcheck disable=SC1090
. "$FILE"
PATH=$(dirname "$VSCMICTL"):$PATH

T=$(mktemp -d)
"$VSCMID" --config "$CONF" --runtime-dir "$T" >"$T/log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do
	"$VSCMICTL" --socket "$T/control" status >/dev/null 2>&1 && break
	sleep 0.05
done

n=0 failed=0
# complete "LINE" WANT...: completing at the end of LINE offers exactly WANT
complete_is() {
	local line=$1 fn
	shift
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	fn=$(complete -p "${COMP_WORDS[0]}" | sed 's/.*-F \([^ ]*\) .*/\1/')
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	local got want
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - '$line' -> $got"
	else
		echo "not ok $n - '$line': got '$got', want '$want'"
		failed=1
	fi
}

complete_is "vscmictl " status agents resources release shutdown reboot trace gen-dt help
complete_is "vscmictl re" resources release reboot
complete_is "vscmictl --json st" status
complete_is "vscmictl --" --socket --json --help --version
complete_is "vscmictl gen-dt --" --socket --json --help --version --xen
complete_is "vscmictl status --" --socket --json --help --version
complete_is "vscmictl help " status agents resources release shutdown reboot trace gen-dt help
# the agents of conf/vscmid.conf
complete_is "vscmictl --socket $T/control release " camera display infotainment ops
complete_is "vscmictl --socket $T/control gen-dt --xen cam" camera
complete_is "vscmictl --socket $T/control shutdown inf" infotainment
complete_is "vscmictl --socket $T/control status " 
complete_is "vscmi-agent --socket x proto-version c" clock
complete_is "vscmi-agent --socket x proto-version pi" pinctrl
complete_is "vscmi-agent --socket x clock-on " 
complete_is "vscmi-agent --socket x clock-on 0 clock-o" clock-on clock-off
complete_is "vscmi-agent --socket x power-set 0 " on off
complete_is "vscmi-agent -" --socket --timeout --help --version
[ "$(complete -p vscmi-agent 2>/dev/null)" ] || { echo "not ok - vscmi-agent has no completion"; failed=1; }
echo "1..$n"
exit $failed
