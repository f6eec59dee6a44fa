#!/bin/sh
# cli_doc.sh: docs/cli.md is what the binary's help texts say (scripts/gen_cli_doc.py).
. "$(dirname "$0")/lib.sh"
run python3 "$TESTS_SRC/../scripts/gen_cli_doc.py" "$TRAINCTL" --check
expect_rc "docs/cli.md matches every command's --help" 0
for c in $("$TRAINCTL" --help | awk '/^commands:/{f=1;next} f && /^  [a-z]/{print $1}'); do
	grep -q "^### trainctl $c\$" "$TESTS_SRC/../docs/cli.md" && ok "docs/cli.md documents '$c'" || not_ok "docs/cli.md documents '$c'"
done
# within one command's options, a short letter means one thing (submit once had -n twice)
dups=$(awk '/^###+ trainctl /{cmd=$0; delete seen; next}
	match($0, /^  -[A-Za-z],/) { c = substr($0, 4, 1); if (c in seen) print cmd ": -" c; seen[c] = 1 }' \
	"$TESTS_SRC/../docs/cli.md")
expect_eq "no command gives one short option two meanings" "" "$dups"
# the help texts the doc is made from, under valgrind (lib.sh vg_check)
for c in submit validate plan; do vg_check "$c --help" 0 "$c" --help; done
done_testing
