#!/bin/sh
# check-keys.sh: fcgiserve.conf(5) documents every key of the documented
# default configuration (conf/fcgiserve.conf.in) and of the parser
# (src/conf.c), and no other.  Run by make check.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
page=$top_srcdir/man/fcgiserve.conf.5
tmp=${TMPDIR:-/tmp}/check-keys.$$
trap 'rm -f "$tmp".*' EXIT

# ";key (" starts each key's comment block in the .in file.
sed -n 's/^; *\([a-z_]*\)\(, \([a-z_]*\)\)\{0,1\} (.*/\1 \3/p' \
    "$top_srcdir/conf/fcgiserve.conf.in" | tr ' ' '\n' | sed '/^$/d' |
    sort -u > "$tmp.conf"
sed -n 's/^[[:space:]]*{ "\([a-z_]*\)", SECT_.*/\1/p' \
    "$top_srcdir/src/conf.c" | sort -u > "$tmp.parser"
grep '^\.It Cm ' "$page" | grep -o 'Cm [a-z_]* No =' | cut -d' ' -f2 |
    sort -u > "$tmp.man"

rc=0
for src in conf parser; do
	if ! cmp -s "$tmp.$src" "$tmp.man"; then
		echo "fcgiserve.conf(5) and the keys of the $src differ (< $src, > man page):"
		diff "$tmp.$src" "$tmp.man" || true
		rc=1
	fi
done
[ "$rc" -ne 0 ] || echo "fcgiserve.conf(5) documents all $(wc -l < "$tmp.man") keys"
exit "$rc"
