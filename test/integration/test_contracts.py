"""Property test of the contracts 1-4 of docs/contracts.md on generated data.

For seeded random datasets (many key types, NULLs, skew, empty and single-row tables), over every
source kind (table, view, Parquet file, subquery), every manifest of partition_temporal (every
granularity and 'auto'), partition_hash, partition_range, partition_by (two-field Iceberg specs;
its path stands for the label) and chunk_plan (tables, with deletes, and Parquet) must be:
  1. disjoint and complete, 2. exact, 3. consistent with its key function, 4. deterministic.
Every manifest row's predicate is executed. Disjointness follows from 3 (a row in two partitions
would need two labels) together with 2 and the total: counts that sum to the row count, each
row in exactly the partition whose label its key has.
"""
import os
import random
import tempfile

from common import run, Checks, connect, quote_ident, quote_literal

GRANULARITIES = ["hour", "day", "week", "month", "quarter", "year"]
KEY_TYPES = {
    "DATE": "CAST(make_timestamp(us) AS DATE)",
    "TIMESTAMP": "make_timestamp(us)",
    "TIMESTAMP_S": "CAST(make_timestamp(us) AS TIMESTAMP_S)",
    "TIMESTAMP_MS": "CAST(make_timestamp(us) AS TIMESTAMP_MS)",
    "TIMESTAMP_NS": "make_timestamp_ns(us * 1000 + ns_extra)",
    "TIMESTAMPTZ": "CAST(make_timestamp(us) AS TIMESTAMPTZ)",
}
US_PER_DAY = 86_400_000_000


def gen_micros(rng, shape):
    """Epoch microseconds for one dataset shape, NULLs as None."""
    n = {"empty": 0, "single": 1, "small": 60, "medium": 1500}[shape["size"]]
    span_days = shape["span_days"]
    base = rng.randint(-20 * 365, 60 * 365) * US_PER_DAY
    out = []
    hot = base + rng.randint(0, span_days * US_PER_DAY)
    for _ in range(n):
        r = rng.random()
        if r < shape["nulls"]:
            out.append(None)
        elif r < shape["nulls"] + shape["skew"]:
            out.append(hot)  # a heavy hitter: many rows at one instant
        else:
            out.append(base + rng.randint(0, span_days * US_PER_DAY))
    return out


def build_sources(con, tmp, name, key_type, micros, rng):
    """Creates the dataset as a table, a view, a Parquet file and a subquery source."""
    ns_extra = [rng.randint(0, 999) for _ in micros]
    con.execute(f"CREATE OR REPLACE TABLE raw_{name} (us BIGINT, ns_extra BIGINT, payload VARCHAR)")
    if micros:
        con.execute(
            f"INSERT INTO raw_{name} SELECT unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[])",
            [micros, ns_extra, ["p" * rng.randint(0, 20) for _ in micros]],
        )
    expr = KEY_TYPES[key_type]
    table = f"src {name}"  # a space in the name on purpose
    con.execute(
        f"CREATE OR REPLACE TABLE {quote_ident(table)} AS "
        f"SELECT CASE WHEN us IS NULL THEN NULL ELSE {expr} END AS k, payload FROM raw_{name}"
    )
    con.execute(f"CREATE OR REPLACE VIEW {quote_ident('v_' + name)} AS SELECT * FROM {quote_ident(table)}")
    parquet = os.path.join(tmp, f"{name}.parquet")
    con.execute(f"COPY {quote_ident(table)} TO {quote_literal(parquet)} (FORMAT parquet)")
    subquery = f"(SELECT * FROM {quote_ident(table)} WHERE payload IS NOT NULL OR k IS NULL)"
    # kind -> (the tbl argument, the same source as SQL after FROM)
    return {
        "table": (quote_ident(table), quote_ident(table)),
        "view": (quote_ident("v_" + name), quote_ident("v_" + name)),
        "parquet": (parquet, quote_literal(parquet)),
        "subquery": (subquery, subquery),
    }


