#!/bin/sh
# quickstart.sh - from a fresh Debian machine to a trained digit classifier.
#
#   ./quickstart.sh          install what is missing, build, fetch MNIST, train
#                            experiments/quickstart.yaml
#   ./quickstart.sh check    the same set-up and the arm64 cross toolchain,
#                            then `make check`
#
# Each step is skipped when its result is already there, so running this
# twice redoes nothing that is done.
set -eu

cd "$(dirname "$0")"
mode=${1:-run}
case "$mode" in
run|check) ;;
*) echo "usage: $0 [check]" >&2; exit 2 ;;
esac

say() { printf '==> %s\n' "$*"; }

# Debian packages the build and the data fetchers need, with a file or
# command that proves each is installed (dpkg-query is slower and needs root).
# The test suite also drives the dashboard in tmux, runs memcheck, and
# damages stores behind digitlab's back with the sqlite3 shell.
# libpng-dev reads the PNG images of folder data sets and `digitlab predict`.
# The ONNX test checks exported models with Debian's python3-onnx (for
# Debian's own python3, whatever python3 comes first in PATH). The Slurm
# executor's test brings up a one-node cluster of Debian's Slurm and munge.
need_packages() {
	missing=""
	test_tools=""
	[ "$mode" = check ] &&
		test_tools="tmux:cmd:tmux valgrind:cmd:valgrind sqlite3:cmd:sqlite3 python3-onnx:py:onnx nodejs:cmd:node
			slurmctld:file:/usr/sbin/slurmctld slurmd:file:/usr/sbin/slurmd
			slurm-client:cmd:sbatch munge:file:/usr/sbin/munged"
	for pair in $test_tools \
		gcc:cmd:gcc make:cmd:make autoconf:cmd:autoconf automake:cmd:automake \
		libtool:cmd:libtoolize pkg-config:cmd:pkg-config npm:cmd:npm \
		libncurses-dev:pc:ncursesw libyaml-dev:pc:yaml-0.1 libsqlite3-dev:pc:sqlite3 \
		zlib1g-dev:pc:zlib libopenblas-dev:pc:openblas libpng-dev:pc:libpng
	do
		pkg=${pair%%:*}; rest=${pair#*:}; kind=${rest%%:*}; what=${rest#*:}
		case "$kind" in
		cmd) command -v "$what" >/dev/null 2>&1 || missing="$missing $pkg" ;;
		pc) { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$what"; } ||
			missing="$missing $pkg" ;;
		py) /usr/bin/python3 -c "import $what" >/dev/null 2>&1 || missing="$missing $pkg" ;;
		file) [ -e "$what" ] || missing="$missing $pkg" ;;
		esac
	done
	echo "$missing"
}

# as_root COMMAND...: run it as root, through sudo unless we are root
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install [APT-GET OPTION]... PACKAGE...: fresh package lists, then the install
apt_install() {
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

install_packages() {
	missing=$(need_packages)
	[ -z "$missing" ] && return 0
	say "installing Debian packages:$missing"
	# shellcheck disable=SC2086
	apt_install $missing
}

# The arm64 build of the unit tests (tests/arm64_cross.sh, run by .ci/run):
# Debian's cross compiler, qemu-user to run what it builds, and the arm64
# -dev libraries beside the native ones (multiarch), each proved by its
# arm64 pkg-config file.
need_arm64_packages() {
	missing=""
	command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
	command -v qemu-aarch64 >/dev/null 2>&1 || missing="$missing qemu-user"
	for pair in libncurses-dev:ncursesw libyaml-dev:yaml-0.1 libsqlite3-dev:sqlite3 \
		zlib1g-dev:zlib libopenblas-dev:openblas libpng-dev:libpng
	do
		[ -f "/usr/lib/aarch64-linux-gnu/pkgconfig/${pair#*:}.pc" ] ||
			missing="$missing ${pair%%:*}:arm64"
	done
	echo "$missing"
}

install_arm64_packages() {
	missing=$(need_arm64_packages)
	[ -z "$missing" ] && return 0
	say "installing the arm64 cross toolchain and libraries:$missing"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		as_root dpkg --add-architecture arm64
	fi
	# --no-remove: a library whose arm64 build cannot sit beside the
	# native one fails here rather than taking the native one away
	# shellcheck disable=SC2086
	apt_install --no-remove $missing
}

build() {
	if [ ! -x configure ]; then
		say "bootstrapping (autoreconf)"
		autoreconf -fi
	fi
	if [ ! -f Makefile ]; then
		say "configuring"
		./configure ${DIGITLAB_CONFIGURE_FLAGS:-}
	fi
	say "building"
	make -j"$(nproc 2>/dev/null || echo 2)"
	say "built ./digitlab here; run it as ./digitlab (make install puts it and its man pages on the PATH)"
}

fetch_data() {
	./digitlab data fetch mnist
}

# ONNX Runtime for the ONNX test: npm's onnxruntime-web (WebAssembly, no
# native download), in tests/onnx/node_modules, never globally.
install_onnx_runtime() {
	[ -d tests/onnx/node_modules/onnxruntime-web ] && return 0
	say "installing onnxruntime-web into tests/onnx (npm)"
	npm install --prefix tests/onnx --no-audit --no-fund --loglevel=error ||
		say "onnxruntime-web could not be installed: the ONNX test will skip, saying why"
}

install_packages
# the arm64 test says what is missing; an install that fails here must not
# keep the rest of the suite from running
if [ "$mode" = check ]; then
	install_arm64_packages || say "the arm64 packages could not be installed: tests/arm64_cross.sh will say what is missing"
fi
build
fetch_data

if [ "$mode" = check ]; then
	install_onnx_runtime
	say "running the test suite"
	make -j"$(nproc 2>/dev/null || echo 2)" check
	exit 0
fi

# In a terminal: queue the experiment and open the dashboard on it (it
# trains the queue itself when no serve runs). Without one (a pipe, CI):
# train in the foreground and print progress.
if [ -t 0 ] && [ -t 1 ]; then
	say "queueing experiments/quickstart.yaml and opening the dashboard (q quits)"
	./digitlab queue add experiments/quickstart.yaml
	exec ./digitlab
fi
say "no terminal: training experiments/quickstart.yaml headless"
exec ./digitlab run experiments/quickstart.yaml
