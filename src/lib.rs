//! partext: plan how to split a dataset that may be larger than memory, inside DuckDB.
//!
//! `core` is pure Rust; `ext` is the DuckDB layer that registers the SQL functions.

pub mod core;
pub mod ext;

/// Entry point DuckDB calls on `LOAD partext`; `ext::entry` loads partext (and holds the C API
/// version it needs, which the Makefile also writes into the metadata footer).
///
/// # Safety
/// DuckDB calls it with the extension info and access struct of the load in progress.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn partext_init_c_api(
    info: duckdb::ffi::duckdb_extension_info,
    access: *const duckdb::ffi::duckdb_extension_access,
) -> bool {
    unsafe { ext::entry::load(info, access) }
}
