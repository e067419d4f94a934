//! The statements that write every partition within memory_limit.
//!
//! ```sql
//! FROM partext.write_plan('events', 'out', 'temporal', 'ts', 'day');
//! ```
//!
//! The macro (`write_plan.sql`) runs the strategy's manifest (`partext_write_manifest_sql`),
//! then `partext_write_plan` packs its partitions into passes that fit the budget with the
//! source's scan (`core::write_plan`, `core::scan`) and writes one COPY statement a pass; where
//! the key is not clustered in the source and the partitions need many passes, the plan
//! distributes the rows into groups first (`core::distribute`), and its last statement removes
//! the groups' files with `partext_remove_temp`.

mod partext_remove_temp;
mod partext_write_manifest_sql;
mod partext_write_plan;

use duckdb::Connection;

use crate::ext::manifest_rows::Rows;

/// The `partext.write_plan` table macro.
pub const MACRO: &str = include_str!("write_plan.sql");

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partext_write_manifest_sql::PartextWriteManifestSql>("partext_write_manifest_sql")?;
    conn.register_scalar_function::<Rows<partext_write_plan::PartextWritePlan>>("partext_write_plan")?;
    conn.register_scalar_function::<partext_remove_temp::PartextRemoveTemp>("partext_remove_temp")?;
    Ok(())
}
