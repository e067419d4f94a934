"""partition_by against Iceberg itself: for each spec, pyiceberg writes an Iceberg table with
that partition spec from the same rows, and its partitions (inspect.partitions: each field's
value and the record count) and its data files' partition paths must equal partext's manifest
row for row. The rows of all partitions must add up to the table, and the query of each of 150
sampled partitions per spec must select exactly its row_count rows.

Then partext writes each spec's partitions with write_plan (a budget that needs several
passes): the passes write every partition once, into the directories the plan lists, each
holding exactly its partition's rows. For five specs the files, registered in an Iceberg table
with the same spec (data files appended with the partition values of partext's manifest:
pyiceberg's add_files infers a partition from column statistics, which a bucket does not follow,
and the files leave identity columns to the path as Hive writers do), are read back by
pyiceberg's scan as the table's rows, identity columns projected from the partition values; a
scan with a row filter reads only some of the files and returns the rows DuckDB's filter does.
A spec over an unsorted Parquet file at a small budget takes a two-level plan, also exact; so
is a plan of partext's own range(N, c) there.

Data: generated with NULLs in every column and edge values (before 1970, month and year
boundaries, negative integers, the extremes of BIGINT, empty and non-ASCII strings, strings
with '/', '=', '+', '%' and spaces, which the path must escape).
"""
import datetime as dt
import os
import random
import tempfile
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import And, EqualTo, GreaterThanOrEqual, LessThan
from pyiceberg.io.pyarrow import compute_statistics_plan, data_file_statistics_from_parquet_metadata, parquet_path_to_id_mapping
from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
from pyiceberg.table.name_mapping import create_mapping_from_schema
from pyiceberg.typedef import Record
from pyiceberg.transforms import (BucketTransform, DayTransform, HourTransform, IdentityTransform, MonthTransform,
                                  TruncateTransform, YearTransform)

from common import Checks, connect, quote_literal, run

N = 2000
SPECS = [
    # (partext spec, [(source column, pyiceberg transform, field name)])
    ("month(ts), bucket(8, user_id)", [("ts", MonthTransform(), "ts_month"), ("user_id", BucketTransform(8), "user_id_bucket")]),
    ("day(ts), truncate(4, name)", [("ts", DayTransform(), "ts_day"), ("name", TruncateTransform(4), "name_trunc")]),
    ("region, bucket(16, id)", [("region", IdentityTransform(), "region"), ("id", BucketTransform(16), "id_bucket")]),
    ("hour(near)", [("near", HourTransform(), "near_hour")]),
    ("years(d), truncate(1000, qty)", [("d", YearTransform(), "d_year"), ("qty", TruncateTransform(1000), "qty_trunc")]),
    ("amount, month(tz)", [("amount", IdentityTransform(), "amount"), ("tz", MonthTransform(), "tz_month")]),
    ("stamp, stampz, flag", [("stamp", IdentityTransform(), "stamp"), ("stampz", IdentityTransform(), "stampz"),
                             ("flag", IdentityTransform(), "flag")]),
    ("bucket(4, name), truncate(5, amount), d", [("name", BucketTransform(4), "name_bucket"),
                                                  ("amount", TruncateTransform(5), "amount_trunc"), ("d", IdentityTransform(), "d")]),
]


# The specs whose written files pyiceberg reads back, each with a row filter: (pyiceberg's, DuckDB's).
FILTERS = {
    "month(ts), bucket(8, user_id)": (And(GreaterThanOrEqual("ts", "2000-01-01T00:00:00"), LessThan("ts", "2010-01-01T00:00:00")),
                                      "ts >= '2000-01-01' AND ts < '2010-01-01'"),
    "day(ts), truncate(4, name)": (GreaterThanOrEqual("name", "abc"), "name >= 'abc'"),
    "region, bucket(16, id)": (EqualTo("region", "a/b=c d"), "region = 'a/b=c d'"),
    "stamp, stampz, flag": (EqualTo("flag", True), "flag"),
    "hour(near)": (GreaterThanOrEqual("near", "2024-04-01T10:00:00"), "near >= TIMESTAMP '2024-04-01 10:00:00'"),
}


