//! Memory-sized chunks of a table or Parquet file.
//!
//! ```sql
//! FROM partext.chunk_plan('events', 64);
//! ```
//!
//! The macro (`chunk_plan.sql`) reads a table's row count and highest `rowid`, or a Parquet
//! file's row groups from its metadata (`partext_chunk_sql`), and `partext_chunk_manifest` cuts
//! them into chunks of about the target size (`core::chunk`).

mod partext_chunk_column;
mod partext_chunk_manifest;
mod partext_chunk_sql;

use duckdb::Connection;

use crate::ext::manifest_rows::Rows;

/// The `partext.chunk_plan` table macro.
pub const MACRO: &str = include_str!("chunk_plan.sql");

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partext_chunk_sql::PartextChunkSql>("partext_chunk_sql")?;
    conn.register_scalar_function::<partext_chunk_column::PartextChunkColumn>("partext_chunk_column")?;
    conn.register_scalar_function::<partext_chunk_manifest::PartextChunkUnit>("partext_chunk_unit")?;
    conn.register_scalar_function::<Rows<partext_chunk_manifest::PartextChunkManifest>>("partext_chunk_manifest")?;
    Ok(())
}