def check_manifest(con, checks, tbl, from_sql, gran, include_empty):
    call = f"partext.partition_temporal({quote_literal(tbl)}, 'k', '{gran}', include_empty := {str(include_empty).lower()})"
    check_contracts(con, checks, call, from_sql, lambda label, pid: f"partition_key_temporal(k, '{gran}') IS DISTINCT FROM {sql_text(label)}",
                    allow_empty=include_empty)


def granularity_of(label):
    """The granularity a temporal label is written in."""
    if "T" in label:
        return "hour"
    if "-W" in label:
        return "week"
    if "-Q" in label:
        return "quarter"
    return {4: "year", 7: "month", 10: "day"}[len(label.lstrip("-"))]


def check_auto(con, checks, tbl, from_sql, rng):
    target = rng.choice([0.001, 0.01, 0.1, 10])
    call = f"partext.partition_temporal({quote_literal(tbl)}, 'k', 'auto', target_mb := {target})"

    def mismatch(label, pid):
        if label is None:
            return "k IS NOT NULL"
        first, _, last = label.partition("..")
        last = last or first
        key = f"partition_key_temporal(k, '{granularity_of(first)}')"
        return f"NOT ({key} >= {quote_literal(first)} AND {key} <= {quote_literal(last)})"

    check_contracts(con, checks, call, from_sql, mismatch)
    sizes = con.execute(f"SELECT count(*), count(DISTINCT length(split_part(label, '..', 1))) FROM {call} WHERE label IS NOT NULL").fetchone()
    checks.true(sizes[0] == 0 or sizes[1] == 1, f"one granularity in {call}")


def check_chunk_plan(con, checks, tbl, from_sql, rng):
    if not tbl.endswith(".parquet"):
        # Deletes leave gaps in rowid; chunk counts must stay exact.
        con.execute(f"DELETE FROM {tbl} WHERE payload LIKE '%ppp%' AND length(payload) % 3 = 0")
    rows = rng.choice(["", ", rows := 7", ", rows := 64"])
    call = f"partext.chunk_plan({quote_literal(tbl)}, {rng.choice([0.0005, 0.002, 1])}{rows})"
    check_contracts(con, checks, call, from_sql, lambda label, pid: "false", allow_empty=bool(rows))
    ids_labels = con.execute(f"SELECT partition_id, label FROM {call}").fetchall()
    width = max(3, len(str(len(ids_labels) - 1)))
    checks.equal([l for _, l in ids_labels], [str(i).zfill(width) for i, _ in ids_labels], f"chunk labels are zero-padded ids in {call}")


def sql_text(label):
    return "NULL" if label is None else quote_literal(label)


def check_contracts(con, checks, call, from_sql, mismatch, allow_empty=True, key="k"):
    """Runs every predicate of the manifest `call` over `from_sql`; `mismatch(label, partition_id)`
    is the SQL condition under which a row disagrees with its partition's key."""
    rows = con.execute(f"SELECT partition_id, label, predicate, query, row_count, estimated_bytes FROM {call}").fetchall()
    again = con.execute(f"SELECT partition_id, label, predicate, query, row_count, estimated_bytes FROM {call}").fetchall()
    checks.equal(again, rows, f"contract 4 (deterministic) for {call}")
    total = con.execute(f"SELECT count(*) FROM {from_sql}").fetchone()[0]
    if not rows:
        checks.equal(total, 0, f"an empty manifest only for an empty source: {call}")
        return
    checks.equal([r[0] for r in rows], list(range(len(rows))), f"partition ids 0..k-1 for {call}")
    labels = [r[1] for r in rows]
    checks.equal(len(set(labels)), len(labels), f"labels are distinct for {call}")
    checks.true(all(l is not None for l in labels[:-1]), f"only the last partition may be the NULL one in {call}")
    checks.equal(sum(r[4] for r in rows), total, f"contract 1 (complete): counts sum to the source's rows for {call}")
    if not allow_empty:
        checks.true(all(r[4] > 0 for r in rows), f"no empty partition in {call}")
    for start in range(0, len(rows), 150):
        batch = rows[start:start + 150]
        sql = " UNION ALL ".join(
            f"SELECT {pid} AS pid, count(*) AS n, "
            f"count(*) FILTER ({mismatch(label, pid)}) AS wrong "
            f"FROM ({query})"
            for pid, label, _, query, _, _ in batch
        )
        got = {pid: (n, wrong) for pid, n, wrong in con.execute(sql).fetchall()}
        for pid, label, predicate, _, row_count, _ in batch:
            n, wrong = got[pid]
            checks.equal(n, row_count, f"contract 2 (exact) partition {pid} {label} of {call}")
            checks.equal(wrong, 0, f"contract 3 (consistent) partition {pid} {label} of {call}")


