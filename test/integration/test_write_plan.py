"""partext.write_plan on a table more than 10x larger than memory_limit.

A generated table of about 260 MiB in memory (ids, timestamps, user ids with NULLs, amounts, a
96-character payload) in a database file, with memory_limit = 24MB and 2 threads:
  - the one-pass COPY ... (PARTITION_BY (partition_key_hash(user_id, 64))) runs out of memory
    (asserted: this is what write_plan is for);
  - for hash (64 buckets), day and range (16) partitions, three times each, and once for the
    spec 'month(ts), bucket(16, user_id)' (Iceberg's layout): write_plan's
    statements, run in order, all succeed, each pass's estimated buffer stays within the
    budget, and the rows written per partition (read back from the Hive layout) equal the
    manifest's row counts, NULL keys included;
  - edge cases: a budget too small for one partition (an error saying how much it needs),
    empty periods (no pass), a target directory that already has files (the first statement
    refuses it, as the one-pass COPY does), csv output, bad arguments.
"""
import os
import shutil
import tempfile

import duckdb

from common import Checks, connect, quote_ident, quote_literal, run

ROWS = 1_900_000
MEMORY_LIMIT_MB = 24


def written_counts(con, out, fmt="parquet"):
    """Rows per partition key read back from the files (with memory to spare: the reading is not
    what is tested, and DuckDB 1.5's CSV reader wants a 30 MiB buffer)."""
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    files = os.path.join(out, "**", f"*.{fmt}")
    con.execute("SET memory_limit = '1GB'")
    try:
        return read_counts(con, reader, files)
    finally:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")


def read_counts(con, reader, files):
    """Rows per value of the layout's one key directory (`user_id_bucket=3/`: the last column a
    Hive read adds)."""
    scan = f"{reader}({quote_literal(files)}, hive_partitioning = true)"
    key = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()[-1][0]
    return dict(con.execute(f"SELECT coalesce(CAST({quote_ident(key)} AS VARCHAR), 'NULL'), count(*) FROM {scan} GROUP BY ALL").fetchall())


