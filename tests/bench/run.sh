#!/bin/sh
# make bench: builds demo practices of 1,000 and 100,000 patients once
# (cached in .bench-cache/, keyed by the schema and the demo generator),
# then prints emr's timings beside bare SQLite's for the same queries.
set -eu
cd "$(dirname "$0")/../.."
EMR=${EMR_BIN:-./emr}
cache=.bench-cache
mkdir -p "$cache"
# The demo makes the Unix login its physician, so emr runs as you.
unset EMR_USER EMR_DB
export EMR_NOW=2026-11-25T15:00:00Z TZ=America/New_York
key=$(cat schema.sql src/demo.c | sha256sum | cut -c1-12)

for n in 1000 100000; do
	db="$cache/demo-$n-$key.db"
	if [ ! -f "$db" ]; then
		rm -f "$cache"/demo-"$n"-*.db*
		echo "building a demo practice of $n patients (once; cached in $cache/) ..."
		start=$(date +%s.%N)
		"$EMR" demo --patients "$n" --seed 1 --db "$db.tmp" >/dev/null
		mv "$db.tmp" "$db"
		rm -f "$db.tmp-wal" "$db.tmp-shm"
		end=$(date +%s.%N)
		printf 'generated %s patients in %.1f s (%s MB)\n' "$n" "$(awk "BEGIN{print $end - $start}")" \
			"$(du -m "$db" | cut -f1)"
	fi
done

echo
echo "Targets at 100,000 patients: chart open < 2 ms, name-prefix search < 1 ms,"
echo "emr within 1.5x of bare SQLite, memory flat as the practice grows."
echo
for n in 1000 100000; do
	db="$cache/demo-$n-$key.db"
	build/bench "$db" "$n"
	set -- $(build/bench --spawn 30 "$EMR" --db "$db" patient list --search E000001)
	emr_ms=$1 emr_rss=$2
	set -- $(build/bench --spawn 30 sqlite3 "$db" "SELECT * FROM patients WHERE mrn = 'E000001'")
	awk -v n="$n" -v em="$emr_ms" -v er="$emr_rss" -v bm="$1" -v br="$2" 'BEGIN {
		printf "%-10s %-26s %9.3f ms               sqlite3 shell %5.3f ms  ratio %5.2fx\n", n, "startup (patient lookup)", em, bm, em / bm
		printf "%-10s %-26s %9d KiB (emr process)       sqlite3 shell %d KiB\n", n, "peak RSS", er, br }'
done

echo
echo "Key to updated screen (target: within one frame, 16 ms):"
for n in 1000 100000; do
	sh tests/bench/keys.sh "$cache/demo-$n-$key.db" "$n" "$EMR"
done

echo
sh tests/bench/fhir.sh "$EMR" build/bench-fhir "$cache/demo-100000-$key.db"
