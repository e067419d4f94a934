"""Fuzzing partext from SQL: generated calls of every function with hostile arguments, over
every column type, each batch in a child process.

    python test/fuzz/fuzz_sql.py --cases 400            # bounded (part of make test)
    python test/fuzz/fuzz_sql.py --minutes 20           # make fuzz

The calls: the manifest macros (partext.partition_temporal, partition_hash, partition_range,
chunk_plan, partition_advise, partition_by and partition_keys with valid, random and junk specs) with valid, missing, quoted, dotted, NUL-bearing and injected
sources and columns, every granularity and junk ones, counts from -2^63 to 2^63-1, NULL
anywhere, typed and untyped bounds; the key functions over literals of every type (±infinity,
NaN, extremes, 100,000-character strings) and over table columns; read_airbyte over generated
inputs (random bytes, truncated and mutated messages, hostile field names); partext's internal
functions with arguments of random types. Sources hold every DuckDB column type, NULLs, skew,
±infinity and NaN, with names that need quoting.

A batch of calls runs in a child process that prints a line when each call starts and ends, so
a crash or a hang is pinned to its call. The run fails on:
  - a child killed by a signal (a crash of the host) or a batch that does not finish in time;
  - an error DuckDB raises for partext (an Invalid Input Error) that does not name the partext
    function, an internal error, a panic, or a statement that tried to write (the database is
    opened read-only: a source never becomes a second statement);
  - a manifest that breaks a contract of docs/contracts.md: partition ids 0..k-1, counts that sum to the
    source's rows, every partition's `query` returning its `row_count`, hash rows in the bucket
    their key function gives, and the same manifest when called twice.
Prints the counts of calls, errors and failures per function, and exits non-zero on a failure.
"""
import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

