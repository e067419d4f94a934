//! Partitions by Iceberg hash bucket.
//!
//! ```sql
//! FROM partext.partition_hash('events', 'user_id', 16);
//! COPY (SELECT *, partition_key_hash(user_id, 16) AS bucket FROM events) TO 'out' (PARTITION_BY (bucket));
//! ```
//!
//! The macro (`partition_hash.sql`) groups its source once by `partition_key_hash` itself (one
//! murmur3 hash a row, `core::hash`), so the manifest and the key function cannot disagree;
//! `partext_hash_manifest` lists every bucket, empty ones included.

mod partext_hash_manifest;
mod partition_key_hash;

use duckdb::Connection;

use crate::ext::manifest_rows::Rows;

/// The `partext.partition_hash` table macro.
pub const MACRO: &str = include_str!("partition_hash.sql");

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partition_key_hash::PartitionKeyHash>("partition_key_hash")?;
    conn.register_scalar_function::<Rows<partext_hash_manifest::PartextHashManifest>>("partext_hash_manifest")?;
    Ok(())
}
