#!/usr/bin/env bash
# Prints tests run / failed / errors / skipped per module from the surefire XML reports of the last build
# (make test runs Maven quietly; this keeps the summary visible).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
total_t=0 total_f=0 total_e=0 total_s=0
for dir in */target/surefire-reports; do
    [ -d "$dir" ] || continue
    module=${dir%%/*}
    t=0 f=0 e=0 s=0
    for xml in "$dir"/TEST-*.xml; do
        [ -f "$xml" ] || continue
        head=$(grep -m1 -o '<testsuite [^>]*>' "$xml")
        for key in tests failures errors skipped; do
            v=$(sed -n "s/.* $key=\"\\([0-9]*\\)\".*/\\1/p" <<<"$head")
            v=${v:-0}
            case $key in
                tests) t=$((t + v)) ;;
                failures) f=$((f + v)) ;;
                errors) e=$((e + v)) ;;
                skipped) s=$((s + v)) ;;
            esac
        done
    done
    printf 'tests %-18s run %4d  failed %d  errors %d  skipped %d\n' "$module" "$t" "$f" "$e" "$s"
    total_t=$((total_t + t)); total_f=$((total_f + f)); total_e=$((total_e + e)); total_s=$((total_s + s))
done
printf 'tests %-18s run %4d  failed %d  errors %d  skipped %d\n' "all" "$total_t" "$total_f" "$total_e" "$total_s"