import duckdb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Columns of the fuzz tables: (name, type, SQL over i (row number) and h (a hash of it)).
COLUMNS = [
    ("c_tinyint", "TINYINT", "CAST(h % 250 - 125 AS TINYINT)"),
    ("c_smallint", "SMALLINT", "CAST(h % 60000 - 30000 AS SMALLINT)"),
    ("c_int", "INTEGER", "CASE WHEN h % 3 = 0 THEN 7 ELSE CAST(h % 2000000 AS INTEGER) - 1000000 END"),
    ("c_bigint", "BIGINT", "CAST(h % 9000000000000000000 AS BIGINT) - 4500000000000000000"),
    ("c_hugeint", "HUGEINT", "CAST(h AS HUGEINT) * CAST(h AS HUGEINT) - 170141183460469231731687303715884105"),
    ("c_utinyint", "UTINYINT", "CAST(h % 256 AS UTINYINT)"),
    ("c_ubigint", "UBIGINT", "h"),
    ("c_float", "FLOAT", "CAST((h % 100000) / 7.0 AS FLOAT)"),
    ("c_double", "DOUBLE", "(h % 1000003) / 3.0 - 1e5"),
    ("c_dec", "DECIMAL(18,3)", "CAST((h % 100000000) / 1000.0 AS DECIMAL(18,3))"),
    ("c_dec38", "DECIMAL(38,10)", "CAST(h AS DECIMAL(38,10)) / 7"),
    ("c_varchar", "VARCHAR", "CASE WHEN h % 5 = 0 THEN '' WHEN h % 5 = 1 THEN 'é''\"' || (h % 97) ELSE 'k' || (h % 997) END"),
    ("c_blob", "BLOB", "CAST('\\x00\\xFF' || (h % 50) AS BLOB)"),
    ("c_bool", "BOOLEAN", "h % 2 = 0"),
    ("c_date", "DATE", "DATE '1970-01-01' + CAST(h % 40000 AS INTEGER) - 10000"),
    ("c_ts", "TIMESTAMP", "make_timestamp(CAST(h % 4000000000000000 AS BIGINT) - 1000000000000000)"),
    ("c_ts_s", "TIMESTAMP_S", "CAST(make_timestamp(CAST(h % 3000000000000000 AS BIGINT)) AS TIMESTAMP_S)"),
    ("c_ts_ms", "TIMESTAMP_MS", "CAST(make_timestamp(CAST(h % 3000000000000000 AS BIGINT)) AS TIMESTAMP_MS)"),
    ("c_ts_ns", "TIMESTAMP_NS", "make_timestamp_ns(CAST(h % 9000000000000000000 AS BIGINT) - 4500000000000000000)"),
    ("c_tstz", "TIMESTAMPTZ", "CAST(make_timestamp(CAST(h % 2000000000000000 AS BIGINT)) AS TIMESTAMPTZ)"),
    ("c_time", "TIME", "make_time(CAST(h % 24 AS BIGINT), CAST(h % 60 AS BIGINT), (h % 60000) / 1000.0)"),
    ("c_interval", "INTERVAL", "to_days(CAST(h % 1000 AS INTEGER))"),
    ("c_uuid", "UUID", "CAST(md5(CAST(h % 300 AS VARCHAR))::UUID AS UUID)"),
    ("c_list", "INTEGER[]", "[CAST(h % 5 AS INTEGER), 1]"),
    ("c_struct", "STRUCT(a INTEGER, b VARCHAR)", "{'a': CAST(h % 9 AS INTEGER), 'b': 'x'}"),
    ("c_map", "MAP(VARCHAR, INTEGER)", "MAP {'k': CAST(h % 9 AS INTEGER)}"),
    ("c_enum", "ENUM('red', 'green', 'blue')", "CAST(['red', 'green', 'blue'][1 + h % 3] AS ENUM('red', 'green', 'blue'))"),
    ('we"ird col', "INTEGER", "CAST(h % 13 AS INTEGER)"),
    ("dot.ted", "TIMESTAMP", "make_timestamp(CAST(h % 100000000000000 AS BIGINT))"),
    ("ünï cödé", "VARCHAR", "'v' || (h % 31)"),
    ("select", "DATE", "DATE '2024-01-01' + CAST(h % 400 AS INTEGER)"),
]
# Values the extreme table tx puts in its first rows, per type (±infinity, NaN, limits).
EXTREMES = {
    "TINYINT": ["-128", "127"], "SMALLINT": ["-32768", "32767"], "INTEGER": ["-2147483648", "2147483647"],
    "BIGINT": ["-9223372036854775808", "9223372036854775807"],
    "HUGEINT": ["-170141183460469231731687303715884105728", "170141183460469231731687303715884105727"],
    "UBIGINT": ["0", "18446744073709551615"], "UTINYINT": ["0", "255"],
    "FLOAT": ["'NaN'", "'inf'", "'-inf'"], "DOUBLE": ["'NaN'", "'inf'", "'-inf'", "-0.0"],
    "DATE": ["'infinity'", "'-infinity'", "'5877642-06-25'", "'-5877641-06-25'"],
    "TIMESTAMP": ["'infinity'", "'-infinity'", "'294247-01-10 04:00:54.775806'", "'290309-12-22 (BC) 00:00:00'"],
    "TIMESTAMP_NS": ["'infinity'", "'-infinity'", "'2262-04-11 23:47:16.854775806'", "'1677-09-22 00:00:00'"],
    "TIMESTAMPTZ": ["'infinity'", "'-infinity'"],
    "VARCHAR": ["''", "chr(0)", "repeat('z', 5000)"],
}
TEMPORAL = ["hour", "day", "week", "month", "quarter", "year"]
FUNCTIONS = ["partition_temporal", "partition_hash", "partition_range", "chunk_plan", "partition_advise", "write_plan",
             "partition_key_temporal", "partition_key_hash", "partition_key_range", "read_airbyte", "internal",
             "partition_by", "partition_key"]
# A partext error names one of these.
PARTEXT_NAMES = ("partition_temporal", "partition_hash", "partition_range", "chunk_plan", "partition_advise", "write_plan",
                 "partition_key_temporal", "partition_key_hash", "partition_key_range", "read_airbyte", "partext",
                 "partition_by", "partition_keys", "partition_key")
# Pieces of partition specs: transforms, numbers, columns and junk, joined at random.
SPEC_PIECES = ["month", "day", "hour", "year", "week", "bucket", "truncate", "range", "identity", "quarter", "(", ")", ",", " ", "16", "0",
               "-1", "99999999999999999999", '"', '""', "[", "]", "'", ";", "é", "c_ts", "c_date", "c_int", "c_varchar", "c_double",
               "nosuch", '"we ird"', "\\0", "DROP TABLE t"]
TRANSFORMS = ["identity", "year", "month", "day", "hour", "week", "bucket(16)", "bucket[3]", "truncate(4)", "truncate(1)",
              "bucket(0)", "truncate(-2)", "months", "quarter", "", "bucket(", "bucket(99999999999)", "range(4)"]


def q(s):
    return "'" + s.replace("'", "''") + "'"


def qi(s):
    return '"' + s.replace('"', '""') + '"'


