"""partext for DuckDB's Python client: the extension binary for every supported DuckDB version.

    import duckdb, duckdb_extension_partext
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    duckdb_extension_partext.load(con)       # install into DuckDB's extension directory, then LOAD
    con.sql("FROM partext.partition_temporal('events', 'ts', 'month')")

`write(con, tbl, path, strategy, col, arg, **options)` writes every partition of a dataset
larger than memory with partext.write_plan's passes: a progress bar, resumable after a kill, and
a pass that runs out of memory split in two (see `duckdb_extension_partext.writer`).

`install(con)` copies the binary for the connection's DuckDB version into DuckDB's extension
directory (`INSTALL '<file>'`), after which `LOAD partext` works by name in any database of that
version, the DuckDB shell included. partext is not signed by DuckDB, so the connection needs
`allow_unsigned_extensions`.
"""
import os

from .writer import write

__all__ = ["SUPPORTED", "extension_path", "install", "load", "write"]

_HERE = os.path.dirname(os.path.abspath(__file__))
# The DuckDB versions this wheel carries a binary for (one directory each under extensions/).
SUPPORTED = tuple(sorted(os.listdir(os.path.join(_HERE, "extensions"))))


def _version(con):
    return con.execute("SELECT version()").fetchone()[0].lstrip("v")


def extension_path(version):
    """The partext binary for DuckDB `version` ('2.0.1'); ValueError for an unsupported one."""
    version = version.lstrip("v")
    path = os.path.join(_HERE, "extensions", f"v{version}", "partext.duckdb_extension")
    if not os.path.exists(path):
        raise ValueError(
            f"partext has no binary for DuckDB {version}; this wheel supports DuckDB "
            f"{', '.join(v.lstrip('v') for v in SUPPORTED)}: install one of those (pip install duckdb==<version>)"
        )
    return path


def _installed(con):
    """(install_path, loaded) of partext in the connection's extension directory, or None."""
    row = con.execute("SELECT install_path, loaded FROM duckdb_extensions() WHERE extension_name = 'partext'").fetchone()
    return row if row and row[0] else None


def _same_file(a, b):
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def install(con):
    """Installs partext into DuckDB's extension directory for the connection's version.

    An installed partext that is not this wheel's binary (an older or newer build, or one
    installed from a repository) is replaced: the wheel you installed is the one that loads."""
    path = extension_path(_version(con))
    installed = _installed(con)
    if installed and _same_file(installed[0], path):
        return path
    force = "FORCE " if installed else ""
    con.execute(force + "INSTALL '" + path.replace("'", "''") + "'")
    return path


def load(con):
    """Installs partext (see install) and loads it into the connection.

    A process keeps the first partext it loaded: if one is loaded already and the wheel's binary
    differs, load() warns that the new one takes effect in a new process."""
    before = _installed(con)
    path = install(con)
    if before and before[1] and not _same_file(before[0], path):
        import warnings

        warnings.warn(
            "another partext build was already loaded in this process; the wheel's binary is now installed "
            "and loads in a new process",
            RuntimeWarning,
            stacklevel=2,
        )
    try:
        con.execute("LOAD partext")
    except Exception as e:  # the host's own error type, re-raised with the fix
        if "unsigned" in str(e).lower() or "signature" in str(e).lower():
            raise RuntimeError(
                "partext is not signed by DuckDB: connect with "
                "duckdb.connect(config={'allow_unsigned_extensions': 'true'}) and load it again"
            ) from e
        raise
