# chaos_report.sh: sourced by the chaos tests after their driver ran. chaos_report RC MIN_CHECKS
# turns the driver's output ($T_TMP/chaos.out: NOTE lines, "CHECK ok|fail NAME<TAB>detail...")
# into TAP lines, and fails when the driver died or reported fewer than MIN_CHECKS checks.
chaos_report() {
	grep '^NOTE ' "$T_TMP/chaos.out" | sed 's/^NOTE /# /'
	expect_eq "the chaos driver ran to its end" "0" "$1"
	[ "$1" -eq 0 ] || sed 's/^/#   /' "$T_TMP/chaos.err"
	while IFS= read -r line; do
		case "$line" in
		"CHECK ok "*) ok "$(printf '%s' "${line#CHECK ok }" | cut -f1)"
			printf '%s\n' "${line#CHECK ok }" | tr '\t' '\n' | tail -n +2 | sed 's/^/# /' ;;
		"CHECK fail "*) rest=${line#CHECK fail }
			T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1))
			echo "not ok $T_N - $(printf '%s' "$rest" | cut -f1)"
			printf '%s\n' "$rest" | tr '\t' '\n' | tail -n +2 | sed 's/^/#   /' ;;
		esac
	done < "$T_TMP/chaos.out"
	n=$(grep -c '^CHECK ' "$T_TMP/chaos.out")
	[ "$n" -ge "$2" ] && ok "every check of the driver reported" ||
		not_ok "every check of the driver reported" "$n checks"
}
