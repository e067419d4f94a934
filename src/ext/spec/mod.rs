//! Partitions by an Iceberg partition spec: several fields, one partition per combination.
//!
//! ```sql
//! FROM partext.partition_by('events', 'month(ts), bucket(16, user_id)');
//! COPY (FROM partext.partition_keys('events', 'month(ts), bucket(16, user_id)'))
//!   TO 'out' (FORMAT parquet, PARTITION_BY (ts_month, user_id_bucket));
//! SELECT partition_key(ts, 'month'), partition_key(user_id, 'bucket(16)') FROM events;
//! ```
//!
//! The macros (`partition_by.sql`, `partition_keys.sql`) run the query `partext_spec_sql`
//! writes for the spec (`core::spec`): partition_by's scan groups the rows by each field's
//! human string from the key function `partition_key`, and `partext_spec_manifest` turns the
//! groups into manifest rows; partition_keys adds the same key columns to the source's rows.
//! Both call the one key function, so a manifest's partitions and a user's own grouping agree.

mod partext_spec_manifest;
mod partext_spec_sql;
mod partition_key;

use duckdb::Connection;

use crate::ext::manifest_rows::Rows;

/// The `partext.partition_by` and `partext.partition_keys` table macros.
pub const MACRO: &str = include_str!("partition_by.sql");

/// The manifest function, named in its native functions' messages.
pub const NAME: &str = "partition_by";

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partition_key::PartitionKey>("partition_key")?;
    conn.register_scalar_function::<partext_spec_sql::PartextSpecSql>("partext_spec_sql")?;
    conn.register_scalar_function::<Rows<partext_spec_manifest::PartextSpecManifest>>("partext_spec_manifest")?;
    Ok(())
}
