#!/bin/sh
# The project on arm64: a copy of the source tree cross-configured with
# Debian's gcc-aarch64-linux-gnu against the arm64 -dev libraries
# (multiarch), built, and every C unit test and fuzz corpus replay run
# under qemu-user. There the direct AVX-512 kernels are not compiled and
# every convolution takes im2col + OpenBLAS. The MNIST and tmux shell tests
# stay on the build machine.
#
# Not part of `make check` (a second whole build is too slow to repeat under
# the sanitizers): .ci/run runs it as `make check TESTS=tests/arm64_cross.sh`,
# and ./quickstart.sh check installs what it needs. Elsewhere it skips,
# saying what is missing; in CI (CI set) a missing tool fails it instead.
. "${top_srcdir:-.}/tests/tap.sh"

host=aarch64-linux-gnu
pcdir=/usr/lib/$host/pkgconfig

missing=""
command -v $host-gcc > /dev/null 2>&1 || missing="$missing gcc-$host"
command -v qemu-aarch64 > /dev/null 2>&1 || missing="$missing qemu-user"
for pc in ncursesw yaml-0.1 sqlite3 zlib openblas libpng; do
	[ -f "$pcdir/$pc.pc" ] || missing="$missing $pc.pc"
done
command -v git > /dev/null 2>&1 && git -C "$top_srcdir" rev-parse --git-dir > /dev/null 2>&1 ||
	missing="$missing a-git-checkout"
if [ -n "$missing" ]; then
	if [ -n "${CI:-}" ]; then
		ok 1 "the arm64 toolchain is installed (missing:$missing; ./quickstart.sh check installs it)"
		done_testing
		exit
	fi
	skip_all "missing:$missing (./quickstart.sh check installs them)"
fi

# The tracked and new files as they are in the work tree: a configured
# source tree cannot host a second build, and a VPATH build refuses one.
tree="$scratch/arm64"
mkdir -p "$tree"
(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 tar cf - --ignore-failed-read 2> /dev/null) | (cd "$tree" && tar xf -)
ok $? "the source tree is copied"

# pkg-config reads the arm64 .pc files only (Debian 12's pkg-config has no
# $host-pkg-config of its own).
PKG_CONFIG_LIBDIR=$pcdir:/usr/share/pkgconfig
export PKG_CONFIG_LIBDIR
(cd "$tree" && autoreconf -fi && ./configure --host=$host --enable-werror) \
	> "$scratch/configure.log" 2>&1
rc=$?
ok $rc "configure --host=$host"
[ $rc -eq 0 ] || { tail -n 20 "$scratch/configure.log" | sed 's/^/# /'; done_testing; exit; }
jobs=$(nproc 2> /dev/null || echo 2)
# the make that runs this test passes its own TESTS=tests/arm64_cross.sh
# down in MAKEFLAGS: the inner makes must not inherit it (nor its jobserver)
(cd "$tree" && unset MAKEFLAGS MAKEOVERRIDES MFLAGS &&
	make -j"$jobs" && make -j"$jobs" check TESTS=) > "$scratch/make.log" 2>&1
rc=$?
ok $rc "digitlab and its unit tests build for arm64 with -Werror"
[ $rc -eq 0 ] || { tail -n 30 "$scratch/make.log" | sed 's/^/# /'; done_testing; exit; }
# e_machine, bytes 18 and 19 of the ELF header: 183 (0xb7) is AArch64
is "$(od -An -tx1 -j18 -N2 "$tree/digitlab" | tr -d ' ')" b700 "the binary is an arm64 executable"

# Run with the arm64 loader and libraries that dpkg installed for arm64
# (/lib/ld-linux-aarch64.so.1, /usr/lib/aarch64-linux-gnu), never with
# QEMU_LD_PREFIX=/usr/aarch64-linux-gnu: that loader is the cross
# toolchain's libc, which need not be the same build as the libc.so.6 the
# host's ld.so.cache then finds, and under Debian 12's qemu 7.2 the mixture
# never returns from its first pthread_create. Every run has a timeout, and
# a KILL after it: a guest spinning with its signals blocked ignores TERM.
# OpenBLAS runs single-threaded, as digitlab runs it (main.c): its own
# threads spin between products, and emulated spinning starves the
# emulated work.
unset QEMU_LD_PREFIX
# test_nn checks every 16th parameter by finite differences rather than
# every one: all of them take most of an hour under emulation.
OPENBLAS_NUM_THREADS=1 DIGITLAB_TEST_FD_STRIDE=16 top_srcdir=$tree top_builddir=$tree
export OPENBLAS_NUM_THREADS DIGITLAB_TEST_FD_STRIDE top_srcdir top_builddir
cd "$tree" || exit 1
for t in tests/test_* tests/fuzz/replay_*; do
	case $t in *.*) continue ;; esac
	[ -x "$t" ] || continue
	start=$(date +%s)
	timeout -k 10 1200 qemu-aarch64 "$t" > "$scratch/unit.log" 2>&1
	rc=$?
	passed=$(grep -c '^ok ' "$scratch/unit.log")
	failed=$(grep -c '^not ok ' "$scratch/unit.log")
	[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
	ok $? "$t under qemu-aarch64: exit $rc, $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
	[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] ||
		grep -v '^ok ' "$scratch/unit.log" | tail -n 20 | sed 's/^/# /'
done

done_testing
