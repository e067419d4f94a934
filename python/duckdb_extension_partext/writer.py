"""Writing every partition of a dataset larger than memory, from Python: partext.write_plan's
passes run with a progress bar, resumably, and a pass that runs out of memory is split.

    import duckdb, duckdb_extension_partext as partext
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    partext.load(con)
    con.execute("SET memory_limit = '64MB'")
    figures = partext.write(con, "events.parquet", "events_by_day", "temporal", "ts", "day")

How it works:
- The plan is `partext.write_plan(tbl, path, strategy, col, arg, ...)` in the caller's
  connection (so TEMP tables, registered frames and the open transaction are seen), and its
  statements run there too.
- Each finished pass appends the ids of its partitions to `<path>.partext-done` (one line a
  pass, written and synced after the pass's COPY returned). A second call with the same
  arguments skips what is recorded and plans the rest alone (`write_plan(..., partitions :=
  [...])`); a pass that was interrupted starts again after its partition directories are
  removed, so nothing is lost or written twice when a run is killed and rerun.
- A pass that runs out of memory has its partition directories removed and its partitions
  replanned with half the budget (`memory_mb`), as often as it takes; write_plan's own error
  when even one thread's scan or one partition cannot fit ends the run, with what it needs.
- The connection's `memory_limit` and `threads` are what they were when `write` returns or
  raises: a plan's passes set them for themselves and its last statement sets them back, and
  after a pass that fails `write` runs the plan's `restore`.
"""
import glob
import json
import os
import shutil
import sys
import time

__all__ = ["write"]

_OPTIONS = ("format", "compression", "compression_level", "row_group_size", "memory_mb", "method", "bounds", "spec")


def _literal(value):
    """A SQL literal of a str, int, float or (nested) list of them."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def _plan(con, tbl, path, strategy, col, arg, options, partitions=None, memory_mb=None):
    named = dict(options)
    if memory_mb is not None:
        named["memory_mb"] = memory_mb
    if partitions is not None:
        named["partitions"] = sorted(partitions)
    args = [_literal(tbl), _literal(path)]
    if strategy is not None or "spec" not in named:
        args += [_literal(strategy), _literal(col), _literal(None if arg is None else str(arg))]
    args += [f"{k} := {_literal(v)}" for k, v in named.items()]
    return con.execute(
        "SELECT pass_id, partition_ids, labels, directories, estimated_rows, threads, restore, sql "
        f"FROM partext.write_plan({', '.join(args)})"
    ).fetchall()


class _Done:
    """The record of finished partitions beside the output: a header naming the plan, then one
    line of partition ids a finished pass. A line cut short by a kill has no newline and is
    ignored (its pass runs again)."""

    def __init__(self, path, header):
        self.file = path.rstrip("/\\") + ".partext-done"
        self.header = header
        self.ids = set()
        if not os.path.exists(self.file):
            return
        with open(self.file) as f:
            text = f.read()
        lines = text.split("\n")
        if lines[0] != header:
            raise ValueError(
                f"{self.file} records a write with other arguments ({lines[0][:200]}); "
                "write to another path, or remove that file and the output to start again"
            )
        for line in lines[1:-1]:  # the last element follows the last newline: unfinished or empty
            self.ids.update(int(i) for i in line.split())

    def record(self, ids):
        new = not os.path.exists(self.file)
        with open(self.file, "a") as f:
            if new:
                f.write(self.header + "\n")
            f.write(" ".join(str(i) for i in ids) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.ids.update(ids)


def _budget_mb(con, options):
    """The budget in MiB: memory_mb, else the connection's memory_limit."""
    if options.get("memory_mb") is not None:
        return float(options["memory_mb"])
    number, unit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0].split()  # '61.0 MiB'
    scale = {"bytes": 2**-20, "KiB": 2**-10, "MiB": 1, "GiB": 2**10, "TiB": 2**20, "KB": 1e3 / 2**20, "MB": 1e6 / 2**20, "GB": 1e9 / 2**20}
    return float(number) * scale[unit]


