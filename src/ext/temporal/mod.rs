//! Partitions by calendar period.
//!
//! ```sql
//! FROM partext.partition_temporal('events', 'ts', 'month');
//! COPY (SELECT *, partition_key_temporal(ts, 'month') AS period FROM events) TO 'out' (PARTITION_BY (period));
//! ```
//!
//! The macro (`partition_temporal.sql`) scans its source once with the native aggregate
//! `partext_temporal_counts` (rows per fine unit: one floor division a row), then
//! `partext_temporal_manifest` rolls the units up into periods (`core::temporal`);
//! `partition_key_temporal` gives each row the period's label, the same as the manifest's.

mod partext_temporal_counts;
mod partext_temporal_manifest;
mod partition_key_temporal;

use duckdb::core::LogicalTypeId;
use duckdb::Connection;

use crate::core::types::TemporalType;
use crate::ext::manifest_rows::Rows;

/// The `partext.partition_temporal` table macro.
pub const MACRO: &str = include_str!("partition_temporal.sql");

/// The manifest function, named in its native functions' messages.
pub const NAME: &str = "partition_temporal";

/// The temporal type of a DuckDB column type, if it has one.
pub fn temporal_type_of(id: LogicalTypeId) -> Option<TemporalType> {
    Some(match id {
        LogicalTypeId::Date => TemporalType::Date,
        LogicalTypeId::Timestamp => TemporalType::Timestamp,
        LogicalTypeId::TimestampS => TemporalType::TimestampS,
        LogicalTypeId::TimestampMs => TemporalType::TimestampMs,
        LogicalTypeId::TimestampNs => TemporalType::TimestampNs,
        LogicalTypeId::TimestampTZ => TemporalType::TimestampTz,
        _ => return None,
    })
}

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partition_key_temporal::PartitionKeyTemporal>("partition_key_temporal")?;
    conn.register_scalar_function::<Rows<partext_temporal_manifest::PartextTemporalManifest>>("partext_temporal_manifest")?;
    Ok(())
}

/// Registers `partext_temporal_counts`, an aggregate, on a raw connection.
///
/// # Safety
/// `con` must be a live connection.
pub unsafe fn register_aggregates(con: duckdb::ffi::duckdb_connection) -> Result<(), crate::core::error::Error> {
    unsafe { crate::ext::key_counts::register::<partext_temporal_counts::PartextTemporalCounts>(con) }
}
