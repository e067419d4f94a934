//! The DuckDB layer: one file per registered function, argument checks, the internal
//! connection, and the one aggregate scan. All unsafe code of partext lives here.

mod args;
mod chunk_plan;
mod files;
mod internal;
mod manifest;
mod output;
mod partext_version;
mod partition_advise;
mod partition_hash;
mod partition_range;
mod partition_key_hash;
mod partition_key_range;
mod partition_key_temporal;
mod partition_temporal;
mod read_airbyte;
mod scan;
mod source;
mod vector;

use std::sync::Arc;

use duckdb::Connection;

use internal::InternalConnection;
use manifest::Manifest;

/// Registers every partext function on the database behind `conn`, and keeps `conn` as the
/// internal connection that manifest functions query through.
pub fn register_all(conn: Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partext_version::PartextVersion>("partext_version")?;
    conn.register_scalar_function::<partition_key_temporal::PartitionKeyTemporal>("partition_key_temporal")?;
    conn.register_scalar_function::<partition_key_hash::PartitionKeyHash>("partition_key_hash")?;
    conn.register_scalar_function::<partition_key_range::PartitionKeyRange>("partition_key_range")?;
    let worker = conn.try_clone()?;
    let internal: Arc<InternalConnection> = InternalConnection::start(worker)?;
    conn.register_table_function_with_extra_info::<Manifest<partition_temporal::PartitionTemporal>, _>("partition_temporal", &internal)?;
    conn.register_table_function_with_extra_info::<Manifest<partition_hash::PartitionHash>, _>("partition_hash", &internal)?;
    conn.register_table_function_with_extra_info::<Manifest<partition_range::PartitionRange>, _>("partition_range", &internal)?;
    conn.register_table_function_with_extra_info::<Manifest<chunk_plan::ChunkPlan>, _>("chunk_plan", &internal)?;
    conn.register_table_function_with_extra_info::<Manifest<partition_advise::PartitionAdvise>, _>("partition_advise", &internal)?;
    conn.register_table_function_with_extra_info::<read_airbyte::ReadAirbyte, _>("read_airbyte", &internal)?;
    Ok(())
}
