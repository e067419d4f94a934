"""Many client threads calling partext at once: no error, no crash, no deadlock, bounded time.

8 threads x 50 manifest calls on one database, each thread on its own cursor (connection),
mixing granularities, sources and the key function; then the same 400 calls one after another
on one cursor, for the wall-time comparison printed (manifests run in their callers' queries,
so they do not wait for each other; timings are reported, not asserted).
"""
import threading
import time

from common import run, Checks, connect

THREADS = 8
CALLS = 50
TIME_LIMIT_S = 120


def main():
    checks = Checks("concurrency")
    con = connect()
    con.execute("CREATE TABLE events AS SELECT TIMESTAMP '2024-01-01' + to_minutes(i * 7) AS ts, i FROM range(20000) t(i)")
    expected = {
        g: con.execute(f"SELECT sum(row_count), count(*) FROM partext.partition_temporal('events', 'ts', '{g}')").fetchone()
        for g in ["hour", "day", "week", "month"]
    }
    errors = []
    results = []

    def calls(cur, n, results):
        for i in range(CALLS):
            g = ["hour", "day", "week", "month"][(n + i) % 4]
            src = "events" if i % 2 == 0 else "(SELECT * FROM events)"
            got = cur.execute(f"SELECT sum(row_count), count(*) FROM partext.partition_temporal('{src}', 'ts', '{g}')").fetchall()[0]
            results.append((g, got))
            k = cur.execute("SELECT count(DISTINCT partition_key_temporal(ts, 'month')) FROM events").fetchall()[0][0]
            results.append(("key", (k, None)))

    def worker(n):
        cur = con.cursor()
        try:
            calls(cur, n, results)
        except Exception as e:  # noqa: BLE001 - any error fails the test
            errors.append(f"thread {n}: {e}")
        finally:
            cur.close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIME_LIMIT_S)
    elapsed = time.monotonic() - start
    checks.true(not any(t.is_alive() for t in threads), f"all threads finished within {TIME_LIMIT_S} s (deadlock?)")
    checks.equal(errors, [], "no thread saw an error")
    checks.equal(len(results), THREADS * CALLS * 2, "every call returned")
    for g, got in results:
        if g == "key":
            checks.equal(got[0], 4, "key function result under concurrency")
        else:
            checks.equal(got, expected[g], f"manifest for {g} under concurrency")
    sequential = []
    start = time.monotonic()
    cur = con.cursor()
    for n in range(THREADS):
        calls(cur, n, sequential)
    one_by_one = time.monotonic() - start
    checks.equal(sorted(sequential, key=str), sorted(results, key=str), "the same calls one after another give the same results")
    print(f"  {THREADS} threads x {CALLS} manifests in {elapsed:.1f} s; the same {THREADS * CALLS} calls one after another: {one_by_one:.1f} s")
    checks.done(minimum=THREADS * CALLS)


if __name__ == "__main__":
    run(main)
