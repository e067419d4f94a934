"""read_airbyte on real connector output: airbyte-source-faker (from PyPI, in its own venv)
emits real Airbyte protocol messages offline. All three streams are loaded; row counts and
column types are checked against the RECORD messages and the catalog.
"""
import json
import os
import subprocess
import tempfile

from common import EXTENSION, ROOT, Checks, connect, quote_literal, run

CLI = os.environ.get("PARTEXT_CLI", os.path.join(ROOT, ".venv", "cli-1.5.6", "bin", "duckdb"))
FAKER = os.environ.get("PARTEXT_SOURCE_FAKER", os.path.join(ROOT, ".venv", "airbyte-faker", "bin", "source-faker"))


def expected_type(schema):
    """Airbyte's data types mapped to DuckDB, written out independently of partext."""
    if "oneOf" in schema or "anyOf" in schema:
        return "JSON"
    t = schema.get("type")
    types = [x for x in (t if isinstance(t, list) else [t]) if x != "null"]
    if len(types) != 1:
        return "JSON"
    t, fmt, ab = types[0], schema.get("format"), schema.get("airbyte_type")
    if t == "string":
        if fmt == "date":
            return "DATE"
        if fmt == "date-time":
            return "TIMESTAMP" if ab == "timestamp_without_timezone" else "TIMESTAMP WITH TIME ZONE"
        if fmt == "time":
            return "TIME"
        return "VARCHAR"
    if t == "integer" or (t == "number" and ab == "integer"):
        return "BIGINT"
    return {"number": "DOUBLE", "boolean": "BOOLEAN"}.get(t, "JSON")


def main():
    checks = Checks("airbyte faker")
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "config.json")
        with open(config, "w") as f:
            json.dump({"count": 300, "seed": 7, "records_per_slice": 100, "parallelism": 1}, f)
        discovered = subprocess.run([FAKER, "discover", "--config", config], capture_output=True, text=True, check=True, timeout=300).stdout
        catalog_msg = next(json.loads(l) for l in discovered.splitlines() if l.startswith("{") and json.loads(l).get("type") == "CATALOG")
        catalog = os.path.join(tmp, "catalog.json")
        with open(catalog, "w") as f:
            json.dump(catalog_msg, f)
        streams = catalog_msg["catalog"]["streams"]
        configured = os.path.join(tmp, "configured.json")
        with open(configured, "w") as f:
            json.dump({"streams": [{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for s in streams]}, f)
        records = os.path.join(tmp, "records.jsonl")
        with open(records, "w") as out:
            subprocess.run([FAKER, "read", "--config", config, "--catalog", configured], stdout=out, check=True, timeout=600)
        counts = {}
        with open(records) as f:
            for line in f:
                m = json.loads(line)
                if m.get("type") == "RECORD":
                    counts[m["record"]["stream"]] = counts.get(m["record"]["stream"], 0) + 1
        checks.equal(sorted(counts), sorted(s["name"] for s in streams), "faker emitted every stream")
        con = connect()
        for s in streams:
            name = s["name"]
            for cat in (catalog, configured):
                call = f"read_airbyte({quote_literal(records)}, stream := {quote_literal(name)}, catalog := {quote_literal(cat)})"
                con.execute(f"CREATE OR REPLACE TABLE {name} AS FROM {call}")
                checks.equal(con.execute(f"SELECT count(*) FROM {name}").fetchone()[0], counts[name], f"rows of {name}")
                types = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {name})").fetchall()
                expected = [(k, expected_type(v)) for k, v in s["json_schema"]["properties"].items()]
                expected += [("_airbyte_emitted_at", "TIMESTAMP WITH TIME ZONE"), ("_airbyte_meta", "JSON")]
                checks.equal(types, expected, f"column types of {name} follow the catalog")
                nulled = con.execute(f"SELECT count(*) FROM {name} WHERE _airbyte_meta IS NOT NULL").fetchone()[0]
                checks.equal(nulled, 0, f"no value of {name} failed its declared type")
            print(f"  {name}: {counts[name]} rows, {len(s['json_schema']['properties'])} columns")

        # The README's pipeline: the source piped into the DuckDB shell, then partitioned by month.
        users = next(s for s in streams if s["name"] == "users")
        ts = next(k for k, v in users["json_schema"]["properties"].items() if v.get("format") == "date-time")
        months = {}
        with open(records) as f:
            for line in f:
                m = json.loads(line)
                if m.get("type") == "RECORD" and m["record"]["stream"] == "users":
                    month = m["record"]["data"][ts][:7]
                    months[month] = months.get(month, 0) + 1
        sql = f"""LOAD {quote_literal(EXTENSION)}; SET TimeZone = 'UTC';
                  CREATE TABLE users AS FROM read_airbyte('/dev/stdin', stream := 'users', catalog := {quote_literal(catalog)});
                  SELECT label, row_count FROM partext.partition_temporal('users', {quote_literal(ts)}, 'month') ORDER BY label;"""
        read = subprocess.Popen([FAKER, "read", "--config", config, "--catalog", configured], stdout=subprocess.PIPE)
        shell = subprocess.run([CLI, "-unsigned", "-csv", "-noheader", "-c", sql], stdin=read.stdout, capture_output=True, text=True, timeout=600)
        read.stdout.close()
        read.wait()
        checks.equal(shell.returncode, 0, f"the shell pipeline ran ({shell.stderr.strip()})")
        manifest = {label: int(n) for label, n in (row.split(",") for row in shell.stdout.split())}
        checks.equal(sum(manifest.values()), counts["users"], "every piped user is in the manifest")
        # The manifest lists every month between the first and the last, empty ones with 0 rows.
        checks.equal({k: v for k, v in manifest.items() if v}, months, f"monthly manifest of users piped through the shell (by {ts})")
        print(f"  shell pipeline: {sum(manifest.values())} users in {len(manifest)} months")
    checks.done(minimum=16)


if __name__ == "__main__":
    run(main)
