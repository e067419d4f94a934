//! The DuckDB layer: one file per registered function, the macros that shape the manifests,
//! argument reading and manifest rows. All unsafe code of partext lives here.

mod args;
pub mod entry;
mod files;
mod macros;
mod manifest_rows;
mod partext_advise;
mod partext_chunk_column;
mod partext_chunk_manifest;
mod partext_chunk_sql;
mod partext_column;
mod partext_count_arg;
mod partext_hash_manifest;
mod partext_key_check;
mod partext_range_bounds;
mod partext_range_manifest;
mod partext_range_sample_sql;
mod partext_row_bytes;
mod partext_row_columns;
mod partext_scan_sql;
mod partext_source;
mod partext_temporal_counts;
mod partext_temporal_manifest;
mod partext_version;
mod partext_write_manifest_sql;
mod partext_write_plan;
mod partition_key_hash;
mod partition_key_range;
mod partition_key_temporal;
mod read_airbyte;
mod vector;

use duckdb::{ffi, Connection};

/// Registers partext's aggregate functions on a raw connection of the database being loaded.
///
/// # Safety
/// `con` must be a live connection.
pub unsafe fn register_aggregates(con: ffi::duckdb_connection) -> Result<(), String> {
    unsafe { partext_temporal_counts::register(con) }
}

/// Registers every partext function on the database behind `conn` and creates the manifest
/// macros; `conn` is closed when this returns.
pub fn register_all(conn: Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partext_version::PartextVersion>("partext_version")?;
    conn.register_scalar_function::<partition_key_temporal::PartitionKeyTemporal>("partition_key_temporal")?;
    conn.register_scalar_function::<partition_key_hash::PartitionKeyHash>("partition_key_hash")?;
    conn.register_scalar_function::<partition_key_range::PartitionKeyRange>("partition_key_range")?;
    conn.register_scalar_function::<partext_source::PartextSource>("partext_source")?;
    conn.register_scalar_function::<partext_column::PartextColumn>("partext_column")?;
    conn.register_scalar_function::<partext_row_bytes::PartextRowBytes>("partext_row_bytes")?;
    conn.register_scalar_function::<partext_row_columns::PartextRowColumns>("partext_row_columns")?;
    conn.register_scalar_function::<partext_scan_sql::PartextScanSql>("partext_scan_sql")?;
    conn.register_scalar_function::<manifest_rows::Rows<partext_temporal_manifest::PartextTemporalManifest>>("partext_temporal_manifest")?;
    conn.register_scalar_function::<partext_key_check::PartextKeyCheck>("partext_key_check")?;
    conn.register_scalar_function::<partext_count_arg::PartextCountArg>("partext_count_arg")?;
    conn.register_scalar_function::<manifest_rows::Rows<partext_hash_manifest::PartextHashManifest>>("partext_hash_manifest")?;
    conn.register_scalar_function::<partext_range_sample_sql::PartextRangeSampleSql>("partext_range_sample_sql")?;
    conn.register_scalar_function::<partext_range_bounds::PartextRangeBounds>("partext_range_bounds")?;
    conn.register_scalar_function::<manifest_rows::Rows<partext_range_manifest::PartextRangeManifest>>("partext_range_manifest")?;
    conn.register_scalar_function::<partext_chunk_sql::PartextChunkSql>("partext_chunk_sql")?;
    conn.register_scalar_function::<partext_write_manifest_sql::PartextWriteManifestSql>("partext_write_manifest_sql")?;
    conn.register_scalar_function::<manifest_rows::Rows<partext_write_plan::PartextWritePlan>>("partext_write_plan")?;
    conn.register_scalar_function::<partext_chunk_column::PartextChunkColumn>("partext_chunk_column")?;
    conn.register_scalar_function::<partext_chunk_manifest::PartextChunkUnit>("partext_chunk_unit")?;
    conn.register_scalar_function::<manifest_rows::Rows<partext_chunk_manifest::PartextChunkManifest>>("partext_chunk_manifest")?;
    conn.register_scalar_function::<manifest_rows::Rows<partext_advise::PartextAdvise>>("partext_advise")?;
    conn.register_table_function::<read_airbyte::ReadAirbyte>("read_airbyte")?;
    macros::create_all(&conn)?;
    Ok(())
}