# Key columns for partition_hash and partition_range: (name, SQL over the generated integer x)
KEY_COLUMNS = [
    ("k_int", "x"),
    ("k_small", "CAST(x % 30000 AS SMALLINT)"),
    ("k_str", "'s' || CAST(x % 997 AS VARCHAR)"),
    ("k_dec", "CAST(x / 1000 AS DECIMAL(12,3))"),
    ("k_date", "DATE '2000-01-01' + CAST(x % 20000 AS INTEGER)"),
    ("k_tsns", "make_timestamp_ns(x * 1000003)"),
    ("k_double", "x / 7.0"),  # range only: Iceberg buckets no DOUBLE
]


# Specs for partition_by: (column, transform as partition_key takes it, field name)
SPECS = [
    [("k_int", "bucket(7)", "k_int_bucket"), ("k_small", "truncate(1000)", "k_small_trunc")],
    [("k_date", "month", "k_date_month"), ("k_str", "truncate(2)", "k_str_trunc")],
    [("k_tsns", "day", "k_tsns_day"), ("k_dec", "bucket(3)", "k_dec_bucket")],
    [("k_dec", "truncate(5)", "k_dec_trunc")],
    [("k_date", "year", "k_date_year"), ("k_small", "identity", "k_small")],
    # partext's range(N, c): its bounds are partition_range's with the same N (the same seeded
    # sample), so partition_key_range over those bounds is its key function.
    [("k_double", "range(5)", "k_double_range")],
    [("k_date", "month", "k_date_month"), ("k_int", "range(3)", "k_int_range")],
]


def spec_key(con, tbl, column, transform):
    """SQL of a row's value of one spec field, as its partition's path writes it."""
    if transform.startswith("range("):
        n = int(transform[len("range("):-1])
        con.execute(f"CREATE OR REPLACE TEMP TABLE range_bounds_{column} AS SELECT coalesce(list(lower ORDER BY partition_id) "
                    f"FILTER (lower IS NOT NULL), []) AS b FROM partext.partition_range({quote_literal(tbl)}, '{column}', {n})")
        return f"CAST(partition_key_range({column}, (SELECT b FROM range_bounds_{column})) AS VARCHAR)"
    return f"partition_key({column}, '{transform}')"


