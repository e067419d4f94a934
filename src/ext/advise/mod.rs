//! Which strategy to partition by.
//!
//! ```sql
//! FROM partext.partition_advise('events');
//! ```
//!
//! The macro (`partition_advise.sql`) takes every column's approximate distinct count, minimum
//! and maximum and the average row size in one aggregate pass; `partext_advise` ranks the
//! plans (`core::advise`).

mod partext_advise;

use duckdb::Connection;

use crate::ext::manifest_rows::Rows;

/// The `partext.partition_advise` table macro.
pub const MACRO: &str = include_str!("partition_advise.sql");

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<Rows<partext_advise::PartextAdvise>>("partext_advise")?;
    Ok(())
}
