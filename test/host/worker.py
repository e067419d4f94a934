"""Executes SQL for partext's sqllogictest runner inside one DuckDB Python host.

Protocol: one JSON request per line on stdin, one JSON reply per line on stdout.
  {"op": "reset", "dir": "/tmp/x"}           -> new in-memory database, partext loaded, cwd = dir
  {"op": "statement", "sql": "..."}          -> {"ok": true} or {"ok": false, "error": "..."}
  {"op": "query", "sql": "..."}              -> {"ok": true, "rows": [["v", ...], ...]} or an error
Query values are rendered as DuckDB casts them to VARCHAR; NULL is "NULL", '' is "(empty)".
"""
import json
import os
import sys

import duckdb

EXTENSION = os.path.abspath(sys.argv[1])


def connect():
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{EXTENSION}'")
    con.execute("SET TimeZone = 'UTC'")
    return con


def render(v):
    if v is None:
        return "NULL"
    if v == "":
        return "(empty)"
    return v


def main():
    con = None
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "reset":
                if con is not None:
                    con.close()
                os.chdir(req["dir"])
                con = connect()
                reply = {"ok": True, "version": duckdb.__version__}
            elif op == "statement":
                con.execute(req["sql"])
                reply = {"ok": True}
            elif op == "query":
                rel = con.sql(req["sql"])
                if rel is None:
                    reply = {"ok": True, "rows": []}
                else:
                    text = rel.query("partext_result", "SELECT COLUMNS(*)::VARCHAR FROM partext_result")
                    rows = [[render(v) for v in row] for row in text.fetchall()]
                    reply = {"ok": True, "rows": rows}
            else:
                reply = {"ok": False, "error": f"unknown op {op}"}
        except duckdb.Error as e:
            reply = {"ok": False, "error": str(e)}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