def build(tmp):
    """The fuzz database (read-only to the children) and its files."""
    path = os.path.join(tmp, "fuzz.duckdb")
    con = duckdb.connect(path)
    cols = ", ".join(f"CASE WHEN h % 11 = 0 THEN NULL ELSE CAST({sql} AS {t}) END AS {qi(n)}" for n, t, sql in COLUMNS)
    con.execute(f"CREATE TABLE t AS SELECT i AS id, {cols} FROM (SELECT i, CAST(hash(i * 7919) >> 1 AS BIGINT) AS h FROM range(3000) r(i))")
    con.execute("CREATE TABLE e AS SELECT * FROM t LIMIT 0")
    con.execute("CREATE TABLE one AS SELECT * FROM t WHERE id = 1")
    con.execute("CREATE TABLE allnull AS SELECT * REPLACE (NULL AS c_int, NULL AS c_ts, NULL AS c_varchar) FROM t LIMIT 50")
    con.execute("CREATE TABLE tx AS SELECT * FROM t LIMIT 300")
    for n, t, _ in COLUMNS:
        for j, v in enumerate(EXTREMES.get(t, [])):
            con.execute(f"UPDATE tx SET {qi(n)} = CAST({v} AS {t}) WHERE id = (SELECT min(id) FROM tx) + {j}")
    con.execute("CREATE VIEW v AS SELECT * FROM t WHERE id % 2 = 0")
    con.execute('CREATE SCHEMA "we.ird sch"')
    con.execute('CREATE TABLE "we.ird sch"."ta""ble" AS SELECT * FROM t LIMIT 700')
    parquet = os.path.join(tmp, "t.parquet")
    con.execute(f"COPY (SELECT * EXCLUDE (c_uuid, c_enum, c_interval) FROM t) TO {q(parquet)} (FORMAT parquet, ROW_GROUP_SIZE 500)")
    csv = os.path.join(tmp, "t.csv")
    con.execute(f"COPY (SELECT id, c_int, c_varchar, c_ts FROM t) TO {q(csv)} (HEADER)")
    con.close()
    return path, parquet, csv


def airbyte_inputs(tmp, rng):
    """Generated read_airbyte inputs: valid, mutated, truncated, random bytes, hostile names."""
    out = []
    for k in range(24):
        lines = []
        for i in range(rng.choice([0, 1, 5, 60])):
            data = {"id": i, "ts": rng.choice(["2024-01-01T00:00:00Z", "not a date", None, 5]),
                    rng.choice(["a", "A", "_airbyte_meta", "", "é", "x" * 300, "a\u0000b"]): rng.choice([1, "s", None, [1], {"k": 1}])}
            msg = {"type": "RECORD", "record": {"stream": rng.choice(["s"] * 9 + ["t"]), "data": data,
                                                 "emitted_at": rng.choice([1700000000000 + i] * 12 + [-9223372036854775808, 9.9e20, "x", None])}}
            text = json.dumps(msg, ensure_ascii=rng.random() < 0.5)
            r = rng.random()
            if r < 0.04:
                text = text[: rng.randrange(len(text))]
            elif r < 0.08:
                j = rng.randrange(len(text))
                text = text[:j] + rng.choice(['"', "{", "}", "\\", "\x00", ",", "]"]) + text[j:]
            lines.append(text.encode())
        if k % 6 == 5:
            lines = [bytes(rng.randrange(256) for _ in range(rng.randrange(200))) for _ in range(rng.randrange(1, 6))]
        p = os.path.join(tmp, f"ab{k}.jsonl")
        with open(p, "wb") as f:
            f.write((b"\xef\xbb\xbf" if k % 4 == 3 else b"") + b"\n".join(lines) + (b"\n" if k % 2 else b""))
        out.append(p)
    return out


