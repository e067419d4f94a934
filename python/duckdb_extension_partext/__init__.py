"""partext for DuckDB's Python client: the extension binary for every supported DuckDB version.

    import duckdb, duckdb_extension_partext
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    duckdb_extension_partext.load(con)       # install into DuckDB's extension directory, then LOAD
    con.sql("FROM partext.partition_temporal('events', 'ts', 'month')")

`install(con)` copies the binary for the connection's DuckDB version into DuckDB's extension
directory (`INSTALL '<file>'`), after which `LOAD partext` works by name in any database of that
version, the DuckDB shell included. partext is not signed by DuckDB, so the connection needs
`allow_unsigned_extensions`.
"""
import os

__all__ = ["SUPPORTED", "extension_path", "install", "load"]

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


def install(con):
    """Installs partext into DuckDB's extension directory for the connection's version."""
    path = extension_path(_version(con))
    con.execute("INSTALL '" + path.replace("'", "''") + "'")
    return path


def load(con):
    """Installs partext (see install) and loads it into the connection."""
    install(con)
    try:
        con.execute("LOAD partext")
    except Exception as e:  # the host's own error type, re-raised with the fix
        if "unsigned" in str(e).lower() or "signature" in str(e).lower():
            raise RuntimeError(
                "partext is not signed by DuckDB: connect with "
                "duckdb.connect(config={'allow_unsigned_extensions': 'true'}) and load it again"
            ) from e
        raise
