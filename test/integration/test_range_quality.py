"""partition_range quality on real data in the host: on 1,000,000 mostly distinct values the
largest of p ranges holds at most 1.25 x rows/p (p <= 64), and the same data gives the same bounds."""
import time

from common import Checks, connect, run


def main():
    checks = Checks("range quality")
    con = connect()
    # Deterministic, continuous, mostly distinct: a multiplicative hash of the row number.
    con.execute("CREATE TABLE big AS SELECT ((i * 2654435761) % 4294967296) / 4294967296.0 * 1000 AS x, "
                "CAST((i * 40503) % 1000000 AS BIGINT) AS y FROM range(1000000) t(i)")
    for col in ["x", "y"]:
        for p in [2, 10, 37, 64]:
            start = time.monotonic()
            rows = con.execute(f"SELECT row_count, lower FROM partext.partition_range('big', '{col}', {p})").fetchall()
            elapsed = time.monotonic() - start
            again = con.execute(f"SELECT row_count, lower FROM partext.partition_range('big', '{col}', {p})").fetchall()
            checks.equal(again, rows, f"deterministic bounds for {col}, p={p}")
            checks.equal(len(rows), p, f"{p} ranges for {col}")
            checks.equal(sum(r[0] for r in rows), 1_000_000, f"all rows counted for {col}, p={p}")
            largest = max(r[0] for r in rows)
            checks.true(largest <= 1.25 * 1_000_000 / p, f"largest range {largest} <= 1.25 x rows/p for {col}, p={p}")
            print(f"  {col} p={p}: largest/ideal = {largest * p / 1_000_000:.3f} ({elapsed:.2f} s)")
    checks.done(minimum=32)


if __name__ == "__main__":
    run(main)
