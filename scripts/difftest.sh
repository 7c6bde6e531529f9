#!/usr/bin/env bash
# The differential tester's long run: decides N generated scenarios
# (default a million) with ward and with @cloud-copilot/iam-simulate,
# minimizes every disagreement and fails on any that no documented cause
# explains (internal/difftest, docs/conformance.md "Differential testing").
#
#   scripts/difftest.sh                 # 1,000,000 scenarios, seed 1
#   WARD_DIFFTEST_N=100000 WARD_DIFFTEST_SEED=7 scripts/difftest.sh
#
# Needs go, node and npm. iam-simulate (AGPL) is installed into a
# temporary folder that is removed at exit, never into the repository;
# WARD_IAMSIMULATE_DIR names an existing install instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for cmd in go node npm; do
	command -v "$cmd" >/dev/null || { echo "difftest.sh: $cmd is not installed" >&2; exit 2; }
done

if [[ -z ${WARD_IAMSIMULATE_DIR:-} ]]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "installing @cloud-copilot/iam-simulate into $tmp ..." >&2
	printf '{"private": true}\n' >"$tmp/package.json"
	if ! (cd "$tmp" && npm install --no-audit --no-fund @cloud-copilot/iam-simulate) >"$tmp/npm.log" 2>&1; then
		cat "$tmp/npm.log" >&2
		echo "difftest.sh: npm install failed" >&2
		exit 1
	fi
	export WARD_IAMSIMULATE_DIR=$tmp
fi
export WARD_DIFFTEST_N=${WARD_DIFFTEST_N:-1000000}
echo "go test -run '^TestDifferential\$' ./internal/difftest with WARD_DIFFTEST_N=$WARD_DIFFTEST_N ..." >&2
go test -count=1 -v -run '^TestDifferential$' -timeout 3h ./internal/difftest