class _Progress:
    def __init__(self, total, description, progress):
        self.bar = None
        self.description = description
        self.total = total
        self.count = 0
        if progress is False:
            self.quiet = True
            return
        self.quiet = False
        try:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=description, unit="pass")
        except ImportError:
            pass

    def grow(self, extra):
        self.total += extra
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def done(self, figures):
        self.count += 1
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet:
            print(
                f"{self.description}: pass {self.count}/{self.total}: {len(figures['partitions'])} partitions, "
                f"about {figures['estimated_rows']:,} rows, {figures['seconds']:.1f} s",
                file=sys.stderr,
                flush=True,
            )

    def close(self):
        if self.bar is not None:
            self.bar.close()


def write(con, tbl, path, strategy=None, col=None, arg=None, progress=None, **options):
    """Writes every partition of `tbl` by `strategy` on `col` (`arg`: the granularity, bucket
    count or partition count), or of the Iceberg partition spec `spec=` ('month(ts),
    bucket(16, user_id)') in its layout, under `path`, within the connection's memory_limit (or
    `memory_mb`), resuming a write that was interrupted. `options`: write_plan's named
    parameters (`format`, `compression`, `compression_level`, `row_group_size`, `memory_mb`,
    `method`, `bounds`, `spec`). `progress`: None shows a tqdm bar when tqdm is installed and a
    line a pass otherwise; False shows nothing.

    Returns one dict a pass that ran: `partitions` (ids), `labels`, `estimated_rows`,
    `threads`, `memory_mb` (None: the connection's budget), `split` (how many times its
    partitions' passes were halved) and `seconds`."""
    unknown = set(options) - set(_OPTIONS)
    if unknown:
        raise TypeError(f"write() got unknown options {sorted(unknown)}; it takes {', '.join(_OPTIONS)}")
    options = {k: v for k, v in options.items() if v is not None}
    header = "partext write " + json.dumps([str(tbl), strategy, col, None if arg is None else str(arg), {k: options[k] for k in sorted(options)}], default=str)
    done = _Done(path, header)
    figures = []
    # What sets the connection's memory_limit and threads back where a plan's passes change
    # them (write_plan's `restore`: its last statement ends with it, and a pass that fails
    # needs it).
    restoring = []

    def restore():
        for sql in restoring:
            if sql:
                con.execute(sql)
        restoring.clear()

    def remove(directories):
        for d in directories:
            shutil.rmtree(os.path.join(path, d), ignore_errors=True)

    def run(passes, memory_mb, split, bar):
        import duckdb

        for n, (_, ids, labels, directories, rows, threads, restore_sql, sql) in enumerate(passes):
            restoring[:] = [restore_sql]
            remove(directories)  # a pass interrupted before starts afresh
            started = time.perf_counter()
            try:
                con.execute(sql)
            except duckdb.OutOfMemoryException:
                restore()
                remove(directories)
                half = (memory_mb if memory_mb is not None else _budget_mb(con, options)) / 2
                if ids:
                    smaller = _plan(con, tbl, path, strategy, col, arg, options, partitions=ids, memory_mb=half)
                    bar.grow(len(smaller) - 1)
                    run(smaller, half, split + 1, bar)
                    continue
                # A two-level plan's distributing pass: the passes after it read what it writes,
                # so all of them are replanned.
                rest = [i for p in passes[n + 1:] for i in p[1]]
                smaller = _plan(con, tbl, path, strategy, col, arg, options, partitions=rest, memory_mb=half)
                bar.grow(len(smaller) - (len(passes) - n))
                run(smaller, half, split + 1, bar)
                return
            done.record(ids)
            f = dict(partitions=list(ids), labels=list(labels), estimated_rows=rows, threads=threads, memory_mb=memory_mb,
                     split=split, seconds=time.perf_counter() - started)
            figures.append(f)
            bar.done(f)

    try:
        passes = _plan(con, tbl, path, strategy, col, arg, options)
        if done.ids:
            planned = {i for p in passes for i in p[1]}
            left = planned - done.ids
            passes = _plan(con, tbl, path, strategy, col, arg, options, partitions=left) if left else []
        bar = _Progress(len(passes), f"writing {tbl} by {strategy}", progress)
        try:
            run(passes, options.get("memory_mb"), 0, bar)
        finally:
            bar.close()
        # Temporary files of two-level plans that an interrupted run left beside the output.
        for temp in glob.glob(glob.escape(path.rstrip("/")) + ".partext-tmp-*"):
            con.execute("SELECT partext_remove_temp(?)", [temp])
    finally:
        restore()
    return figures
