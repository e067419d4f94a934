"""read_airbyte's line reader and JSON scanner against Python's json module, on generated
Airbyte messages: lines far longer than the 1 MiB read buffer, CRLF endings, no newline at the
end of a file, blank lines, escapes and non-ASCII text, several files in one glob, and
malformed lines (reported with the right line number, or skipped with ignore_errors); records
with 100,000 fields in and out of catalog order; field names DuckDB would take for one column
(case) or for read_airbyte's own columns, renamed.
"""
import json
import os
import random
import tempfile

import duckdb

from common import Checks, connect, quote_literal, run

ALPHABET = "abcXYZ 019_-\"\\/\t\n\u00e9\u2603\U0001F600{}[]:,"


def text(rng, longest):
    n = rng.choice([0, 1, 5, 40, longest])
    return "".join(rng.choice(ALPHABET) for _ in range(min(n, 64))) * max(1, n // 64)


def message(rng, i, longest):
    kind = rng.random()
    if kind < 0.1:
        return {"type": "STATE", "state": {"data": {"cursor": i}}}
    if kind < 0.15:
        return {"type": "LOG", "log": {"level": "INFO", "message": text(rng, 100)}}
    data = {"id": i, "s": text(rng, longest), "x": rng.choice([None, rng.uniform(-1e9, 1e9), rng.randint(-10**15, 10**15)]),
            "o": rng.choice([None, {"k": [1, {"z": text(rng, 10)}]}, [], {}])}
    if rng.random() < 0.2:
        del data["o"]
    return {"type": "RECORD", "record": {"stream": "s", "data": data, "emitted_at": 1_700_000_000_000 + i}}


def main():
    checks = Checks("airbyte lines")
    rng = random.Random(7)
    catalog = {"streams": [{"name": "s", "json_schema": {"properties": {
        "id": {"type": "integer"}, "s": {"type": ["null", "string"]}, "x": {"type": "number"}, "o": {"type": "object"}}}}]}
    con = connect()
    with tempfile.TemporaryDirectory() as tmp:
        cat = os.path.join(tmp, "catalog.json")
        with open(cat, "w") as f:
            json.dump(catalog, f)
        expected = []
        for part in range(3):
            lines = []
            for i in range(part * 1000, part * 1000 + 1000):
                m = message(rng, i, longest=3_000_000 if i % 400 == 7 else 200)
                lines.append(json.dumps(m, ensure_ascii=rng.random() < 0.5))
                if m["type"] == "RECORD":
                    expected.append(m["record"]["data"])
                if rng.random() < 0.02:
                    lines.append("")
            ending = "\r\n" if part == 1 else "\n"
            with open(os.path.join(tmp, f"part{part}.jsonl"), "w", newline="") as f:
                # The last file ends without a newline.
                f.write(ending.join(lines) + ("" if part == 2 else ending))
        glob = quote_literal(os.path.join(tmp, "part*.jsonl"))
        rows = con.execute(f"""SELECT id, s, x, CAST(o AS VARCHAR), epoch_ms(_airbyte_emitted_at)
                               FROM read_airbyte({glob}, catalog := {quote_literal(cat)}) ORDER BY id""").fetchall()
        checks.equal(len(rows), len(expected), "record count")
        longest = 0
        for row, data in zip(rows, expected):
            checks.equal(row[0], data["id"], "id")
            checks.equal(row[1], data["s"], f"string of record {data['id']}")
            checks.true(row[2] == data["x"] or (data["x"] is not None and abs(row[2] - data["x"]) <= 1e-9 * abs(data["x"])), f"number of record {data['id']}")
            checks.equal(json.loads(row[3]) if row[3] is not None else None, data.get("o"), f"object of record {data['id']}")
            checks.equal(row[4], 1_700_000_000_000 + data["id"], "emitted_at")
            longest = max(longest, len(data["s"] or ""))
        checks.true(longest > 2_000_000, f"a string longer than the read buffer was read ({longest:,} characters)")

        # Malformed lines: the error names the right line of the right file; ignore_errors skips.
        bad = os.path.join(tmp, "bad.jsonl")
        good = [json.dumps({"type": "RECORD", "record": {"stream": "s", "data": {"id": i}, "emitted_at": i}}) for i in range(50)]
        for broken, what in [('{"type": "RECORD", "record": {"stream": "s", "data": {"id": 1,}}}', "not valid JSON"),
                             ('{"type": "RECORD", "record": {"stream": "s", "data": {"id": "\x01"}}}', "not valid JSON"),
                             ('{"type": "RECORD", "record": {"stream": "s", "data": 5}}', '"data" is not a JSON object'),
                             ('{"type": "RECORD", "record": {"stream": "s"}}', 'a RECORD without a "data" object'),
                             ("[]", "not valid JSON")]:
            at = rng.randrange(1, 50)
            with open(bad, "w") as f:
                f.write("\n".join(good[:at] + [broken] + good[at:]) + "\n")
            try:
                con.execute(f"SELECT count(*) FROM read_airbyte({quote_literal(bad)})").fetchall()
                checks.true(False, f"{broken} was accepted")
            except Exception as e:
                checks.true(f"line {at + 1} of {bad}: {what}" in str(e), f"error for {broken}: {e}")
            n = con.execute(f"SELECT count(*) FROM read_airbyte({quote_literal(bad)}, ignore_errors := true)").fetchone()[0]
            checks.equal(n, 50, f"ignore_errors skips {broken}")
        with open(bad, "wb") as f:
            f.write(("\n".join(good[:3]) + "\n").encode() + b'{"type": "LOG", "log": {"message": "\xff"}}\n')
        try:
            con.execute(f"SELECT count(*) FROM read_airbyte({quote_literal(bad)})").fetchall()
            checks.true(False, "invalid UTF-8 was accepted")
        except Exception as e:
            checks.true("line 4" in str(e) and "UTF-8" in str(e), f"error for invalid UTF-8: {e}")

        # A record of 100,000 fields, in catalog order and reversed (a 2 MB line each): every
        # field is read (lookup is linear in the record's size; timings in the issue notes).
        wide = os.path.join(tmp, "wide.jsonl")
        n = 100_000
        data = {f"f{i}": i * 3 for i in range(n)}
        with open(wide, "w") as f:
            for order in (data, dict(reversed(list(data.items()))), {"f7": 1}):
                f.write(json.dumps({"type": "RECORD", "record": {"stream": "w", "data": order, "emitted_at": 1}}) + "\n")
        wide_catalog = os.path.join(tmp, "wide_catalog.json")
        with open(wide_catalog, "w") as f:
            json.dump({"streams": [{"name": "w", "json_schema": {"properties": {k: {"type": "integer"} for k in data}}}]}, f)
        for how, extra in (("inferred", ""), ("from the catalog", f", catalog := {quote_literal(wide_catalog)}")):
            try:
                con.execute(f"SELECT f{n} FROM read_airbyte({quote_literal(wide)}{extra})")
                checks.true(False, f"a column f{n} was found ({how})")
            except duckdb.BinderException as e:
                checks.true(f"f{n}" in str(e), f"no column past the last field ({how}): {e}")
            sums = con.execute(f"SELECT count(*), sum(f0), sum(f7), sum(f{n - 1}), count(f{n - 1}) "
                               f"FROM read_airbyte({quote_literal(wide)}{extra})").fetchone()
            checks.equal(sums, (3, 0, 21 + 21 + 1, 2 * 3 * (n - 1), 2), f"fields of 100,000-field records ({how})")

        # Names DuckDB would give one column (they differ only in ASCII case, or are one of
        # read_airbyte's own columns) get the smallest free suffix _1, _2, ...; an empty name is _.
        clash = os.path.join(tmp, "clash.jsonl")
        fields = {"a": 1, "A": 2, "_airbyte_emitted_at": 3, "_AIRBYTE_META": 4, "": 5, "a_1": 6, "\u00e9": 7, "\u00c9": 8}
        with open(clash, "w") as f:
            for i in range(3):
                f.write(json.dumps({"type": "RECORD", "record": {"stream": "c", "data": {k: v * (i + 1) for k, v in fields.items()}, "emitted_at": i}}) + "\n")
        clash_catalog = os.path.join(tmp, "clash_catalog.json")
        with open(clash_catalog, "w") as f:
            json.dump({"streams": [{"name": "c", "json_schema": {"properties": {k: {"type": "integer"} for k in fields}}}]}, f)
        renamed = ["a", "A_1", "_airbyte_emitted_at_1", "_AIRBYTE_META_1", "_", "a_1_1", "\u00e9", "\u00c9", "_airbyte_emitted_at", "_airbyte_meta"]
        for how, extra in (("inferred", ""), ("from the catalog", f", catalog := {quote_literal(clash_catalog)}"),
                           ("ignore_errors", ", ignore_errors := true")):
            cur = con.execute(f"SELECT * REPLACE (epoch_ms(_airbyte_emitted_at) AS _airbyte_emitted_at) "
                              f"FROM read_airbyte({quote_literal(clash)}{extra}) ORDER BY a")
            checks.equal([d[0] for d in cur.description], renamed, f"renamed columns ({how})")
            rows = cur.fetchall()
            checks.equal([r[:8] for r in rows], [tuple(v * (i + 1) for v in fields.values()) for i in range(3)], f"renamed columns' values ({how})")
            checks.equal([r[8:] for r in rows], [(i, None) for i in range(3)], f"read_airbyte's own columns ({how})")
    checks.done(minimum=10_000)


if __name__ == "__main__":
    run(main)