def write_budget_mb(partitions):
    """A budget that needs several passes but not one per few partitions (a writer holds about
    256 KiB besides its rows)."""
    return max(24, partitions // 10)


def data(rng):
    epoch = dt.datetime(1970, 1, 1)
    edges = [dt.datetime(1969, 12, 31, 23, 59, 59, 999999), dt.datetime(1970, 1, 1), dt.datetime(2023, 12, 31, 23, 59, 59),
             dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 29, 12), dt.datetime(1900, 3, 1)]
    names = ["", "a", "é", "a/b", "x=y", "1+1", "50%", "two words", "ß€😀 long text", "it's", "abcdefgh", "abcd", None]
    regions = ["EU", "US", "us", "a/b=c d", "", None]

    def maybe(v, p=0.07):
        return None if rng.random() < p else v

    ts = [maybe(rng.choice(edges) if rng.random() < 0.1 else epoch + dt.timedelta(seconds=rng.randint(-10**8, 2 * 10**9)))
          for _ in range(N)]
    near = [maybe(dt.datetime(2024, 3, 30) + dt.timedelta(minutes=rng.randint(0, 60 * 120))) for _ in range(N)]
    user_id = [maybe(rng.choice([-2**63, 2**63 - 1, -1, 0]) if rng.random() < 0.05 else rng.randint(-5000, 50000)) for _ in range(N)]
    qty = [maybe(rng.randint(-5000, 50000)) for _ in range(N)]
    ids = [maybe(rng.randint(-2**31, 2**31 - 1)) for _ in range(N)]
    amount = [maybe(Decimal(rng.randint(-2000, 2000)).scaleb(-2)) for _ in range(N)]
    days = [maybe(dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(-800, 20000))) for _ in range(N)]
    tz = [maybe(dt.datetime(2023, 12, 31, 23, 30, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=rng.randint(0, 90 * 24 * 60)))
          for _ in range(N)]
    stamps = [dt.datetime(2024, 1, 15, 10), dt.datetime(1969, 7, 20, 20, 17, 40, 250000), dt.datetime(2000, 1, 1, 0, 0, 0, 1)]
    stamp = [maybe(rng.choice(stamps)) for _ in range(N)]
    stampz = [maybe(rng.choice(stamps).replace(tzinfo=dt.timezone.utc)) for _ in range(N)]
    flag = [maybe(rng.random() < 0.5) for _ in range(N)]
    return pa.table({
        "stamp": pa.array(stamp, pa.timestamp("us")),
        "stampz": pa.array(stampz, pa.timestamp("us", tz="UTC")),
        "flag": pa.array(flag, pa.bool_()),
        "ts": pa.array(ts, pa.timestamp("us")),
        "near": pa.array(near, pa.timestamp("us")),
        "tz": pa.array(tz, pa.timestamp("us", tz="UTC")),
        "d": pa.array(days, pa.date32()),
        "user_id": pa.array(user_id, pa.int64()),
        "id": pa.array(ids, pa.int32()),
        "qty": pa.array(qty, pa.int64()),
        "name": pa.array([rng.choice(names) for _ in range(N)], pa.string()),
        "region": pa.array([rng.choice(regions) for _ in range(N)], pa.string()),
        "amount": pa.array(amount, pa.decimal128(9, 2)),
    })


def iceberg_partitions(catalog, name, table, fields):
    """What pyiceberg makes of the rows: {field values: record count} and {path: record count}."""
    t = catalog.create_table(f"ns.{name}", schema=table.schema)
    with t.update_spec() as update:
        for column, transform, field in fields:
            update.add_field(column, transform, field)
    t.append(table)
    by_value = {}
    for p in t.inspect.partitions().to_pylist():
        key = tuple(p["partition"][f] for _, _, f in fields)
        by_value[key] = by_value.get(key, 0) + p["record_count"]
    by_path = {}
    for f in t.inspect.files().to_pylist():
        path = f["file_path"].split("/data/", 1)[1].rsplit("/", 1)[0]
        by_path[path] = by_path.get(path, 0) + f["record_count"]
    return by_value, by_path


