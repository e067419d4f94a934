#!/usr/bin/env bash
# The DuckDB shell (duckdb-cli from the package registry) loads the built extension with
# -unsigned and runs a manifest query.
set -euo pipefail
duckdb="$1"
extension="$2"
out=$("$duckdb" -unsigned -csv -noheader -c "
LOAD '$extension';
CREATE TABLE events AS SELECT TIMESTAMP '2024-01-30 00:00:00' + to_hours(i) AS ts FROM range(72) t(i);
SELECT label || ':' || row_count FROM partext.partition_temporal('events', 'ts', 'month');
SELECT partition_key_temporal(DATE '2021-01-03', 'week');
SELECT partext_version();")
expected="2024-01:48
2024-02:24
2020-W53"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$(dirname "$0")/../../Cargo.toml" | head -1)
expected="$expected
$version"
if [ "$out" != "$expected" ]; then
  echo "FAIL shell: expected"; echo "$expected"; echo "got"; echo "$out"; exit 1
fi
echo "shell ($("$duckdb" --version | head -1)): 4 checks passed"