def check_hash_and_range(con, checks, rng, tmp):
    shapes = [(0, 0.0, 0.0), (1, 0.0, 0.0), (300, 0.1, 0.6), (3000, 0.05, 0.05), (3000, 0.0, 0.9)]
    for case, (n, nulls, skew) in enumerate(shapes):
        hot = rng.randint(-10**6, 10**6)
        xs = [None if rng.random() < nulls else hot if rng.random() < skew else rng.randint(-10**9, 10**9) for _ in range(n)]
        name = f"hr{case}"
        con.execute(f"CREATE OR REPLACE TABLE raw_{name} (x BIGINT)")
        if xs:
            con.execute(f"INSERT INTO raw_{name} SELECT unnest(?::BIGINT[])", [xs])
        cols = ", ".join(f"CASE WHEN x IS NULL THEN NULL ELSE {expr} END AS {col}" for col, expr in KEY_COLUMNS)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {cols}, x AS payload FROM raw_{name}")
        con.execute(f"CREATE OR REPLACE VIEW v_{name} AS SELECT * FROM {name}")
        parquet = os.path.join(tmp, f"{name}.parquet")
        con.execute(f"COPY {name} TO {quote_literal(parquet)} (FORMAT parquet)")
        subquery = f"(SELECT * FROM {name} WHERE payload IS NULL OR payload % 5 <> 1)"
        sources = [(name, name), (f"v_{name}", f"v_{name}"), (parquet, quote_literal(parquet)), (subquery, subquery)]
        for tbl, from_sql in sources:
            for col, _ in KEY_COLUMNS:
                if col != "k_double":
                    buckets = rng.choice([1, 2, 7, 64])
                    call = f"partext.partition_hash({quote_literal(tbl)}, '{col}', {buckets})"
                    check_contracts(con, checks, call, from_sql,
                                    lambda label, pid, col=col, b=buckets: f"CAST(partition_key_hash({col}, {b}) AS VARCHAR) IS DISTINCT FROM {sql_text(label)}")
                    count = con.execute(f"SELECT count(*) FILTER (bucket IS NOT NULL) FROM {call}").fetchone()[0]
                    checks.equal(count, buckets, f"all buckets listed by {call}")
                parts = rng.choice([1, 3, 8, 33])
                method = rng.choice(["", ", method := 'exact'"])
                call = f"partext.partition_range({quote_literal(tbl)}, '{col}', {parts}{method})"
                con.execute(f"CREATE OR REPLACE TEMP TABLE bounds AS SELECT coalesce(list(lower ORDER BY partition_id) FILTER (lower IS NOT NULL), []) AS b FROM {call}")
                check_contracts(con, checks, call, from_sql,
                                lambda label, pid, col=col: f"partition_key_range({col}, (SELECT b FROM bounds)) IS DISTINCT FROM {('NULL' if label is None else pid)}",
                                allow_empty=False)
                ranges = con.execute(f"SELECT count(*) FILTER (label IS NOT NULL) FROM {call}").fetchone()[0]
                checks.true(ranges <= parts, f"no more ranges than asked by {call}: {ranges}")
            # partition_by: its path stands for the label, and each row's path from the key
            # function must be its partition's (these specs' values need no escaping).
            fields = rng.choice(SPECS)
            spec = ", ".join(f"{t.split('(')[0]}({t.split('(')[1][:-1] + ', ' if '(' in t else ''}{c})" if t != "identity" else c
                             for c, t, _ in fields)
            call = f"(SELECT partition_id, path AS label, predicate, query, row_count, estimated_bytes FROM partext.partition_by({quote_literal(tbl)}, {quote_literal(spec)}))"
            path = " || '/' || ".join(f"'{name}=' || coalesce({spec_key(con, tbl, c, t)}, 'null')" for c, t, name in fields)
            check_contracts(con, checks, call, from_sql, lambda label, pid, path=path: f"{path} IS DISTINCT FROM {sql_text(label)}",
                            allow_empty=False)


def main():
    seed = int(os.environ.get("PARTEXT_SEED", "20261127"))
    rng = random.Random(seed)
    checks = Checks("contracts")
    con = connect()
    shapes = [
        {"size": "empty", "span_days": 10, "nulls": 0.0, "skew": 0.0},
        {"size": "single", "span_days": 1, "nulls": 0.0, "skew": 0.0},
        {"size": "small", "span_days": 3, "nulls": 0.2, "skew": 0.3},
        {"size": "medium", "span_days": 40, "nulls": 0.05, "skew": 0.5},
        {"size": "medium", "span_days": 4000, "nulls": 0.01, "skew": 0.1},
    ]
    with tempfile.TemporaryDirectory() as tmp:
        case = 0
        for key_type in KEY_TYPES:
            for shape in shapes:
                case += 1
                micros = gen_micros(rng, shape)
                sources = build_sources(con, tmp, f"c{case}", key_type, micros, rng)
                for kind, (tbl, from_sql) in sources.items():
                    if kind in ("table", "parquet"):
                        check_auto(con, checks, tbl, from_sql, rng)
                        check_chunk_plan(con, checks, tbl, from_sql, rng)
                    for gran in GRANULARITIES:
                        if key_type == "DATE" and gran == "hour":
                            continue
                        if gran == "hour" and shape["span_days"] > 60:
                            continue  # hourly over a decade is a 35,000-partition manifest; covered by unit tests
                        check_manifest(con, checks, tbl, from_sql, gran, include_empty=rng.random() < 0.5)
        check_hash_and_range(con, checks, rng, tmp)
    checks.done(minimum=1000)


if __name__ == "__main__":
    run(main)
