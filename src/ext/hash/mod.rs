//! Partitions by Iceberg hash bucket.
//!
//! ```sql
//! FROM partext.partition_hash('events', 'user_id', 16);
//! COPY (SELECT *, partition_key_hash(user_id, 16) AS bucket FROM events) TO 'out' (PARTITION_BY (bucket));
//! ```
//!
//! The macro (`partition_hash.sql`) counts its source's rows per bucket in one scan with the
//! native aggregate `partext_hash_counts` (one murmur3 hash and one array slot a row,
//! `core::hash`); the aggregate and the key function `partition_key_hash` hash each row with the
//! same [`row_hash`], so the manifest and the key function cannot disagree.
//! `partext_hash_manifest` lists every bucket, empty ones included.

mod partext_hash_counts;
mod partext_hash_manifest;
mod partition_key_hash;

use duckdb::core::LogicalTypeId;
use duckdb::Connection;

use crate::core::error::Error;
use crate::core::hash::{hash_bytes, hash_decimal, hash_long, hash_unsigned, hash_uuid, hash_wide, SUPPORTED};
use crate::ext::manifest_rows::Rows;
use crate::ext::vector::{string_bytes, Cell, Column};

/// The `partext.partition_hash` table macro.
pub const MACRO: &str = include_str!("partition_hash.sql");

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partition_key_hash::PartitionKeyHash>("partition_key_hash")?;
    conn.register_scalar_function::<Rows<partext_hash_manifest::PartextHashManifest>>("partext_hash_manifest")?;
    Ok(())
}

/// Registers `partext_hash_counts`, an aggregate, on a raw connection.
///
/// # Safety
/// `con` must be a live connection.
pub unsafe fn register_aggregates(con: duckdb::ffi::duckdb_connection) -> Result<(), Error> {
    unsafe { crate::ext::key_counts::register::<partext_hash_counts::PartextHashCounts>(con) }
}

/// Iceberg's hash of row `row` of `column` (`core::hash` documents the encodings); None for
/// types Iceberg cannot bucket.
#[inline]
pub(crate) fn row_hash(column: &Column, row: usize) -> Option<i32> {
    Some(match column {
        // The common key types, without the per-row dispatch of `Cell`.
        Column::I64(v) => hash_long(v[row]),
        Column::I32(v) | Column::Date(v) => hash_long(i64::from(v[row])),
        Column::Strings(v) => hash_bytes(string_bytes(&v[row])),
        other => match other.cell(row) {
            Cell::Signed(v) => hash_wide(v),
            Cell::Unsigned(v) => hash_unsigned(v),
            Cell::Decimal(v, _) => hash_decimal(v),
            Cell::Date(d) => hash_long(i64::from(d)),
            Cell::Time(us) => hash_long(us),
            Cell::Timestamp(v, unit) => {
                let micros = (i128::from(v) * unit.nanos()).div_euclid(1_000);
                hash_long(i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX }))
            }
            Cell::Bytes(b) => hash_bytes(b),
            Cell::Uuid(u) => hash_uuid(u),
            Cell::Float(_) => return None,
        },
    })
}

/// The error for a key type Iceberg cannot bucket.
fn unsupported(id: LogicalTypeId) -> Error {
    Error::user(format!(
        "values of type {} cannot be bucketed (Iceberg buckets no FLOAT, DOUBLE or BOOLEAN); supported types: {SUPPORTED}",
        format!("{id:?}").to_uppercase()
    ))
}
