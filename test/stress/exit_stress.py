"""Process exits with a query in flight: partext's manifests against a plain DuckDB GROUP BY.

Each run is a short Python process that opens a database file, starts a query in a thread
(daemon or not), waits a random 0-200 ms and exits: normally, with sys.exit or with os._exit,
with or without closing the connection first. The partext variant loads partext and runs a
manifest; the plain variant runs a GROUP BY without partext over a table sized so that it
takes as long (measured first); the plain_same_plan variant runs that GROUP BY padded with
a filter on thousands of constants until DuckDB takes as long to prepare it as partext's
manifest.
DuckDB's Python client itself can abort at exit with a query in flight in a daemon thread: the
thread dies re-taking the GIL after DuckDB prepared its statement (every abort's backtrace ends
in DuckDBPyConnection::PrepareAndSubmitInternal, "FATAL: exception not rethrown"), so the rate
grows with the time a query spends being bound and planned, and a manifest macro takes longer
to plan than a bare GROUP BY. partext's crash rate is therefore compared with plain SQL of the
same planning and run time, not with zero; the bare GROUP BY is reported beside it. After every
run a second process opens the file at once.

    python test/stress/exit_stress.py --runs 500 [--extension build/release/partext.duckdb_extension]

Prints one line per variant and exits non-zero when partext crashes more often than plain
SQL of the same planning and run time (beyond a two-standard-error margin), ever dies of SIGSEGV, or crashes with os._exit or
a non-daemon thread, or when a second process cannot open the file.
"""
import argparse
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap

import duckdb

PARTEXT_SQL = "SELECT count(*) FROM partext.partition_hash('events', 'user_id', 64)"
# The plain query reads plain_events, which the parent sizes so that it takes as long as the
# partext manifest.
PLAIN_SQL = "SELECT count(*) FROM (SELECT hash(user_id) % 64 AS b, count(*) FROM plain_events GROUP BY 1)"


def padded(terms):
    """PLAIN_SQL with a filter of `terms` constants on its 64 groups: more to bind and plan,
    nothing more to run."""
    pad = ", ".join(str(-1 - i) for i in range(terms)) or "-1"
    return f"SELECT count(*) FROM (SELECT hash(user_id) % 64 AS b, count(*) AS n FROM plain_events GROUP BY 1) WHERE n NOT IN ({pad})"


def prepare_ms(con, sql):
    """Median time DuckDB takes to prepare `sql` (bind and plan), over 15 runs."""
    import time
    times = []
    for _ in range(15):
        start = time.perf_counter()
        con.execute(f"PREPARE partext_exit_probe AS {sql}")
        times.append(time.perf_counter() - start)
    return sorted(times)[7] * 1000

CHILD = textwrap.dedent("""
    import os, sys, threading, time, duckdb
    path, extension, variant, mode, close, daemon, delay, PARTEXT_SQL, PLAIN_SQL = sys.argv[1:10]
    config = {"allow_unsigned_extensions": "true"} if variant == "partext" else {}
    con = duckdb.connect(path, config=config)
    if variant == "partext":
        con.execute(f"LOAD '{extension}'")
        sql = PARTEXT_SQL
    else:
        sql = PLAIN_SQL
    stop = threading.Event()
    cur = con.cursor()
    def work():
        try:
            while not stop.is_set():
                cur.execute(sql).fetchall()
        except Exception:
            pass
    threading.Thread(target=work, daemon=(daemon == "daemon")).start()
    time.sleep(float(delay))
    if daemon != "daemon":
        stop.set()  # a non-daemon thread ends after its current query; the exit waits for it
    if close == "close":
        try:
            con.close()
        except Exception:
            pass
    if mode == "os_exit":
        os._exit(0)
    if mode == "sys_exit":
        sys.exit(0)
""")

OPEN = "import sys, duckdb; duckdb.connect(sys.argv[1]).execute('SELECT count(*) FROM events').fetchall()"


def timed(con, sql):
    """Median wall time of `sql` over 7 runs."""
    import time
    times = []
    for _ in range(7):
        start = time.perf_counter()
        con.execute(sql).fetchall()
        times.append(time.perf_counter() - start)
    return sorted(times)[3]


def one_run(path, extension, variant, rng, sql):
    mode = rng.choice(["normal", "sys_exit", "os_exit"])
    close = rng.choice(["close", "keep"])
    daemon = rng.choice(["daemon", "thread"])
    delay = f"{rng.uniform(0, 0.2):.3f}"
    try:
        p = subprocess.run([sys.executable, "-c", CHILD, path, extension, variant, mode, close, daemon, delay, PARTEXT_SQL, sql],
                           capture_output=True, timeout=60)
        code = p.returncode
        stderr = p.stderr.decode(errors="replace")[-400:]
    except subprocess.TimeoutExpired:
        code, stderr = "timeout", ""
    opened = subprocess.run([sys.executable, "-c", OPEN, path], capture_output=True, timeout=60).returncode == 0
    return {"mode": mode, "close": close, "daemon": daemon, "code": code, "opened": opened, "stderr": stderr}


