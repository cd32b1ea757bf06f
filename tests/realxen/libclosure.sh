#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# usage: libclosure.sh SYSROOT BINARY...
#
# Prints, one per line and relative to SYSROOT, every shared library the
# arm64 BINARYs need at run time, transitively (DT_NEEDED), and their
# dynamic loader: what an initramfs must hold for them to start. A library
# reached through symlinks is printed as each link on the way and then the
# file it ends at (lib/aarch64-linux-gnu/libc.so.6 is a file;
# lib/ld-linux-aarch64.so.1 is a link, then
# lib/aarch64-linux-gnu/ld-linux-aarch64.so.1). Libraries are looked up in
# the binary's DT_RUNPATH/DT_RPATH (inside SYSROOT), then in
# lib/aarch64-linux-gnu and usr/lib/aarch64-linux-gnu, as the loader does
# without an ld.so.cache. Of what is opened with dlopen (NSS modules, ...),
# which has no DT_NEEDED entry, only libgcc_s.so.1 is listed: glibc opens
# it to unwind a thread in pthread_cancel, which libxenstore's xs_close()
# calls once a watch was set; without it a program that used XenStore
# aborts at exit.
#
# Fails, naming the library and who needs it, when one is not in SYSROOT.
set -euo pipefail

die() {
	echo "libclosure.sh: $*" >&2
	exit 1
}
trap 'echo "libclosure.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR

[ $# -ge 2 ] || die "usage: libclosure.sh SYSROOT BINARY..."
[ -d "$1" ] || die "$1: not a directory"
S=$(readlink -f "$1")
shift
MULTIARCH=aarch64-linux-gnu

# any readelf reads any ELF; the cross one is preferred, objdump is the fallback
if command -v $MULTIARCH-readelf >/dev/null; then
	RE=$MULTIARCH-readelf
elif command -v readelf >/dev/null; then
	RE=readelf
else
	RE=
	command -v $MULTIARCH-objdump >/dev/null || die "needs readelf or $MULTIARCH-objdump (binutils-$MULTIARCH)"
fi

needed() { # elf -> its DT_NEEDED names
	if [ -n "$RE" ]; then
		"$RE" -d -W "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
	else
		$MULTIARCH-objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }'
	fi
}
runpath() { # elf -> its DT_RUNPATH or DT_RPATH entries, one a line
	if [ -n "$RE" ]; then
		"$RE" -d -W "$1" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p'
	else
		$MULTIARCH-objdump -p "$1" | awk '$1 == "RUNPATH" || $1 == "RPATH" { print $2 }'
	fi | tr ':' '\n'
}
interp() { # elf -> its program interpreter, if any
	if [ -n "$RE" ]; then
		"$RE" -l -W "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p'
	else
		# objdump does not print it; every arm64 glibc program has this one
		echo /lib/ld-linux-aarch64.so.1
	fi
}

declare -A printed=() seen=()
emit() {
	if [ -z "${printed[$1]:-}" ]; then
		printed[$1]=1
		echo "$1"
	fi
}

# follow() PATH (sysroot-relative): prints PATH, each link on the way and the
# file it ends at; sets REAL to that file's sysroot-relative path.
follow() {
	local p=$1 t d n=0
	while [ -L "$S/$p" ]; do
		emit "$p"
		t=$(readlink "$S/$p")
		case $t in
		/*) p=${t#/} ;;	# an absolute link means the sysroot's root
		*)
			d=$(readlink -f "$S/$(dirname "$p")")
			p=$(realpath -m -s "$d/$t")
			case $p in "$S"/*) p=${p#"$S"/} ;; *) die "$1 leads out of the sysroot ($p)" ;; esac
			;;
		esac
		n=$((n + 1))
		[ $n -lt 40 ] || die "$1: too many levels of symlinks"
	done
	[ -f "$S/$p" ] || die "$1 leads to $p, which is not in the sysroot"
	emit "$p"
	REAL=$p
}

# the libraries glibc itself may dlopen, looked up like a DT_NEEDED one
DLOPENED=(libgcc_s.so.1)

queue=()
for b in "$@"; do
	[ -f "$b" ] || die "$b: no such file"
	[ "$(head -c 4 "$b" | od -An -c | tr -d ' ')" = '177ELF' ] || die "$b: not an ELF file"
	queue+=("$(readlink -f "$b")")
	i=$(interp "$b")
	if [ -n "$i" ]; then
		follow "${i#/}"
	fi
done

while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	[ -z "${seen[$f]:-}" ] || continue
	seen[$f]=1
	dirs=()
	while IFS= read -r r; do
		[ -n "$r" ] || continue
		if [[ $r == *ORIGIN* ]]; then
			# relative to the file: meaningful only for one in the sysroot
			case $f in "$S"/*) ;; *) continue ;; esac
			o=$(dirname "$f")
			r=${r//\$\{ORIGIN\}/$o}
			r=${r//\$ORIGIN/$o}
		else
			case $r in /*) r=$S$r ;; *) continue ;; esac
		fi
		r=$(realpath -m -s "$r")
		case $r in "$S"/*) dirs+=("${r#"$S"/}") ;; esac
	done < <(runpath "$f")
	dirs+=("lib/$MULTIARCH" "usr/lib/$MULTIARCH")
	while IFS= read -r lib; do
		found=
		for d in "${dirs[@]}"; do
			if [ -e "$S/$d/$lib" ]; then
				follow "$d/$lib"
				queue+=("$S/$REAL")
				found=1
				break
			fi
		done
		[ -n "$found" ] || die "$lib (needed by ${f#"$S"/}) is not in $S/{${dirs[*]}}"
	done < <(needed "$f")
done

for lib in "${DLOPENED[@]}"; do
	for d in "lib/$MULTIARCH" "usr/lib/$MULTIARCH"; do
		if [ -e "$S/$d/$lib" ]; then
			follow "$d/$lib"
			break
		fi
	done
	[ -n "${printed[$d/$lib]:-}" ] || die "$lib (opened by glibc at run time) is not in $S"
done
