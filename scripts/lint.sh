#!/bin/sh
# lint.sh: cppcheck and clang-tidy over every C file of the tree (make lint; docs/hardening.md,
# "Static analysis"). Any finding of either fails. Usage: scripts/lint.sh BUILD_DIR [JOBS]
# BUILD_DIR's compile_commands.json gives clang-tidy each file's flags; the checks are those
# of .clang-tidy. CLANG_TIDY and CPPCHECK name the tools (default clang-tidy, cppcheck).
# LINT_ANALYZER=yes adds the Clang static analyzer (slow: not part of CI; see .clang-tidy).
set -eu
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/lint.sh BUILD_DIR [JOBS]}
jobs=${2:-$(nproc)}
tidy=${CLANG_TIDY:-clang-tidy}
cppcheck=${CPPCHECK:-cppcheck}
[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json (meson setup $build)" >&2; exit 2; }

files=$(git ls-files 'src/*.c' 'tests/unit/*.c' 'fuzz/*.c' 'examples/*.c')
status=0

# cppcheck: warnings, performance and portability (style is clang-tidy's and the compiler's);
# system headers are not read (cppcheck's own library files describe libc and POSIX), jansson's
# loop macros come from scripts/lint/jansson.cfg; an inline suppression needs a reason beside it.
# readdirCalled is off: it asks for readdir_r, which POSIX.1-2024 and glibc (2.24) deprecate in
# favour of readdir, safe when each thread has its own DIR (as every caller here does)
echo "cppcheck ($(echo "$files" | wc -l) files)"
# shellcheck disable=SC2086
"$cppcheck" --quiet --error-exitcode=1 --inline-suppr -j "$jobs" \
	--std=c11 --enable=warning,performance,portability \
	--library=posix --library=scripts/lint/jansson.cfg \
	--suppress=missingIncludeSystem --suppress=readdirCalled \
	-D_GNU_SOURCE -I include -I "$build" \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	$files || status=1

# clang-tidy: one process per file, $jobs at a time; a finding anywhere is an error
# (WarningsAsErrors in .clang-tidy), so any non-zero exit fails the run
echo "clang-tidy ($(echo "$files" | wc -l) files, $jobs at a time)"
extra=""
[ "${LINT_ANALYZER:-no}" = yes ] &&
	extra="--checks=clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-optin.performance.Padding"
# shellcheck disable=SC2086
echo "$files" | xargs -P "$jobs" -n 1 "$tidy" -p "$build" --quiet $extra \
	>"$build/clang-tidy.log" 2>"$build/clang-tidy.err" || status=1
cat "$build/clang-tidy.log"
# its stderr, less the counts of what it was told to leave out
grep -vE '^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^Use -system-headers' \
	"$build/clang-tidy.err" >&2 || true
[ "$status" -eq 0 ] && echo "lint: clean" || echo "lint: findings above" >&2
exit "$status"
