"""docs/contracts.md, Contracts 6: loading partext never keeps a database alive.

A first process opens a database file, loads partext, runs a manifest and closes its
connection, then stays alive. A second process must open the same file within 1 second.
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import time

from common import run, EXTENSION, Checks

HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{sys.argv[2]}'")
    con.execute("CREATE TABLE IF NOT EXISTS events AS SELECT TIMESTAMP '2024-01-01' + to_hours(i) AS ts FROM range(1000) t(i)")
    n = con.execute("SELECT count(*) FROM partext.partition_temporal('events', 'ts', 'day')").fetchone()[0]
    con.close()
    print(f"closed {n}", flush=True)
    time.sleep(float(sys.argv[3]))
""")

OPENER = textwrap.dedent("""
    import sys, time, duckdb
    deadline = time.monotonic() + float(sys.argv[2])
    start = time.monotonic()
    while True:
        try:
            con = duckdb.connect(sys.argv[1])
            n = con.execute("SELECT count(*) FROM events").fetchone()[0]
            con.close()
            print(f"opened {time.monotonic() - start:.3f} {n}", flush=True)
            break
        except duckdb.IOException as e:
            if time.monotonic() > deadline:
                print(f"locked {e}", flush=True)
                sys.exit(1)
            time.sleep(0.02)
""")


def run_once(checks, path, variant):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path, EXTENSION, "6"], stdout=subprocess.PIPE, text=True)
    try:
        line = holder.stdout.readline().strip()
        checks.equal(line, "closed 42", f"{variant}: first process ran a manifest and closed")
        opener = subprocess.run([sys.executable, "-c", OPENER, path, "1.0"], capture_output=True, text=True, timeout=60)
        out = opener.stdout.strip()
        checks.equal(opener.returncode, 0, f"{variant}: second process opened the file within 1 s ({out} {opener.stderr[-300:]})")
        checks.true(out.startswith("opened") and out.endswith(" 1000"), f"{variant}: second process read the data: {out}")
        checks.equal(holder.poll(), None, f"{variant}: the first process was still running meanwhile")
        print(f"  {variant}: {out.split()[1]} s to open")
    finally:
        holder.kill()
        holder.wait()


def main():
    checks = Checks("lifecycle")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "life.duckdb")
        run_once(checks, path, "new file")
        run_once(checks, path, "existing file")
    checks.done(minimum=8)


if __name__ == "__main__":
    run(main)