def internal(v):
    """A partition value as Iceberg stores it: dates as days, timestamps as microseconds."""
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return (v - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    if isinstance(v, dt.date):
        return (v - dt.date(1970, 1, 1)).days
    return v


def rows_of(table):
    return sorted(map(repr, table.to_pylist()))


def write_and_read_back(checks, con, catalog, tmp, i, spec, fields, table):
    """write_plan's layout for `spec`, checked against the manifest, then read back by pyiceberg."""
    names = [f for _, _, f in fields]
    out = os.path.join(tmp, f"written{i}")
    manifest = {r[0]: r[1:] for r in con.execute(
        f"SELECT partition_id, row_count, {', '.join(names)} FROM partext.partition_by('src', {quote_literal(spec)})").fetchall()}
    plan = con.execute(f"SELECT partition_ids, directories, sql FROM partext.write_plan('src', {quote_literal(out)}, "
                       f"spec := {quote_literal(spec)}, memory_mb := {write_budget_mb(len(manifest))})").fetchall()
    for _, _, sql in plan:
        con.execute(sql)
    con.execute("RESET memory_limit")
    checks.true(len(plan) > 1, f"{spec}: the plan writes in several passes ({len(plan)})")
    planned = [(pid, d) for ids, dirs, _ in plan for pid, d in zip(ids, dirs)]
    checks.equal(sorted(pid for pid, _ in planned), sorted(manifest), f"{spec}: the passes write every partition once")
    on_disk = {os.path.relpath(root, out) for root, _, files in os.walk(out) if files}
    checks.equal(on_disk, {d for _, d in planned}, f"{spec}: the directories written are those the plan lists")
    for pid, d in planned:
        written = sum(pq.read_metadata(os.path.join(out, d, f)).num_rows for f in os.listdir(os.path.join(out, d)))
        checks.equal(written, manifest[pid][0], f"{spec}: {d} holds its partition's row_count rows")
    if spec not in FILTERS:
        return len(plan)
    t = catalog.create_table(f"ns.written{i}", schema=table.schema)
    with t.update_spec() as update:
        for column, transform, field in fields:
            update.add_field(column, transform, field)
    with t.transaction() as tx:
        tx.set_properties(**{"schema.name-mapping.default": create_mapping_from_schema(t.schema()).model_dump_json()})
    files = []
    for pid, d in planned:
        values = manifest[pid][1:]
        for p in sorted(os.path.join(out, d, f) for f in os.listdir(os.path.join(out, d))):
            stats = data_file_statistics_from_parquet_metadata(
                parquet_metadata=pq.read_metadata(p), stats_columns=compute_statistics_plan(t.schema(), t.metadata.properties),
                parquet_column_mapping=parquet_path_to_id_mapping(t.schema()))
            files.append(DataFile.from_args(
                content=DataFileContent.DATA, file_path=p, file_format=FileFormat.PARQUET,
                partition=Record(*[internal(v) for v in values]), file_size_in_bytes=os.path.getsize(p), sort_order_id=None,
                spec_id=t.metadata.default_spec_id, equality_ids=None, key_metadata=None, **stats.to_serialized_dict()))
    with t.transaction() as tx:
        with tx.update_snapshot().fast_append() as append:
            for f in files:
                append.append_data_file(f)
    got = t.scan().to_arrow().select(table.column_names)
    checks.equal(rows_of(got), rows_of(table), f"{spec}: pyiceberg's scan of the written files returns the table's rows")
    if spec in FILTERS:
        iceberg_filter, sql_filter = FILTERS[spec]
        scan = t.scan(row_filter=iceberg_filter)
        read = len(list(scan.plan_files()))
        checks.true(0 < read < len(files), f"{spec}: a scan filtered by {sql_filter} reads {read} of {len(files)} files")
        result = con.sql(f"SELECT * FROM src WHERE {sql_filter}")
        want = result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.arrow()
        checks.equal(rows_of(scan.to_arrow().select(table.column_names)), rows_of(want.select(table.column_names)),
                     f"{spec}: the filtered scan returns the rows of DuckDB's filter")
    return len(plan)


def two_level(checks, con, tmp):
    """A spec over a Parquet file whose keys are not clustered, at a small budget: the plan
    distributes the rows into groups of consecutive partitions first (a group is the rows up to
    its last partition's values), then splits each group; every directory gets its partition's
    rows and the temporary groups are removed. Then partext's range(N, c) with an identity field."""
    src = os.path.join(tmp, "unsorted.parquet")
    con.execute(f"""COPY (SELECT i AS id, TIMESTAMP '2024-01-01' + to_seconds((i * 7919) % 15552000) AS ts,
                                 CASE WHEN i % 101 = 0 THEN NULL ELSE (i * 31) % 100003 END AS user_id,
                                 ['EU', 'US', 'a b', NULL][i % 4 + 1] AS region, md5(CAST(i AS VARCHAR)) AS payload
                          FROM range(600000) t(i)) TO {quote_literal(src)} (FORMAT parquet)""")
    for n, (spec, two_levels) in enumerate([("month(ts), bucket(16, user_id), region", True), ("range(5, user_id), region", False)]):
        out = os.path.join(tmp, f"unsorted_out{n}")
        plan = con.execute(f"SELECT memory_note, sql FROM partext.write_plan({quote_literal(src)}, {quote_literal(out)}, "
                           f"spec := {quote_literal(spec)}, memory_mb := 32)").fetchall()
        if two_levels:
            checks.true("two levels" in plan[0][0], f"{spec} over an unsorted file: a two-level plan ({plan[0][0][:80]}...)")
        for _, sql in plan:
            con.execute(sql)
        con.execute("RESET memory_limit")
        con.execute("RESET threads")
        manifest = {path.replace("=null", "=__HIVE_DEFAULT_PARTITION__").replace("+", "%20"): n for path, n in con.execute(
            f"SELECT path, row_count FROM partext.partition_by({quote_literal(src)}, {quote_literal(spec)})").fetchall()}
        written = {}
        for root, _, files in os.walk(out):
            for f in files:
                d = os.path.relpath(root, out)
                written[d] = written.get(d, 0) + pq.read_metadata(os.path.join(root, f)).num_rows
        checks.equal(written, manifest, f"{spec} over an unsorted file, {len(plan)} passes: every directory holds its partition's rows")
    checks.equal([d for d in os.listdir(tmp) if ".partext-tmp-" in d], [], "two levels: the groups' files are removed")


def main():
    checks = Checks("iceberg specs")
    rng = random.Random(2207)
    table = data(rng)
    con = connect()
    con.register("src", table)
    with tempfile.TemporaryDirectory() as tmp:
        catalog = SqlCatalog("partext", uri=f"sqlite:///{tmp}/catalog.db", warehouse=f"file://{tmp}/warehouse")
        catalog.create_namespace("ns")
        for i, (spec, fields) in enumerate(SPECS):
            names = [f for _, _, f in fields]
            rows = con.execute(f"SELECT {', '.join(names)}, row_count, path, query FROM partext.partition_by('src', {quote_literal(spec)}) "
                               "ORDER BY partition_id").fetchall()
            ours_by_value = {tuple(r[:len(names)]): r[len(names)] for r in rows}
            ours_by_path = {r[len(names) + 1]: r[len(names)] for r in rows}
            checks.equal(len(ours_by_value), len(rows), f"{spec}: each partition's values are distinct")
            checks.equal(sum(r[len(names)] for r in rows), N, f"{spec}: partitions add up to the table")
            by_value, by_path = iceberg_partitions(catalog, f"t{i}", table, fields)
            checks.equal(ours_by_value, by_value, f"{spec}: field values and counts equal pyiceberg's inspect.partitions()")
            checks.equal(ours_by_path, by_path, f"{spec}: paths and counts equal pyiceberg's data file paths")
            for r in rng.sample(rows, min(len(rows), 150)):
                got = con.execute(f"SELECT count(*) FROM ({r[-1]})").fetchone()[0]
                checks.equal(got, r[len(names)], f"{spec}: the query of {r[len(names) + 1]} selects row_count rows")
            passes = write_and_read_back(checks, con, catalog, tmp, i, spec, fields, table)
            read_back = " and read back by pyiceberg" if spec in FILTERS else ""
            print(f"  {spec}: {len(rows)} partitions, equal to Iceberg's; written in {passes} passes{read_back}")
        two_level(checks, con, tmp)
        # A truncation below the type's range is an error that says so (Iceberg's Java wraps it around).
        try:
            con.execute("FROM partext.partition_by('(SELECT -9223372036854775808 AS n)', 'truncate(1000, n)')").fetchall()
            checks.true(False, "truncate below BIGINT's range is an error")
        except Exception as e:
            checks.true("below the smallest BIGINT" in str(e), f"truncate below BIGINT's range says so: {e}")
    checks.done(minimum=len(SPECS) * 100)


if __name__ == "__main__":
    run(main)