def crashed(r):
    return r["code"] == "timeout" or (isinstance(r["code"], int) and r["code"] < 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--extension", default=os.path.join(os.path.dirname(__file__), "..", "..", "build", "release", "partext.duckdb_extension"))
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    extension = os.path.abspath(args.extension)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "exit.duckdb")
        con = duckdb.connect(path, config={"allow_unsigned_extensions": "true"})
        con.execute("CREATE TABLE events AS SELECT i AS id, (i * 7919) % 100000 AS user_id FROM range(3000000) t(i)")
        con.execute("CREATE TABLE plain_events AS SELECT * FROM events")
        con.execute(f"LOAD '{extension}'")
        rows = 3_000_000
        for _ in range(5):  # the plain query's time is close to linear in its rows
            rows = int(rows * timed(con, PARTEXT_SQL) / timed(con, PLAIN_SQL))
            con.execute(f"CREATE OR REPLACE TABLE plain_events AS SELECT i AS id, (i * 7919) % 100000 AS user_id FROM range({rows}) t(i)")
        target = prepare_ms(con, PARTEXT_SQL)
        pad = 0
        while prepare_ms(con, padded(pad)) < target and pad < 100_000:
            pad += 25
        sqls = {"partext": PARTEXT_SQL, "plain": PLAIN_SQL, "plain_same_plan": padded(pad)}
        print(f"DuckDB {duckdb.__version__}: manifest {timed(con, PARTEXT_SQL) * 1000:.0f} ms (prepare {target:.1f} ms), "
              f"plain GROUP BY {timed(con, PLAIN_SQL) * 1000:.0f} ms (prepare {prepare_ms(con, PLAIN_SQL):.1f} ms, {rows:,} rows), "
              f"same plan {timed(con, sqls['plain_same_plan']) * 1000:.0f} ms (prepare {prepare_ms(con, sqls['plain_same_plan']):.1f} ms, "
              f"{pad} constants to bind)", flush=True)
        con.close()
        results = {"partext": [], "plain": [], "plain_same_plan": []}
        for i in range(args.runs):
            for variant in results:  # interleaved, so that all see the same machine load
                results[variant].append(one_run(path, extension, "partext" if variant == "partext" else "plain", rng, sqls[variant]))
    failures = []
    rates = {}
    for variant, rs in results.items():
        crashes = [r for r in rs if crashed(r)]
        segv = [r for r in crashes if r["code"] == -signal.SIGSEGV]
        strict = [r for r in crashes if r["mode"] == "os_exit" or r["daemon"] == "thread"]
        not_opened = [r for r in rs if not r["opened"]]
        rate = len(crashes) / len(rs)
        rates[variant] = (rate, len(rs))
        signals = sorted({str(r["code"]) for r in crashes})
        print(f"DuckDB {duckdb.__version__} {variant}: {len(crashes)}/{len(rs)} crashed ({rate:.1%}; codes {', '.join(signals) or 'none'}), "
              f"SIGSEGV {len(segv)}, with os._exit or a non-daemon thread {len(strict)}, file not reopened {len(not_opened)}")
        if variant == "partext":
            if segv:
                failures.append("partext: SIGSEGV")
            if strict:
                failures.append(f"partext: {len(strict)} crashes with os._exit or a non-daemon thread")
        if not_opened:
            failures.append(f"{variant}: {len(not_opened)} runs left a file a second process could not open")
    (p, n), (q, m) = rates["partext"], rates["plain_same_plan"]
    margin = 2 * math.sqrt(max(p * (1 - p), 1e-9) / n + max(q * (1 - q), 1e-9) / m)
    print(f"partext {p:.1%} against plain SQL of the same planning and run time {q:.1%} (margin {margin:.1%}); "
          f"bare GROUP BY {rates['plain'][0]:.1%}")
    if p > q + margin:
        failures.append(f"partext's crash rate {p:.1%} is above plain SQL's of the same planning and run time, {q:.1%} (margin {margin:.1%})")
    for variant, rs in results.items():
        for r in [r for r in rs if crashed(r)][:3]:
            last = r["stderr"].strip().splitlines()[-1:] or ["(nothing on stderr)"]
            print(f"  {variant} crash ({r['mode']}, {r['close']}, {r['daemon']}): {last[0][:200]}")
    for f in failures:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
