//! The DuckDB layer. Each strategy has a folder with its table macro and native functions
//! (`temporal/`, `hash/`, `range/`, `chunk/`, `spec/`, `write_plan/`, `advise/`, and `airbyte/` for
//! read_airbyte); what they share is here: argument reading (`args`), the manifest row writer
//! (`manifest_rows`), vector access, source text, column and key checks, row sizes, and
//! registration. All unsafe code of partext lives in this layer.

mod args;
pub mod entry;
mod key_counts;
mod macros;
mod manifest_rows;
mod partext_column;
mod partext_count_arg;
mod partext_key_check;
mod partext_row_bytes;
mod partext_row_columns;
mod partext_scan_sql;
mod partext_source;
mod partext_version;
mod vector;

mod advise;
mod airbyte;
mod chunk;
mod hash;
mod range;
mod spec;
mod temporal;
mod write_plan;

use duckdb::{ffi, Connection};

/// Registers partext's aggregate functions on a raw connection of the database being loaded.
///
/// # Safety
/// `con` must be a live connection.
pub unsafe fn register_aggregates(con: ffi::duckdb_connection) -> Result<(), String> {
    unsafe { temporal::register_aggregates(con).and_then(|()| hash::register_aggregates(con)) }
        .map_err(|e| format!("partext failed to load: {}", e.message()))
}

/// Registers every partext function on the database behind `conn` and creates the manifest
/// macros; `conn` is closed when this returns.
pub fn register_all(conn: Connection) -> Result<(), Box<dyn std::error::Error>> {
    // Shared by every strategy: sources, columns, argument checks, row sizes, scan facts.
    conn.register_scalar_function::<partext_version::PartextVersion>("partext_version")?;
    conn.register_scalar_function::<partext_source::PartextSource>("partext_source")?;
    conn.register_scalar_function::<partext_column::PartextColumn>("partext_column")?;
    conn.register_scalar_function::<partext_row_bytes::PartextRowBytes>("partext_row_bytes")?;
    conn.register_scalar_function::<partext_row_columns::PartextRowColumns>("partext_row_columns")?;
    conn.register_scalar_function::<partext_scan_sql::PartextScanSql>("partext_scan_sql")?;
    conn.register_scalar_function::<partext_key_check::PartextKeyCheck>("partext_key_check")?;
    conn.register_scalar_function::<partext_count_arg::PartextCountArg>("partext_count_arg")?;
    temporal::register(&conn)?;
    hash::register(&conn)?;
    range::register(&conn)?;
    chunk::register(&conn)?;
    write_plan::register(&conn)?;
    spec::register(&conn)?;
    advise::register(&conn)?;
    airbyte::register(&conn)?;
    macros::create_all(&conn)?;
    Ok(())
}