def main():
    checks = Checks("write plan")
    tmp = tempfile.mkdtemp()
    try:
        path = os.path.join(tmp, "big.duckdb")
        con = connect(path)
        con.execute(f"""CREATE TABLE events AS
            SELECT i AS id, make_timestamp(1700000000000000 + i * 9000000) AS ts,
                   CASE WHEN i % 101 = 0 THEN NULL ELSE (i * 7919) % 1000003 END AS user_id,
                   ((i * 31) % 100000) / 7.0 AS amount,
                   md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) || md5(CAST(i + 2 AS VARCHAR)) AS payload
            FROM range({ROWS}) t(i)""")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")
        con.execute("SET threads = 2")
        size = con.execute("SELECT sum(estimated_bytes) FROM partext.partition_hash('events', 'user_id', 64)").fetchone()[0]
        checks.true(size >= 10 * MEMORY_LIMIT_MB * 1024 * 1024, f"the table ({size / 2**20:.0f} MiB in memory) is at least 10x memory_limit")

        one_pass = os.path.join(tmp, "one_pass")
        try:
            con.execute(f"COPY (SELECT *, partition_key_hash(user_id, 64) AS user_id_bucket FROM events) TO {quote_literal(one_pass)} "
                        "(FORMAT parquet, PARTITION_BY (user_id_bucket))")
            checks.true(False, "the one-pass COPY was expected to run out of memory")
        except duckdb.OutOfMemoryException:
            checks.true(True, "the one-pass COPY runs out of memory")
        con.execute("RESET preserve_insertion_order")

        for strategy, col, arg, key in [("hash", "user_id", "64", "bucket"), ("temporal", "ts", "day", "label"),
                                        ("range", "amount", "16", "partition_id")]:
            function = {"hash": "partition_hash", "temporal": "partition_temporal", "range": "partition_range"}[strategy]
            manifest = {("NULL" if k is None else str(k)): n for k, n in con.execute(
                f"SELECT CASE WHEN label IS NULL THEN NULL ELSE {key} END, row_count FROM partext.{function}('events', {quote_literal(col)}, "
                f"{quote_literal(arg) if strategy == 'temporal' else arg}) WHERE row_count > 0").fetchall()}
            checks.true("NULL" in manifest or strategy != "hash", f"{strategy}: the manifest has a NULL-key partition")
            out = os.path.join(tmp, f"out_{strategy}")
            for attempt in range(3):
                passes = con.execute(f"SELECT pass_id, partition_ids, labels, estimated_rows, buffer_bytes, row_group_size, sql "
                                     f"FROM partext.write_plan('events', {quote_literal(out)}, '{strategy}', '{col}', '{arg}')").fetchall()
                checks.true(1 < len(passes) < 200, f"{strategy}: {len(passes)} passes")
                checks.equal(sum(p[3] for p in passes), ROWS, f"{strategy}: the passes' rows add up to the table's")
                ids = sorted(i for p in passes for i in p[1])
                checks.equal(len(ids), len(set(ids)), f"{strategy}: every partition is in one pass")
                checks.equal(len(ids), len(manifest), f"{strategy}: every non-empty partition is written")
                budget = (MEMORY_LIMIT_MB - 2 * 4) * 2**20
                checks.true(all(p[4] <= budget for p in passes), f"{strategy}: every pass's buffer fits the budget")
                shutil.rmtree(out, ignore_errors=True)
                before = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
                for p in passes:
                    con.execute(p[6])  # an Out of Memory error here fails the test
                # memory_limit (lowered for the passes of a plan with more than one thread) and
                # threads are the connection's again after the last statement.
                checks.equal(con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone(), before,
                             f"{strategy} run {attempt + 1}: memory_limit and threads set back")
                if "SET memory_limit" in passes[0][6]:
                    checks.true(passes[-1][6].count("SET memory_limit") == 2, f"{strategy}: the last statement sets memory_limit back")
                checks.equal(written_counts(con, out), manifest, f"{strategy} run {attempt + 1}: rows written per partition")
            # A directory that already has files: the first statement refuses it, like the one-pass COPY.
            try:
                con.execute(passes[0][6])
                checks.true(False, f"{strategy}: the first pass overwrote a directory with files")
            except duckdb.Error as e:
                checks.true("not empty" in str(e) or "APPEND" in str(e) or "OVERWRITE" in str(e), f"{strategy}: refused: {e}")
            con.execute("RESET preserve_insertion_order")
            con.execute("RESET partitioned_write_flush_threshold")

        # A spec, months x 16 buckets, as the largest datasets are partitioned: the plan's passes
        # write Iceberg's layout within the budget, every directory with its partition's rows.
        spec = "month(ts), bucket(16, user_id)"
        manifest = {path.replace("=null", "=__HIVE_DEFAULT_PARTITION__"): n for path, n in con.execute(
            f"SELECT path, row_count FROM partext.partition_by('events', {quote_literal(spec)})").fetchall()}
        out = os.path.join(tmp, "out_spec")
        passes = con.execute(f"SELECT directories, buffer_bytes, sql FROM partext.write_plan('events', {quote_literal(out)}, "
                             f"spec := {quote_literal(spec)})").fetchall()
        checks.true(1 < len(passes) < 200, f"{spec}: {len(passes)} passes for {len(manifest)} partitions")
        checks.equal(sorted(d for p in passes for d in p[0]), sorted(manifest), f"{spec}: the passes write every partition once")
        checks.true(all(p[1] <= (MEMORY_LIMIT_MB - 2 * 4) * 2**20 for p in passes), f"{spec}: every pass's buffer fits the budget")
        for p in passes:
            con.execute(p[2])  # an Out of Memory error here fails the test
        con.execute("SET memory_limit = '1GB'")
        files = quote_literal(os.path.join(out, "*", "*", "*.parquet"))
        written = dict(con.execute(f"SELECT 'ts_month=' || ts_month || '/user_id_bucket=' || coalesce(user_id_bucket, 'NULL'), count(*) "
                                   f"FROM read_parquet({files}, hive_partitioning = true, hive_types_autocast = false) GROUP BY ALL").fetchall())
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")
        checks.equal(written, {k.replace("=__HIVE_DEFAULT_PARTITION__", "=NULL"): v for k, v in manifest.items()},
                     f"{spec}: rows written per partition at 10x memory_limit")
        con.execute("RESET preserve_insertion_order")
        con.execute("RESET partitioned_write_flush_threshold")

        # With 2 threads the passes run with memory_limit lowered, and the last statement sets
        # the connection's value back as current_setting shows it ('256MB' shows as 244.1 MiB,
        # which set as such would show as 244.0 MiB).
        threads_before = con.execute("SELECT current_setting('threads')").fetchone()[0]
        con.execute("SET memory_limit = '256MB'")
        con.execute("SET threads = 2")
        before = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        out = os.path.join(tmp, "out_two_threads")
        passes = con.execute(f"SELECT sql, threads, memory_note FROM partext.write_plan('events', {quote_literal(out)}, 'hash', 'user_id', '16')").fetchall()
        checks.true(passes[0][1] == 2 and passes[0][0].startswith("SET memory_limit = '") and "memory_limit" in passes[0][2],
                    f"2 threads: the passes lower memory_limit ({passes[0][0][:60]}...; {passes[0][2]})")
        for p in passes:
            con.execute(p[0])
        checks.equal(con.execute("SELECT current_setting('memory_limit'), CAST(current_setting('threads') AS BIGINT)").fetchone(), (before, 2),
                     "2 threads: memory_limit and threads set back as they were")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")
        con.execute(f"SET threads = {threads_before}")
        con.execute("RESET preserve_insertion_order")
        con.execute("RESET partitioned_write_flush_threshold")

        # Named parameters pass through to the range manifest: custom bounds (numeric and
        # timestamp, given as the user wrote them) and method := 'exact'.
        # (method := 'exact' holds every value of the column: a tenth of the table here.)
        for src, col, named in [("events", "amount", "bounds := [1000, 2500.5, 9000]"),
                                ("events", "ts", "bounds := [TIMESTAMP '2023-11-16 00:00', TIMESTAMP '2023-11-30']"),
                                ("(SELECT * FROM events WHERE id % 10 = 0)", "amount", "method := 'exact'")]:
            manifest_call = f"partext.partition_range({quote_literal(src)}, '{col}', 6, {named})"
            rows = con.execute(f"SELECT partition_id, label, row_count FROM {manifest_call} WHERE row_count > 0 ORDER BY partition_id").fetchall()
            manifest = {("NULL" if l is None else str(i)): n for i, l, n in rows}
            out = os.path.join(tmp, f"out_range_{col}_{len(manifest)}")
            passes = con.execute(f"SELECT partition_ids, sql FROM partext.write_plan({quote_literal(src)}, {quote_literal(out)}, 'range', '{col}', 6, {named})").fetchall()
            checks.equal(sorted(i for p in passes for i in p[0]), [i for i, _, _ in rows],
                         f"range {named}: the plan writes the partitions of the manifest with the same arguments")
            for p in passes:
                con.execute(p[1])
            checks.equal(written_counts(con, out), manifest, f"range {named}: rows written per partition")
        con.execute("RESET preserve_insertion_order")
        con.execute("RESET partitioned_write_flush_threshold")

        # A budget too small for one thread's scan: an error that says how much the source needs.
        try:
            con.execute("FROM partext.write_plan('events', 'x', 'hash', 'user_id', 1, memory_mb := 1)").fetchall()
            checks.true(False, "a 1 MiB budget was accepted")
        except duckdb.InvalidInputException as e:
            checks.true("write_plan: the source needs about" in str(e) and "a DuckDB table of 5 columns" in str(e)
                        and "raise memory_limit (or memory_mb) to at least" in str(e), str(e))
        # Sources that cannot be read are refused before anything is written.
        con.execute(f"COPY (SELECT 1 AS a) TO {quote_literal(os.path.join(tmp, 'not_parquet.parquet'))} (FORMAT csv)")
        os.makedirs(os.path.join(tmp, "empty_dir"), exist_ok=True)
        for src, message in [(os.path.join(tmp, "missing.parquet"), "does not exist; check the path"),
                             (os.path.join(tmp, "empty_dir"), "is a directory; give the files in it, such as"),
                             (os.path.join(tmp, "empty_dir", "*.parquet"), "no file matches"),
                             (os.path.join(tmp, "not_parquet.parquet"), "is not a Parquet file")]:
            out = os.path.join(tmp, "refused")
            try:
                con.execute(f"FROM partext.write_plan({quote_literal(src)}, {quote_literal(out)}, 'hash', 'a', 4)").fetchall()
                checks.true(False, f"write_plan over {src} was accepted")
            except duckdb.Error as e:
                checks.true(message in str(e) and "write_plan: " in str(e), f"{src}: {e}")
            checks.true(not os.path.exists(out), f"{src}: nothing written")
        # A Parquet file with DuckDB's default row groups (122,880 rows, 53 MiB a thread to scan):
        # its manifests and its row size need no scan of every column, at 24MB with 2 threads.
        big = os.path.join(tmp, "events.parquet")
        con.execute("SET memory_limit = '1GB'")
        con.execute(f"COPY events TO {quote_literal(big)} (FORMAT parquet)")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")
        rows = con.execute(f"SELECT sum(row_count), sum(estimated_bytes) / sum(row_count) FROM partext.partition_temporal({quote_literal(big)}, 'ts', 'day')").fetchone()
        checks.equal(rows[0], ROWS, "a Parquet file's day manifest at 24MB")
        checks.true(140 <= rows[1] <= 150, f"its row size from the metadata: {rows[1]:.1f} bytes (144 in memory)")
        try:
            con.execute(f"FROM partext.write_plan({quote_literal(big)}, 'x', 'temporal', 'ts', 'day')").fetchall()
            checks.true(False, "a plan for 53 MiB a thread at 24MB was accepted")
        except duckdb.InvalidInputException as e:
            checks.true("needs about" in str(e) and "Parquet row groups of up to 122880 rows" in str(e) and "ROW_GROUP_SIZE" in str(e), str(e))
        # A generous budget: one pass.
        one = con.execute("SELECT count(*) FROM partext.write_plan('events', 'x', 'hash', 'user_id', 64, memory_mb := 100000)").fetchone()[0]
        checks.equal(one, 1, "everything fits: one pass")
        # Empty periods need no pass; CSV output; an empty source gives no pass.
        con.execute("CREATE TABLE sparse AS SELECT * FROM events WHERE id < 1000 OR id > 1890000")
        out = os.path.join(tmp, "sparse_csv")
        passes = con.execute(f"SELECT labels, row_group_size, sql FROM partext.write_plan('sparse', {quote_literal(out)}, 'temporal', 'ts', 'day', "
                             "format := 'csv', memory_mb := 64)").fetchall()
        labels = [l for p in passes for l in p[0]]
        checks.equal(len(labels), con.execute("SELECT count(DISTINCT partition_key_temporal(ts, 'day')) FROM sparse").fetchone()[0],
                     "only days with rows are written")
        checks.true(all(p[1] is None for p in passes), "CSV passes have no row group size")
        for p in passes:
            con.execute(p[2])
        checks.equal(sum(written_counts(con, out, "csv").values()), con.execute("SELECT count(*) FROM sparse").fetchone()[0], "CSV rows")
        # The codec a user asks for reaches every COPY; CSV takes its own codecs.
        out = os.path.join(tmp, "sparse_zstd")
        for p in con.execute(f"SELECT sql FROM partext.write_plan('sparse', {quote_literal(out)}, 'hash', 'user_id', 8, compression := 'ZSTD')").fetchall():
            con.execute(p[0])
        codecs = con.execute("SELECT DISTINCT compression FROM parquet_metadata(?)", [os.path.join(out, "**", "*.parquet")]).fetchall()
        checks.equal(codecs, [("ZSTD",)], "compression := 'ZSTD' writes zstd")
        checks.equal(sum(written_counts(con, out).values()), con.execute("SELECT count(*) FROM sparse").fetchone()[0], "zstd rows")
        # A zstd level reaches every COPY: level 19 writes fewer bytes than level 1, same rows.
        compressed = {}
        for level in (1, 19):
            out = os.path.join(tmp, f"sparse_zstd_{level}")
            plan = con.execute(f"SELECT sql FROM partext.write_plan('sparse', {quote_literal(out)}, 'hash', 'user_id', 8, "
                               f"compression := 'zstd', compression_level := {level})").fetchall()
            checks.true(all(f"COMPRESSION zstd, COMPRESSION_LEVEL {level}," in sql for (sql,) in plan), f"every pass at zstd level {level}")
            for (sql,) in plan:
                con.execute(sql)
            checks.equal(sum(written_counts(con, out).values()), con.execute("SELECT count(*) FROM sparse").fetchone()[0], f"zstd level {level} rows")
            compressed[level] = con.execute("SELECT sum(total_compressed_size) FROM parquet_metadata(?)",
                                            [os.path.join(out, "**", "*.parquet")]).fetchone()[0]
        checks.true(compressed[19] < compressed[1], f"zstd level 19 writes fewer bytes than level 1: {compressed}")
        # A row group size asked for: kept when it fits (the files' row groups say so), lowered
        # with a note where it does not.
        out = os.path.join(tmp, "events_rg")
        passes = con.execute(f"SELECT row_group_size, memory_note, sql FROM partext.write_plan('events', {quote_literal(out)}, 'hash', 'user_id', 4, "
                             "row_group_size := 4096)").fetchall()
        checks.true(all(p[0] == 4096 for p in passes), f"row_group_size := 4096 is kept: {[p[0] for p in passes]}")
        for p in passes:
            con.execute(p[2])
        largest = con.execute("SELECT max(row_group_num_rows) FROM parquet_metadata(?)", [os.path.join(out, "**", "*.parquet")]).fetchone()[0]
        # DuckDB's ROW_GROUP_SIZE is a target its partitioned COPY rounds to whole chunks (2.0.1:
        # up to 4,461 rows for 4,096); partext's own choice here would be 15,360 or more.
        checks.true(largest <= 2 * 4096, f"files written with row groups of about 4096 rows ({largest})")
        checks.equal(sum(written_counts(con, out).values()), ROWS, "row_group_size 4096 rows")
        lowered = con.execute("SELECT DISTINCT row_group_size, memory_note FROM partext.write_plan('events', 'x', 'hash', 'user_id', 4, "
                              "row_group_size := 100000000)").fetchall()
        checks.true(len(lowered) == 1 and lowered[0][0] < 100000000 and "row_group_size of 100000000 asked for" in lowered[0][1],
                    f"a row_group_size that does not fit at 24MB is lowered, and the note says so: {lowered}")
        out = os.path.join(tmp, "sparse_csv_gz")
        for p in con.execute(f"SELECT sql FROM partext.write_plan('sparse', {quote_literal(out)}, 'hash', 'user_id', 4, format := 'csv', "
                             "compression := 'gzip')").fetchall():
            con.execute(p[0])
        checks.true(all(f.endswith(".csv.gz") for _, _, fs in os.walk(out) for f in fs), "compression := 'gzip' writes .csv.gz files")
        # A file whose dates are not in order, by day: each direct pass would read the whole
        # file, so the plan distributes the rows into groups of consecutive days first (pass 0,
        # which writes no partition), then writes each group's days from its files alone, and
        # its last statement removes those files. The same rows in date order: direct passes.
        for order, two_level in [("", True), ("ORDER BY d", False)]:
            src = os.path.join(tmp, f"lines{len(order)}.parquet")
            con.execute("SET memory_limit = '1GB'")
            con.execute(f"""COPY (SELECT * FROM (SELECT i AS id,
                                CASE WHEN i % 997 = 0 THEN NULL ELSE DATE '1992-01-02' + CAST(hash(i * 31) % 1500 AS INTEGER) END AS d,
                                md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) AS payload FROM range(600000) t(i)) {order})
                            TO {quote_literal(src)} (FORMAT parquet, ROW_GROUP_SIZE 30720)""")
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")
            out = os.path.join(tmp, f"lines_out{len(order)}")
            manifest = {("NULL" if k is None else k): n for k, n in con.execute(
                f"SELECT label, row_count FROM partext.partition_temporal({quote_literal(src)}, 'd', 'day') WHERE row_count > 0").fetchall()}
            passes = con.execute(f"SELECT partition_ids, directories, memory_note, sql FROM partext.write_plan({quote_literal(src)}, "
                                 f"{quote_literal(out)}, 'temporal', 'd', 'day')").fetchall()
            what = "unordered" if two_level else "ordered"
            checks.equal(passes[0][0] == [] and passes[0][1] == [] and "partext_group" in passes[0][3], two_level,
                         f"{what} dates: pass 0 distributes into groups: {two_level} ({passes[0][2][-160:]})")
            ids = [i for p in passes for i in p[0]]
            checks.equal(sorted(ids), sorted(set(ids)), f"{what} dates: every partition is in one pass")
            checks.equal(len(ids), len(manifest), f"{what} dates: every non-empty partition is written ({len(passes)} passes)")
            before = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
            for p in passes:
                con.execute(p[3])
            checks.equal(con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone(), before,
                         f"{what} dates: memory_limit and threads set back")
            checks.equal(written_counts(con, out), manifest, f"{what} dates: rows written per day")
            checks.equal(sorted(f for f in os.listdir(tmp) if ".partext-tmp-" in f), [], f"{what} dates: no temporary files left")
            con.execute("RESET preserve_insertion_order")
            con.execute("RESET partitioned_write_flush_threshold")
        try:
            con.execute("SELECT partext_remove_temp(?)", [tmp]).fetchall()
            checks.true(False, "partext_remove_temp removed a directory that is not partext's")
        except duckdb.Error as e:
            checks.true("is not a directory of partext's temporary files" in str(e) and os.path.isdir(tmp), f"partext_remove_temp refuses: {e}")
        checks.equal(con.execute("SELECT count(*) FROM partext.write_plan('(SELECT * FROM events LIMIT 0)', 'x', 'hash', 'user_id', 8)").fetchone()[0],
                     0, "an empty source needs no pass")
        for call, message in [("'events', 'x', 'fortnightly', 'ts', 'day'", "unknown strategy 'fortnightly'"),
                              ("'events', 'x', 'temporal', 'ts', 'auto'", "needs a fixed granularity"),
                              ("'events', 'x', 'hash', 'user_id', 'many'", "arg must be a whole number of buckets"),
                              ("'events', 'x', 'hash', 'user_id', 8, format := 'orc'", "unknown format 'orc'"),
                              ("'events', 'x', 'hash', 'user_id', 8, compression := 'zstd, OVERWRITE'", "unknown compression 'zstd, OVERWRITE' for format 'parquet'"),
                              ("'events', 'x', 'hash', 'user_id', 8, format := 'csv', compression := 'snappy'", "unknown compression 'snappy' for format 'csv'"),
                              ("'events', 'x', 'hash', 'user_id', 8, compression_level := 1", "compression_level applies to compression 'zstd' only"),
                              ("'events', 'x', 'hash', 'user_id', 8, compression := 'zstd', compression_level := 99", "compression_level must be a zstd level from -131072 to 22"),
                              ("'events', 'x', 'hash', 'user_id', 8, format := 'csv', compression := 'zstd', compression_level := 3", "compression_level applies to format 'parquet' only"),
                              ("'events', 'x', 'hash', 'user_id', 8, row_group_size := 0", "row_group_size must be between 2048 and"),
                              ("'events', 'x', 'hash', 'user_id', 8, format := 'csv', row_group_size := 4096", "row_group_size applies to format 'parquet' only"),
                              ("'events', NULL, 'hash', 'user_id', 8", "argument 'path' is NULL"),
                              ("'events', 'x', 'hash', 'nosuch', 8", 'column "nosuch" not found'),
                              ("'events', 'x', 'hash', 'user_id', 8, method := 'exact'", "method and bounds apply to strategy 'range' only"),
                              ("'events', 'x', 'range', 'amount', 8, bounds := 5", "bounds must be a list such as [10, 20], got a value of type INTEGER"),
                              ("'events', 'x', 'range', 'amount', 8, bounds := [[1]]", "bounds of type INTEGER[][] cannot be passed on"),
                              ("'events', 'x', 'range', 'amount', 8, bounds := [5, 1]", "bounds must be sorted"),
                              ("'events', 'x', 'range', 'amount', 8, bounds := [NULL]", "bounds must not contain NULL"),
                              ("'events', 'x', 'range', 'amount', 8, method := 'psychic'", "unknown method 'psychic'")]:
            try:
                con.execute(f"FROM partext.write_plan({call})").fetchall()
                checks.true(False, f"write_plan({call}) was accepted")
            except duckdb.Error as e:
                checks.true(message in str(e), f"write_plan({call}): {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    checks.done(minimum=40)


if __name__ == "__main__":
    run(main)
