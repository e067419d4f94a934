"""partition_key_hash against an independent Iceberg bucket[N] computed in Python with mmh3.

Iceberg's encodings (table spec, Appendix B): ints, longs, dates (days), times (µs) and
timestamps (µs) as 8-byte little-endian longs; strings as UTF-8; decimals as the minimal
big-endian two's-complement bytes of the unscaled value; UUIDs as 16 big-endian bytes; binary raw.
"""
import random
import uuid
from decimal import Decimal

import mmh3

from common import Checks, connect, run


def long_bytes(v):
    return int(v).to_bytes(8, "little", signed=True)


def decimal_bytes(unscaled):
    n = max(1, (unscaled.bit_length() + 8) // 8)
    return unscaled.to_bytes(n, "big", signed=True)


def bucket(data, n):
    return (mmh3.hash(data, 0, signed=True) & 0x7FFFFFFF) % n


def main():
    checks = Checks("iceberg buckets")
    rng = random.Random(1127)
    con = connect()
    n = 1000
    ints = [rng.randint(-2**63, 2**63 - 1) if i % 3 else rng.randint(-1000, 1000) for i in range(n)]
    strings = ["".join(rng.choice("abcé€😀 xyz") for _ in range(rng.randint(0, 30))) for _ in range(n)]
    days = [rng.randint(-200_000, 200_000) for _ in range(n)]
    micros = [rng.randint(-2**50, 2**50) for _ in range(n)]
    unscaled = [rng.randint(-10**17, 10**17) for _ in range(n)]
    uuids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(n)]
    blobs = [bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40))) for _ in range(n)]
    con.execute("""CREATE TABLE v AS SELECT * FROM (SELECT
        unnest(?::BIGINT[]) AS i, unnest(?::VARCHAR[]) AS s, unnest(?::INTEGER[]) AS d, unnest(?::BIGINT[]) AS us,
        unnest(?::VARCHAR[]) AS dec_text, unnest(?::VARCHAR[]) AS u, unnest(?::BLOB[]) AS b, generate_subscripts(?::BIGINT[], 1) AS pos)""",
                [ints, strings, days, micros, [str(Decimal(x).scaleb(-4)) for x in unscaled], [str(u) for u in uuids], blobs, ints])
    for buckets in [1, 7, 100, 65536]:
        got = con.execute(f"""SELECT partition_key_hash(i, {buckets}), partition_key_hash(s, {buckets}),
                 partition_key_hash(DATE '1970-01-01' + d, {buckets}), partition_key_hash(make_timestamp(us), {buckets}),
                 partition_key_hash(CAST(make_timestamp(us) AS TIMESTAMPTZ), {buckets}),
                 partition_key_hash(CAST(dec_text AS DECIMAL(18,4)), {buckets}), partition_key_hash(CAST(u AS UUID), {buckets}),
                 partition_key_hash(b, {buckets}), partition_key_hash(CAST(i AS HUGEINT), {buckets})
              FROM v ORDER BY pos""").fetchall()
        for k in range(n):
            expected = (
                bucket(long_bytes(ints[k]), buckets),
                bucket(strings[k].encode("utf-8"), buckets),
                bucket(long_bytes(days[k]), buckets),
                bucket(long_bytes(micros[k]), buckets),
                bucket(long_bytes(micros[k]), buckets),
                bucket(decimal_bytes(unscaled[k]), buckets),
                bucket(uuids[k].bytes, buckets),
                bucket(blobs[k], buckets),
                bucket(long_bytes(ints[k]), buckets),
            )
            checks.equal(got[k], expected, f"row {k} with {buckets} buckets")
    checks.done(minimum=4 * n)


if __name__ == "__main__":
    run(main)
