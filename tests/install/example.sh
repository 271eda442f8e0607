#!/usr/bin/env bash
# install.example: the library as a program outside the tree uses it.
#
# Installs this build (cmake --install) into a temporary prefix and, using
# only that prefix (no path into the source or build tree):
#   - checks that the installed headers compile alone, as C17 and C++17;
#   - checks that libsva.so (soname libsva.so.MAJOR) and libsva.a export
#     exactly the functions the installed headers declare: no internal
#     symbol leaks, no public one is missing;
#   - builds the installed example (share/sva/examples/c) with its Makefile
#     and pkg-config, linked with libsva.so, then with libsva.a
#     (pkg-config --static), and with its CMakeLists through find_package,
#     and runs each: the guest's memmove must succeed and its bytes match.
#
# Usage: example.sh BUILD_DIR CC [EXTRA_CFLAGS]
# EXTRA_CFLAGS is -fsanitize=... in the sanitizer build: its libsva carries
# calls into the ASan/UBSan runtime, which only a program built with the
# same flags provides.
set -euo pipefail
build=$1
cc=$2
extra=${3:-}

fail() { echo "install.example: $*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null

# ---- the installed tree
for f in include/sva/system.h include/sva/guest.h include/sva/api.h lib/libsva.a \
	 lib/pkgconfig/sva.pc lib/cmake/sva/svaConfig.cmake lib/cmake/sva/svaConfigVersion.cmake \
	 share/sva/examples/c/memmove.c share/sva/examples/c/Makefile \
	 share/sva/examples/scenarios/default.json; do
	[ -e "$prefix/$f" ] || fail "$f not installed"
done
version=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --modversion sva)
real=$(readlink -f "$prefix/lib/libsva.so")
[ "$real" = "$prefix/lib/libsva.so.$version" ] || fail "libsva.so -> $real, not libsva.so.$version"
soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libsva.so.${version%%.*}" ] || fail "soname '$soname', not libsva.so.${version%%.*}"
[ -L "$prefix/lib/$soname" ] || fail "no $soname link"

# ---- what is exported: the functions the installed headers declare
{
	for h in "$prefix"/include/sva/*.h; do echo "#include <sva/${h##*/}>"; done
} > "$tmp/all.c"
# self-contained, strict C17, and usable from C++
gcc -std=c17 -pedantic -Wall -Wextra -Werror -I"$prefix/include" -fsyntax-only "$tmp/all.c"
if command -v g++ >/dev/null; then
	cp "$tmp/all.c" "$tmp/all.cpp"
	g++ -std=c++17 -Wall -Wextra -Werror -I"$prefix/include" -fsyntax-only "$tmp/all.cpp"
fi
# gcc's -aux-info lists every declared function with the file declaring it
gcc -std=c17 -I"$prefix/include" -fsyntax-only -aux-info "$tmp/aux.txt" "$tmp/all.c"
grep "^/\* $prefix/include/" "$tmp/aux.txt" | grep -v ' static ' |
	sed -E 's/.*[ *](sva_[a-z0-9_]+) \(.*/\1/' | sort -u > "$tmp/declared"
[ "$(grep -cv '^sva_' "$tmp/declared")" = 0 ] || fail "a public function without the sva_ prefix: $(grep -v '^sva_' "$tmp/declared" | head -3)"
nm -D --defined-only "$real" | awk '$2 ~ /^[TWBDRV]$/ {print $3}' | sort -u > "$tmp/so"
nm -g --defined-only "$prefix/lib/libsva.a" | awk 'NF == 3 {print $3}' | sort -u > "$tmp/a"
for lib in so a; do
	if ! diff -u "$tmp/declared" "$tmp/$lib" > "$tmp/diff"; then
		cat "$tmp/diff" >&2
		fail "libsva.$lib exports other functions than the headers declare (+: exported, not declared; -: declared, not exported)"
	fi
done
echo "libsva.so.$version and libsva.a export the $(wc -l < "$tmp/declared") functions the headers declare"

# ---- the example, three ways
check_run() {	# $1: what, $2: the program
	local out
	out=$("$2") || fail "$1: exit status $?"
	grep -q '^guest pid [0-9]* exited with 0$' <<<"$out" || fail "$1: guest did not exit 0: $out"
	grep -q ': status 0x01 (success)$' <<<"$out" || fail "$1: memmove did not succeed: $out"
	grep -q '^bytes verified$' <<<"$out" || fail "$1: $out"
	grep -q "^sva $version, seed 1$" <<<"$out" || fail "$1: $out"
	echo "$1: ok"
}

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pkg-config --cflags --libs --static sva | grep -q "$build" && fail "pkg-config names the build tree"
cp -r "$prefix/share/sva/examples/c" "$tmp/ex"
make -s -C "$tmp/ex" CC="$cc" CFLAGS="-O1 $extra" >/dev/null
readelf -d "$tmp/ex/memmove" | grep -q "NEEDED.*\[$soname\]" || fail "the shared build does not need $soname"
check_run "pkg-config, libsva.so" "$tmp/ex/memmove"

make -s -C "$tmp/ex" clean
make -s -C "$tmp/ex" CC="$cc" CFLAGS="-O1 $extra" STATIC=1 >/dev/null
readelf -d "$tmp/ex/memmove" | grep -q "libsva" && fail "the static build needs a shared libsva"
check_run "pkg-config --static, libsva.a" "$tmp/ex/memmove"

for kind in shared static; do
	static=OFF; [ $kind = static ] && static=ON
	cmake -S "$tmp/ex" -B "$tmp/cm-$kind" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$extra" \
	      -DCMAKE_PREFIX_PATH="$prefix" -DSVA_STATIC=$static >/dev/null
	cmake --build "$tmp/cm-$kind" >/dev/null
	check_run "find_package(sva), $kind" "$tmp/cm-$kind/memmove"
done