class Gen:
    """Generates one SQL call at a time, with what its result must satisfy."""

    def __init__(self, rng, parquet, csv, airbyte, internal):
        self.rng = rng
        self.sources = [("t", "t"), ("e", "e"), ("one", "one"), ("allnull", "allnull"), ("tx", "tx"), ("v", "v"),
                        ('"we.ird sch"."ta""ble"', '"we.ird sch"."ta""ble"'), ("main.t", "main.t"),
                        (parquet, f"read_parquet({q(parquet)})"), ("(SELECT * FROM t WHERE id % 3 = 0)", "(SELECT * FROM t WHERE id % 3 = 0)")]
        self.csv = csv
        self.airbyte = airbyte
        self.internal = internal

    def pick(self, xs):
        return self.rng.choice(xs)

    def text(self):
        """A hostile string argument, as SQL."""
        return self.pick(["NULL", "''", "'x'", "'a' || chr(0) || 'b'", "chr(0)", "repeat('y', 100000)", "'t; DROP TABLE t'",
                          "'t\"; DROP TABLE t; --'", "'''); DROP TABLE t; --'", "'(SELECT 1); DROP TABLE t'", "'(DROP TABLE t)'",
                          "'\"t'", "'t\"'", "'..'", "'.'", "'*'", "'main.'", "'nosuch'", "'/nonexistent/file.parquet'",
                          "'(SELECT * FROM t) UNION ALL (SELECT * FROM t)'", "'(SELECT'", "'é\U0001F600'", "'T'", "' t'", "42", "[1]"])

    def source(self):
        r = self.rng.random()
        if r < 0.75:
            name, from_sql = self.pick(self.sources)
            return q(name), from_sql
        if r < 0.8:
            return q(self.csv), None
        return self.text(), None

    def column(self):
        r = self.rng.random()
        if r < 0.85:
            return q(self.pick(COLUMNS + [("id", "BIGINT", "")])[0]), True
        return self.text(), False

    def spec(self):
        """A partition spec: valid fields over the sources' columns, random pieces, or junk."""
        r = self.rng.random()
        if r < 0.5:
            fields = []
            for _ in range(self.rng.randint(1, 3)):
                col = qi(self.pick(COLUMNS)[0])
                fields.append(self.pick([col, f"month({col})", f"day({col})", f"hour({col})", f"year({col})", f"week({col})",
                                         f"bucket({self.pick(['1', '16', '65536', '0'])}, {col})", f"truncate({self.pick(['1', '3', '1000'])}, {col})",
                                         f"range({self.pick(['1', '4', '65536', '0', '65537'])}, {col})"]))
            return q(", ".join(fields))
        if r < 0.9:
            return q("".join(self.pick(SPEC_PIECES) for _ in range(self.rng.randint(0, 14))))
        return self.text()

    def count(self):
        return self.pick(["0", "1", "2", "3", "7", "16", "64", "1000", "65536", "65537", "1000000", "1000001", "-1",
                          "2147483648", "9223372036854775807", "-9223372036854775808", "NULL", "1.5", "'4'", "'x'", "[4]"])

    def granularity(self):
        return self.pick([q(g) for g in TEMPORAL] * 3 + ["'auto'", "'MONTH'", "' day'", "'month' || chr(0)", "''", "NULL",
                                                         "'fortnight'", "repeat('day', 1000)", "7", "'hours'"])

    def literal(self):
        """A literal of some type, extremes included."""
        n, t, _ = self.pick(COLUMNS)
        r = self.rng.random()
        if r < 0.4 and t in EXTREMES:
            return f"CAST({self.pick(EXTREMES[t])} AS {t})"
        if r < 0.7:
            return f"(SELECT {qi(n)} FROM t WHERE {qi(n)} IS NOT NULL LIMIT 1 OFFSET {self.rng.randrange(100)})"
        return self.pick(["NULL", "0", "-1", "1e308", "'2024-02-29'", "DATE '2024-02-29'", "TIMESTAMP '2024-12-31 23:59:59.999999'",
                          "TIMESTAMPTZ '2024-03-31 01:30:00+02'", "'NaN'::DOUBLE", "repeat('q', 100000)", "chr(0)", "uuid()",
                          "[NULL]", "{'a': 1}", "'\\xFF'::BLOB", "INTERVAL 1 DAY", "TIME '23:59:59'", "'101'::BIT"])

    def bounds(self):
        n, t, _ = self.pick(COLUMNS)
        r = self.rng.random()
        if r < 0.35:
            k = self.pick([1, 2, 5, 50, 3000])
            return f"(SELECT list(DISTINCT {qi(n)} ORDER BY {qi(n)}) FILTER (WHERE {qi(n)} IS NOT NULL)[1:{k}] FROM t)"
        if r < 0.5:
            return f"(SELECT list({qi(n)}) FROM (FROM t LIMIT {self.pick([1, 3, 40])}))"  # unsorted, duplicates, NULLs
        return self.pick(["[]", "[NULL]", "[NULL, 1]", "[1, 1, 1]", "[3, 1, 2]", "range(0, 100000)", "range(0, 3000000)",
                          "['a', 'b']", "['b', 'a']", "[DATE '2024-01-01']", "['infinity'::DOUBLE]", "['NaN'::DOUBLE, 1.0]",
                          "[[1]]", "NULL", "[9223372036854775807, -9223372036854775808]", "'x'", "[chr(0)]", "[{'a': 1}]"])

    def valid_manifest(self, f):
        """A manifest call meant to succeed (its contracts are then checked): a readable source,
        a column whose type the strategy takes, a valid argument."""
        name, from_sql = self.pick(self.sources)
        types = {"partition_temporal": ("DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMPTZ"),
                 "partition_hash": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "UBIGINT", "DECIMAL(18,3)",
                                    "DECIMAL(38,10)", "VARCHAR", "BLOB", "DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMPTZ", "TIME", "UUID"),
                 "partition_range": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL(18,3)",
                                     "DECIMAL(38,10)", "VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_NS", "TIMESTAMPTZ")}[f]
        col = self.pick([n for n, t, _ in COLUMNS if t in types and not (name.endswith(".parquet") and n in ("c_uuid", "c_enum", "c_interval"))])
        named = []
        if f == "partition_temporal":
            arg = self.pick([q(g) for g in TEMPORAL if g != "hour"] + ["'auto'"])
            if arg == "'auto'":
                named.append(f"target_mb := {self.pick(['0.01', '1', '64'])}")
            elif self.rng.random() < 0.3:
                named.append(f"include_empty := {self.pick(['true', 'false'])}")
        elif f == "partition_hash":
            arg = self.pick(["1", "2", "7", "16", "64", "1000"])
        else:
            arg = self.pick(["1", "2", "5", "16", "100"])
            if self.rng.random() < 0.3:
                named.append(f"method := {self.pick([q('sample'), q('exact')])}")
        sql = f"SELECT * FROM partext.{f}({', '.join([q(name), q(col), arg] + named)})"
        return f, sql, (f, from_sql, q(col), arg)

    def call(self):
        """(function, SQL, contract) where contract is None or (kind, from_sql, column SQL, arg SQL)."""
        f = self.pick(FUNCTIONS)
        rng = self.rng
        if f in ("partition_temporal", "partition_hash", "partition_range") and rng.random() < 0.5:
            return self.valid_manifest(f)
        if f in ("partition_temporal", "partition_hash", "partition_range", "chunk_plan"):
            src, from_sql = self.source()
            col, col_ok = self.column()
            named = []
            if f == "partition_temporal":
                args = [src, col, self.granularity()]
                if rng.random() < 0.3:
                    named.append(f"include_empty := {self.pick(['true', 'false', 'NULL', '2'])}")
                if rng.random() < 0.2:
                    overlap = self.pick(["INTERVAL 1 HOUR", "INTERVAL '-1 day'", "NULL", "INTERVAL 400 YEAR", "3", "'x'"])
                    named.append(f"overlap := {overlap}")
                if rng.random() < 0.3:
                    named.append(f"target_mb := {self.count()}")
            elif f == "partition_hash":
                args = [src, col, self.count()]
            elif f == "partition_range":
                args = [src, col, self.count()]
                if rng.random() < 0.3:
                    named.append(f"method := {self.pick(['NULL', q('sample'), q('exact'), q('x'), q('')])}")
                if rng.random() < 0.4:
                    named.append(f"bounds := {self.bounds()}")
            else:
                args = [src, self.pick(["1", "0.001", "0", "-1", "64", "1e9", "NULL", "'x'", "1e300"])]
                if rng.random() < 0.3:
                    named.append(f"rows := {self.count()}")
                if rng.random() < 0.2:
                    named.append(f"overlap_rows := {self.count()}")
            sql = f"SELECT * FROM partext.{f}({', '.join(args + named)})"
            contract = (f, from_sql, col, args[2] if len(args) > 2 else None) if from_sql and (col_ok or f == "chunk_plan") else None
            return f, sql, contract
        if f == "write_plan":
            src, _ = self.source()
            strategy, col, arg = self.pick([("'hash'", "'c_int'", "64"), ("'temporal'", "'c_ts'", "'day'"), ("'range'", "'c_double'", "16"),
                                            ("'hash'", "'c_varchar'", "7"), ("'temporal'", "'c_date'", "'month'")])
            if rng.random() < 0.4:
                strategy, col, arg = self.pick(["'hash'", "'temporal'", "'range'", self.text()]), self.column()[0], self.pick([self.count(), self.granularity()])
            extra = ""
            if rng.random() < 0.5:
                extra += f", memory_mb := {self.pick(['1', '0.001', '64', '0', '-1', 'NULL', '1e9', chr(39) + 'x' + chr(39)])}"
            if rng.random() < 0.3:
                extra += f", format := {self.pick([chr(39) + 'csv' + chr(39), chr(39) + 'parquet' + chr(39), self.text()])}"
            if rng.random() < 0.2:
                extra += f", method := {self.pick(['NULL', q('sample'), q('exact'), q('x'), self.text()])}"
            if rng.random() < 0.3:
                extra += f", bounds := {self.pick([self.bounds(), self.literal(), '[[1]]', 'NULL'])}"
            path = self.pick(["'out'", "'/tmp/partext fuzz/o''ut'", self.text()])
            # A spec instead of the strategy (or, now and then, beside it: an error).
            keys = f"{strategy}, {col}, {arg}"
            if rng.random() < 0.35:
                keys = f"spec := {self.spec()}" if rng.random() < 0.85 else f"{strategy}, spec := {self.spec()}"
            return f, (f"SELECT count(*), sum(estimated_rows), max(buffer_bytes), min(length(sql)) FROM partext.write_plan({src}, {path}, "
                       f"{keys}{extra})"), None
        if f == "partition_advise":
            src, _ = self.source()
            extra = f", col := {self.column()[0]}" if rng.random() < 0.5 else ""
            return f, f"SELECT * FROM partext.partition_advise({src}{extra})", None
        if f == "partition_key_temporal":
            if rng.random() < 0.5:
                col = qi(self.pick(COLUMNS)[0])
                return f, f"SELECT count(DISTINCT partition_key_temporal({col}, {self.granularity()})) FROM {self.pick(['t', 'tx', 'e'])}", None
            return f, f"SELECT partition_key_temporal({self.literal()}, {self.granularity()})", None
        if f == "partition_key_hash":
            if rng.random() < 0.5:
                col = qi(self.pick(COLUMNS)[0])
                return f, f"SELECT count(DISTINCT partition_key_hash({col}, {self.count()})) FROM {self.pick(['t', 'tx', 'e'])}", None
            return f, f"SELECT partition_key_hash({self.literal()}, {self.count()})", None
        if f == "partition_key_range":
            if rng.random() < 0.5:
                col = qi(self.pick(COLUMNS)[0])
                return f, f"SELECT count(DISTINCT partition_key_range({col}, {self.bounds()})) FROM {self.pick(['t', 'tx', 'e'])}", None
            return f, f"SELECT partition_key_range({self.literal()}, {self.bounds()})", None
        if f == "read_airbyte":
            path = q(self.pick(self.airbyte)) if rng.random() < 0.85 else self.text()
            named = []
            for name, vals in [("stream", ["'s'", "'t'", "'nosuch'", "NULL", "''"]), ("ignore_errors", ["true", "true", "false", "NULL"]),
                               ("strict", ["true", "false"]), ("namespace", ["'n'", "NULL"]),
                               ("catalog", [q(self.pick(self.airbyte)), "'/nonexistent'", "NULL"])]:
                if rng.random() < 0.3:
                    named.append(f"{name} := {self.pick(vals)}")
            return f, f"SELECT count(*), count(DISTINCT _airbyte_meta) FROM read_airbyte({', '.join([path] + named)})", None
        if f == "partition_by":
            src, _ = self.source()
            fn = self.pick(["partition_by", "partition_keys"])
            wrap = "SELECT count(*), sum(row_count), max(length(path)) FROM" if fn == "partition_by" else "SELECT count(*) FROM"
            return f, f"{wrap} partext.{fn}({src}, {self.spec()})", None
        if f == "partition_key":
            transform = q(self.pick(TRANSFORMS)) if rng.random() < 0.85 else self.text()
            if rng.random() < 0.5:
                col = qi(self.pick(COLUMNS)[0])
                return f, f"SELECT count(DISTINCT partition_key({col}, {transform})) FROM {self.pick(['t', 'tx', 'e'])}", None
            return f, f"SELECT partition_key({self.literal()}, {transform})", None
        name, types = self.pick(self.internal)
        return "internal", f"SELECT {name}({', '.join(self.typed(t) for t in types)})", None

    def typed(self, t):
        """An argument for a parameter of type t: mostly of that type, sometimes anything."""
        if self.rng.random() < 0.1:
            return self.pick([self.literal(), self.text(), self.count(), "[{'partition_id': 1}]", "{'x': [1]}"])
        def many(one):
            return self.pick(["[]", "NULL", "[NULL]", f"[{one()}]", f"[{one()}, {one()}, {one()}]",
                              f"list_resize([{one()}], {self.pick([2, 100, 5000])}, {one()})"])
        if t == "VARCHAR":
            return self.text() if self.rng.random() < 0.5 else self.pick([q(g) for g in TEMPORAL] + ["'t'", "'c_int'", "'positions'", "'extent'", "'BIGINT'", "'TIMESTAMP'", "'DECIMAL(38,10)'", "'partition_hash'"])
        if t == "BIGINT":
            return self.count()
        if t == "DOUBLE":
            return self.pick(["0.0", "-1.0", "1e308", "'NaN'::DOUBLE", "'inf'::DOUBLE", "123.5", "NULL"])
        if t == "BOOLEAN":
            return self.pick(["true", "false", "NULL"])
        if t == "VARCHAR[]":
            return many(self.text)
        if t == "BIGINT[]":
            return self.pick([many(self.count), "range(0, 100000)", "[0, 5, 3]", "[9223372036854775807, 1]"])
        if t == "DOUBLE[]":
            return many(lambda: self.typed("DOUBLE"))
        if t == "BOOLEAN[]":
            return many(lambda: self.typed("BOOLEAN"))
        if t == "INTERVAL[]":
            return many(lambda: self.pick(["INTERVAL 1 HOUR", "INTERVAL '-1 day'", "INTERVAL 400 YEAR", "NULL"]))
        return self.pick([self.literal(), self.bounds(), "[{'partition_id': 1}]", "{'x': [1]}", "[[1, 2]]"])


