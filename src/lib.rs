//! partext: plan how to split a dataset that may be larger than memory, inside DuckDB.
//!
//! `core` is pure Rust; `ext` is the DuckDB layer that registers the SQL functions.

pub mod core;
pub mod ext;

use duckdb::Connection;
use duckdb::duckdb_entrypoint_c_api;

/// Entry point DuckDB calls on `LOAD 'partext'`. `min_duckdb_version` is the C API version
/// partext needs; the Makefile writes the same value into the extension's metadata footer.
#[duckdb_entrypoint_c_api(ext_name = "partext", min_duckdb_version = "v1.5.6")]
pub fn partext_init(conn: Connection) -> Result<(), Box<dyn std::error::Error>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || ext::register_all(conn).map_err(|e| e.to_string())))
        .unwrap_or_else(|_| Err("partext failed to load: internal error during registration".to_string()))
        .map_err(Into::into)
}
