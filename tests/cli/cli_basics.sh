#!/bin/sh
# cli_basics.sh: version, help, unknown commands and options, exit codes.
. "$(dirname "$0")/lib.sh"

run "$TRAINCTL" --version
expect_rc "--version exits 0" 0
expect_out "--version prints the version" '^trainctl [0-9]+\.[0-9]+\.[0-9]+$'

run "$TRAINCTL" --help
expect_rc "--help exits 0" 0
expect_out "--help lists commands" 'profile'

run "$TRAINCTL"
expect_rc "no command is a usage error" 2

run "$TRAINCTL" profil
expect_rc "unknown command exits 2" 2
expect_err "unknown command suggests the closest" "did you mean 'profile'"

run "$TRAINCTL" frobnicate
expect_rc "unrelated unknown command exits 2" 2
expect_err "no suggestion for an unrelated word" "'frobnicate' is not a trainctl command$"

run "$TRAINCTL" profile --jsno
expect_rc "unknown option exits 2" 2
expect_err "unknown option suggests the closest" "unknown option '--jsno' \(did you mean '--json'\?\)"

run "$TRAINCTL" --bogus
expect_rc "unknown global option exits 2" 2

for c in $("$TRAINCTL" --help | awk '/^commands:/{f=1;next} f && /^  [a-z]/{print $1}'); do
	run "$TRAINCTL" "$c" --help
	if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -q "^usage: trainctl $c"; then
		ok "'$c --help' prints its usage"
	else
		not_ok "'$c --help' prints its usage" "rc=$RC" "$OUT"
	fi
done

# ---- the main paths under valgrind (lib.sh vg_check) ----
vg_check "--version" 0 --version
vg_check "--help" 0 --help
vg_check "an unknown command with a suggestion" 2 profil
vg_check "an unknown global option" 2 --bogus

done_testing