CHILD = r'''
import json, sys, duckdb
path, extension, cases_file = sys.argv[1:4]
cases = json.load(open(cases_file))
con = duckdb.connect(path, read_only=True, config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{extension}'")
con.execute("SET TimeZone = 'UTC'")
con.execute("SET memory_limit = '2GB'")

def rows(sql):
    rel = con.sql(sql)
    if not any("TIME ZONE" in str(t) for t in rel.types):
        return rel.fetchall()
    # DuckDB 1.5's Python client needs pytz for TIMESTAMPTZ values: read them as text.
    q = lambda n: '"' + n.replace('"', '""') + '"'
    return rel.project(", ".join(f"CAST({q(n)} AS VARCHAR)" if "TIME ZONE" in str(t) else q(n)
                                 for n, t in zip(rel.columns, rel.types))).fetchall()

def contract(kind, from_sql, col, arg, got):
    problems = []
    ids = [r[0] for r in got]
    if ids != list(range(len(ids))):
        problems.append("partition ids are not 0..k-1")
    total = rows(f"SELECT count(*) FROM {from_sql}")[0][0]
    if sum(r[4] for r in got) != total:
        problems.append(f"row counts sum to {sum(r[4] for r in got)}, the source has {total}")
    # Contract 3 where the key function's argument is known: every row of a partition's query
    # has that partition's key.
    key = None
    if kind == "partition_hash":
        key = (f"partition_key_hash({col_sql(col)}, {arg})", 6)
    elif kind == "partition_temporal" and arg.strip("'") in ("hour", "day", "week", "month", "quarter", "year"):
        key = (f"partition_key_temporal({col_sql(col)}, {arg})", 1)
    for start in range(0, min(len(got), 400), 100):
        batch = got[start:start + 100]
        wrong = lambda r: f"count(*) FILTER ({key[0]} IS DISTINCT FROM {sql_value(r[key[1]])})" if key else "0"
        sql = " UNION ALL ".join(f"SELECT {r[0]} AS pid, count(*) AS n, {wrong(r)} AS wrong FROM ({r[3]})" for r in batch)
        counted = {pid: (n, w) for pid, n, w in rows(sql)}
        for r in batch:
            if counted[r[0]][0] != r[4]:
                problems.append(f"partition {r[0]} ({r[1]}): its query returns {counted[r[0]][0]} rows, row_count says {r[4]}")
            if counted[r[0]][1]:
                problems.append(f"partition {r[0]} ({r[1]}): {counted[r[0]][1]} rows have another key")
    return problems

def sql_value(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"

def col_sql(col_literal):
    # The column name given as a string literal, as an identifier.
    name = col_literal[1:-1].replace("''", "'")
    return '"' + name.replace('"', '""') + '"'

for i, case in enumerate(cases):
    print(json.dumps({"i": i, "start": True}), flush=True)
    result = {"i": i}
    try:
        got = rows(case["sql"])
        result["status"] = "ok"
        c = case.get("contract")
        if c and c[0] in ("partition_temporal", "partition_hash", "partition_range", "chunk_plan"):
            again = rows(case["sql"])
            problems = [] if again == got else ["a second call gave another manifest"]
            problems += contract(c[0], c[1], c[2], c[3], got)
            result["problems"] = problems
    except duckdb.Error as e:
        result["status"] = "error"
        result["error"] = f"{type(e).__name__}: {e}"[:600]
    print(json.dumps(result), flush=True)
'''


