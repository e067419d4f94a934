# Declares partext for DuckDB's CMake-based extension builds (for example when partext is built
# inside a DuckDB source tree or by DuckDB's extension CI tooling).
#
# partext itself is built with cargo: `make` runs `cargo build --release` and appends DuckDB's
# metadata footer. The cargo build does not read this file.
duckdb_extension_load(partext
    SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
    LOAD_TESTS
)
