"""partition_by against Iceberg itself: for each spec, pyiceberg writes an Iceberg table with
that partition spec from the same rows, and its partitions (inspect.partitions: each field's
value and the record count) and its data files' partition paths must equal partext's manifest
row for row. The rows of all partitions must add up to the table, and the query of each of 150
sampled partitions per spec must select exactly its row_count rows.

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
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.transforms import (BucketTransform, DayTransform, HourTransform, IdentityTransform, MonthTransform,
                                  TruncateTransform, YearTransform)

from common import Checks, connect, quote_literal, run

N = 3000
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
            print(f"  {spec}: {len(rows)} partitions, equal to Iceberg's")
        # A truncation below the type's range is an error that says so (Iceberg's Java wraps it around).
        try:
            con.execute("FROM partext.partition_by('(SELECT -9223372036854775808 AS n)', 'truncate(1000, n)')").fetchall()
            checks.true(False, "truncate below BIGINT's range is an error")
        except Exception as e:
            checks.true("below the smallest BIGINT" in str(e), f"truncate below BIGINT's range says so: {e}")
    checks.done(minimum=len(SPECS) * 100)


if __name__ == "__main__":
    run(main)