def classify(fn, result):
    """A failure text for one call's result, or None."""
    if result.get("problems"):
        return "contract: " + "; ".join(result["problems"])
    if result["status"] != "error":
        return None
    e = result["error"]
    for bad in ("INTERNAL Error", "panicked", "FATAL", "Rust", "read-only mode", "read_only"):
        if bad in e:
            return f"error containing {bad!r}: {e}"
    repeated = re.search(r"\b([a-z_]{4,}): \1\b", e)
    if repeated:
        return f"an error that repeats its prefix {repeated.group(1)!r}: {e}"
    if "Invalid Input Error" in e and not any(n in e for n in PARTEXT_NAMES):
        # DuckDB's own invalid-input errors on arguments before partext runs (casts), and the
        # one DuckDB 2.0 raises while binding a macro over a column of type "NULL" (which its
        # CREATE TABLE AS makes of a bare NULL), before partext's type check can run.
        if not any(d in e for d in ("Could not convert", "Conversion", "out of range", "Type ", "Unimplemented",
                                    "cast_to_type cannot be used to cast to NULL")):
            return f"an Invalid Input Error without partext's name: {e}"
    return None


def run_batch(path, extension, cases, timeout):
    """Runs cases in one child; returns (results by index, crash (index, code) or None)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cases, f)
        cases_file = f.name
    try:
        p = subprocess.run([sys.executable, "-c", CHILD, path, extension, cases_file], capture_output=True, timeout=timeout)
        out, code = p.stdout.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, code = (e.stdout or b"").decode(errors="replace"), "timeout"
    finally:
        os.unlink(cases_file)
    results, started = {}, None
    for line in out.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("start"):
            started = r["i"]
        else:
            results[r["i"]] = r
    if code != 0:
        return results, (started if started is not None else 0, code, (p.stderr.decode(errors="replace")[-300:] if code != "timeout" else ""))
    return results, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=0, help="number of calls (0: until --minutes)")
    ap.add_argument("--minutes", type=float, default=0)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--batch", type=int, default=40)
    ap.add_argument("--timeout", type=float, default=120, help="seconds a batch may take")
    ap.add_argument("--show-errors", action="store_true", help="print a sample of the errors per function")
    ap.add_argument("--extension", default=os.path.join(ROOT, "build", "release", "partext.duckdb_extension"))
    args = ap.parse_args()
    if not args.cases and not args.minutes:
        args.cases = 400
    extension = os.path.abspath(args.extension)
    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.minutes * 60 if args.minutes else None
    counts = collections.defaultdict(collections.Counter)
    failures = []
    samples = collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        path, parquet, csv = build(tmp)
        con = duckdb.connect(path, read_only=True, config={"allow_unsigned_extensions": "true"})
        con.execute(f"LOAD '{extension}'")
        internal = [(name, types) for name, types in con.execute(
            "SELECT DISTINCT function_name, parameter_types FROM duckdb_functions() WHERE function_name LIKE 'partext\\_%' ESCAPE '\\' "
            "AND function_type IN ('scalar', 'aggregate')").fetchall()]
        con.close()
        gen = Gen(rng, parquet, csv, airbyte_inputs(tmp, rng), internal)
        done = 0
        while (args.cases and done < args.cases) or (deadline and time.monotonic() < deadline):
            n = min(args.batch, args.cases - done) if args.cases else args.batch
            cases = []
            for _ in range(n):
                fn, sql, contract = gen.call()
                cases.append({"fn": fn, "sql": sql, "contract": contract})
            start = 0
            while start < len(cases):
                results, crash = run_batch(path, extension, cases[start:], args.timeout)
                for i, r in results.items():
                    case = cases[start + i]
                    counts[case["fn"]][r["status"]] += 1
                    if args.show_errors and r["status"] == "error" and len(samples[case["fn"]]) < 12:
                        samples[case["fn"]].append(f"{case['sql'][:150]}\n        {r['error'][:200]}")
                    problem = classify(case["fn"], r)
                    if problem:
                        failures.append(f"{case['sql'][:400]}\n    -> {problem}")
                if crash is None:
                    break
                at, code, stderr = crash
                case = cases[start + at]
                counts[case["fn"]]["crash" if code != "timeout" else "hang"] += 1
                failures.append(f"{case['sql'][:400]}\n    -> {'hang (batch timed out)' if code == 'timeout' else f'child died with {code}'} {stderr.strip()[-200:]}")
                start += at + 1
            done += n
    total = collections.Counter()
    for fn in FUNCTIONS:
        c = counts[fn]
        total.update(c)
        print(f"  {fn:24} {sum(c.values()):6} calls: {c['ok']:6} ok, {c['error']:6} errors, {c['crash']} crashes, {c['hang']} hangs")
    print(f"fuzz (DuckDB {duckdb.__version__}, seed {args.seed}): {sum(total.values())} calls, {total['ok']} ok, {total['error']} errors, "
          f"{total['crash']} crashes, {total['hang']} hangs, {len(failures)} failures")
    for fn, texts in samples.items():
        print(f"errors of {fn}:")
        for t in texts:
            print("    " + t)
    for f in failures[:30]:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
