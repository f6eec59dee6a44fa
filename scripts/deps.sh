#!/bin/sh
# deps.sh: install the Debian packages a make target needs, when missing.
# Usage: scripts/deps.sh build|test|lint|demo|bench
# As root it runs apt-get itself; otherwise it prints the exact command and fails.
set -eu

build="meson ninja-build pkg-config gcc libc6-dev python3 libhwloc-dev hwloc libjansson-dev \
libgit2-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libcmocka-dev ca-certificates"
test_extra="git openssl chromium"
# make test's sanitized build (clang; libclang-rt-14-dev holds the ASan/UBSan runtimes and
# libFuzzer) and the CLI tests' valgrind checks; make lint's analysers
sanitize_extra="clang libclang-rt-14-dev valgrind"
lint_extra="clang-tidy cppcheck"
bench_extra="task-spooler parallel hyperfine azure-cli"

case "${1:-build}" in
build|demo) want="$build" ;;
test) want="$build $test_extra $sanitize_extra" ;;
lint) want="$build $lint_extra" ;;
bench) want="$build $test_extra $bench_extra" ;;
*) echo "deps.sh: unknown target '$1' (build, test, lint, demo, bench)" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $p"
done
# the tests' npm tools (package.json: oav, Microsoft's spec validator; azurite, its storage
# emulator) need node and npm; NodeSource's nodejs brings npm with it, Debian's does not
if [ "${1:-build}" = test ] || [ "${1:-build}" = bench ]; then
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi

npm_tools() {
	root=$(cd "$(dirname "$0")/.." && pwd)
	[ -x "$root/node_modules/.bin/oav" ] && [ -x "$root/node_modules/.bin/azurite-blob" ] && return 0
	echo "installing the test tools (package.json: oav, azurite) with npm ci" >&2
	(cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

if [ -z "$missing" ]; then
	case "${1:-build}" in test|bench) npm_tools ;; esac
	exit 0
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "trainctl needs these Debian packages:$missing" >&2
	echo "run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || true
$cmd >/dev/null
case "${1:-build}" in test|bench) npm_tools ;; esac
