#!/usr/bin/env bash
# Side-by-side speed of ward's engine and @cloud-copilot/iam-simulate's
# core authorize() on the same scenarios (bench/compare/scenarios.json),
# with policies parsed and requests prepared outside the timed loops on
# both sides.
#
#   bench/compare/run.sh            # from anywhere in a clone
#   SECONDS_TARGET=10 bench/compare/run.sh
#
# Needs go, node and npm, and the npm registry. iam-simulate (AGPL) is
# installed into a temporary folder that is removed at exit, never into
# the repository.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

for cmd in go node npm; do
	command -v "$cmd" >/dev/null || { echo "run.sh: $cmd is not installed" >&2; exit 2; }
done

scenarios=bench/compare/scenarios.json
target=${SECONDS_TARGET:-5}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "installing @cloud-copilot/iam-simulate into $tmp ..." >&2
# A package.json of its own keeps npm from installing into a parent folder.
printf '{"private": true}\n' >"$tmp/package.json"
if ! (cd "$tmp" && npm install --no-audit --no-fund @cloud-copilot/iam-simulate) >"$tmp/npm.log" 2>&1; then
	cat "$tmp/npm.log" >&2
	echo "run.sh: npm install failed" >&2
	exit 1
fi

# field JSON NAME prints one field of a JSON object.
field() {
	node -e 'const o = JSON.parse(process.argv[1]); const v = o[process.argv[2]]; console.log(Array.isArray(v) ? v.join("\n") : v)' "$1" "$2"
}

sim() {
	IAM_SIMULATE_DIR="$tmp" node bench/compare/iamsimulate.mjs "$scenarios" "$1"
}

# Calibrate: a short run, then enough iterations for about $target seconds.
echo "calibrating iam-simulate ..." >&2
probe=$(sim 500)
iters=$(node -e 'const s = +process.argv[1]; console.log(Math.max(500, Math.ceil(500 * process.argv[2] / Math.max(s, 1e-6))))' "$(field "$probe" seconds)" "$target")

echo "iam-simulate: $iters iterations over the scenarios ..." >&2
simjson=$(sim "$iters")

echo "ward: go test -run '^\$' -bench BenchmarkCompareScenarios -benchtime 3s ./internal/scenario ..." >&2
goout=$(go test -run '^$' -bench BenchmarkCompareScenarios -benchtime 3s ./internal/scenario 2>&1) || {
	echo "$goout" >&2
	echo "run.sh: go benchmark failed" >&2
	exit 1
}
benchline=$(grep -E '^BenchmarkCompareScenarios' <<<"$goout" | tail -1)
ward_ns=$(awk '{for (i = 2; i <= NF; i++) if ($i == "ns/decision") print $(i-1)}' <<<"$benchline")
ward_allocs=$(awk '{for (i = 2; i <= NF; i++) if ($i == "allocs/op") print $(i-1)}' <<<"$benchline")
if [[ -z $ward_ns ]]; then
	echo "$goout" >&2
	echo "run.sh: no ns/decision in the go benchmark output" >&2
	exit 1
fi
cpu=$(sed -n 's/^cpu: //p' <<<"$goout" | head -1)

sim_ns=$(field "$simjson" nsPerDecision)
sim_dps=$(field "$simjson" decisionsPerSecond)
sim_version=$(field "$simjson" version)
sim_decisions=$(field "$simjson" decisions)
mismatches=$(field "$simjson" mismatches)
nscen=$(node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(Array.isArray(s) ? s.length : 1)' "$scenarios")
ward_version=$(git describe --always --dirty 2>/dev/null || echo dev)

echo
echo "scenarios: $nscen ($scenarios); cpu: ${cpu:-unknown}; $(go version | awk '{print $3}'); node $(node --version)"
echo "ward: $benchline"
echo "iam-simulate: $simjson"
echo
node -e '
const [wardVer, wardNs, simVer, simNs, simDps] = process.argv.slice(1)
const rows = [
  ["engine", "version", "ns/decision", "decisions/s"],
  ["ward", wardVer, (+wardNs).toFixed(1), Math.round(1e9 / wardNs).toLocaleString("en-US")],
  ["iam-simulate", simVer, (+simNs).toFixed(1), (+simDps).toLocaleString("en-US")],
]
const w = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)))
for (const r of rows) console.log(r.map((v, c) => c < 2 ? String(v).padEnd(w[c]) : String(v).padStart(w[c])).join("  "))
console.log(`speedup ward/iam-simulate: ${(simNs / wardNs).toFixed(0)}x`)
' "$ward_version" "$ward_ns" "$sim_version" "$sim_ns" "$sim_dps"
echo "(ward allocs/op: $ward_allocs; iam-simulate decisions timed: $sim_decisions)"

if [[ -n $mismatches ]]; then
	echo
	echo "iam-simulate disagrees with the expected answer on:" >&2
	echo "$mismatches" | sed 's/^/  /' >&2
	exit 1
fi
echo "both engines give the expected answer on every scenario"
