"""Shared helpers for partext's integration tests: a DuckDB connection with partext loaded."""
import os
import sys

import duckdb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXTENSION = os.environ.get("PARTEXT_EXTENSION", os.path.join(ROOT, "build", "release", "partext.duckdb_extension"))


def connect(path=":memory:"):
    con = duckdb.connect(path, config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{EXTENSION}'")
    con.execute("SET TimeZone = 'UTC'")
    return con


def quote_literal(s):
    return "'" + s.replace("'", "''") + "'"


def quote_ident(s):
    return '"' + s.replace('"', '""') + '"'


class Checks:
    """Counts assertions so a test that checks nothing cannot pass."""

    def __init__(self, name):
        self.name = name
        self.count = 0

    def equal(self, actual, expected, what):
        self.count += 1
        if actual != expected:
            raise AssertionError(f"{self.name}: {what}: expected {expected!r}, got {actual!r}")

    def true(self, cond, what):
        self.count += 1
        if not cond:
            raise AssertionError(f"{self.name}: {what}")

    def done(self, minimum=1):
        if self.count < minimum:
            raise AssertionError(f"{self.name}: only {self.count} checks ran (expected at least {minimum})")
        print(f"{self.name} (DuckDB {duckdb.__version__}): {self.count} checks passed")
        sys.stdout.flush()


def run(main):
    """Runs a test's main; a failed check prints FAIL and exits non-zero."""
    try:
        main()
    except AssertionError as e:
        print(f"FAIL {e}")
        sys.exit(1)
