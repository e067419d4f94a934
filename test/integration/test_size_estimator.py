"""The size estimator (estimated_bytes) against the same quantity computed exactly over all rows.

estimated_bytes is the uncompressed in-memory size: fixed-width columns at their width,
VARCHAR/BLOB 16 bytes plus their length, LIST/MAP 16 bytes plus their elements, STRUCT the sum of
its fields. partext estimates it from a seeded sample; the exact value here is computed in SQL
written out by hand for the test schema. Data: short, long and mixed strings, lists, structs and
maps, 400,000 rows (so the estimator samples).
"""
from common import Checks, connect, run

EXACT = """
SELECT sum(
    8
  + 16 + strlen(short_s)
  + 16 + strlen(long_s)
  + 16 + strlen(mixed_s)
  + 16 + coalesce(list_sum(list_transform(tags, lambda t: 16 + strlen(t))), 0)
  + 4 + 16 + strlen(st.b)
  + 16 + coalesce(list_sum(list_transform(map_keys(m), lambda k: 16 + strlen(k))), 0) + 4 * cardinality(m)
) FROM sized
"""


def main():
    checks = Checks("size estimator")
    con = connect()
    con.execute("""CREATE TABLE sized AS SELECT
        i AS id,
        repeat('s', 1 + i % 5) AS short_s,
        repeat('L', 200 + (i * 7919) % 1800) AS long_s,
        CASE WHEN i % 10 = 0 THEN repeat('m', 500 + i % 1000) ELSE repeat('m', i % 3) END AS mixed_s,
        list_transform(range(i % 11), lambda k: 'tag' || k) AS tags,
        {'a': CAST(i AS INTEGER), 'b': repeat('b', i % 40)} AS st,
        map(list_transform(range(i % 4), lambda k: 'key' || k), list_transform(range(i % 4), lambda k: CAST(k AS INTEGER))) AS m
      FROM range(400000) t(i)""")
    exact = con.execute(EXACT).fetchone()[0]
    for call in ["partext.partition_hash('sized', 'id', 1)", "partext.chunk_plan('sized', 1024)", "partext.partition_range('sized', 'id', 4)"]:
        est = con.execute(f"SELECT sum(estimated_bytes) FROM {call}").fetchone()[0]
        again = con.execute(f"SELECT sum(estimated_bytes) FROM {call}").fetchone()[0]
        error = est / exact - 1
        print(f"  {call}: estimated {est:,} vs exact {exact:,} ({error:+.2%})")
        checks.true(abs(error) <= 0.25, f"{call}: estimate {est} within 25% of exact {exact}")
        checks.equal(again, est, f"{call}: the estimate is deterministic")
    # Fixed-width only: exact by construction.
    con.execute("CREATE TABLE fixed AS SELECT i AS a, CAST(i AS INTEGER) AS b, CAST(i AS DECIMAL(18,2)) AS c, [1.0, 2.0]::DOUBLE[2] AS d FROM range(300000) t(i)")
    est = con.execute("SELECT sum(estimated_bytes) FROM partext.partition_hash('fixed', 'a', 3)").fetchone()[0]
    checks.true(abs(est - 300000 * (8 + 4 + 8 + 16)) <= 3, f"fixed-width rows are exact: {est}")
    checks.done(minimum=7)


if __name__ == "__main__":
    run(main)
