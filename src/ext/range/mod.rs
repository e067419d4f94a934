//! Partitions by value range.
//!
//! ```sql
//! FROM partext.partition_range('events', 'amount', 16);
//! COPY (SELECT *, partition_key_range(amount, [10, 20, 40]) AS part FROM events) TO 'out' (PARTITION_BY (part));
//! ```
//!
//! The macro (`partition_range.sql`) reads a seeded sample of the key
//! (`partext_range_sample_sql`), picks equi-depth bounds from it (`partext_range_bounds`,
//! `core::range`), counts each range with `partition_key_range` (a binary search a row) and
//! writes the rows with `partext_range_manifest`.

mod partext_range_bounds;
mod partext_range_manifest;
mod partext_range_sample_sql;
mod partition_key_range;
mod values;

use duckdb::Connection;

use crate::ext::manifest_rows::Rows;

/// The `partext.partition_range` table macro.
pub const MACRO: &str = include_str!("partition_range.sql");

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partition_key_range::PartitionKeyRange>("partition_key_range")?;
    conn.register_scalar_function::<partext_range_sample_sql::PartextRangeSampleSql>("partext_range_sample_sql")?;
    conn.register_scalar_function::<partext_range_bounds::PartextRangeBounds>("partext_range_bounds")?;
    conn.register_scalar_function::<Rows<partext_range_manifest::PartextRangeManifest>>("partext_range_manifest")?;
    Ok(())
}
