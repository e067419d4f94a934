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

use crate::core::error::Error;
use crate::core::source::from_sql;
use crate::core::spec::{ManifestOutput, PartitionSpec};
use crate::ext::manifest_rows::Rows;

/// The `partext.partition_by` and `partext.partition_keys` table macros.
pub const MACRO: &str = include_str!("partition_by.sql");

/// The manifest function, named in its native functions' messages.
pub const NAME: &str = "partition_by";

/// The query that lists `spec_text`'s partitions over `tbl` (`core::spec::PartitionSpec::manifest_sql`),
/// for partition_by's manifest or write_plan's partitions (`output`); `function` names the
/// caller in the row-size query's messages.
pub fn manifest_query(tbl: &str, spec_text: &str, function: &str, output: ManifestOutput) -> Result<String, Error> {
    let source = from_sql(tbl)?;
    let spec = PartitionSpec::parse(spec_text)?;
    spec.check_names()?;
    let row_bytes = crate::ext::macros::row_bytes_sql(function, &crate::core::sql::quote_literal(tbl));
    Ok(spec.manifest_sql(spec_text, tbl, &source.from_sql, &row_bytes, output))
}

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partition_key::PartitionKey>("partition_key")?;
    conn.register_scalar_function::<partext_spec_sql::PartextSpecSql>("partext_spec_sql")?;
    conn.register_scalar_function::<Rows<partext_spec_manifest::PartextSpecManifest>>("partext_spec_manifest")?;
    Ok(())
}
