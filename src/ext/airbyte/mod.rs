//! Airbyte protocol output as rows.
//!
//! ```sql
//! FROM read_airbyte('sync.jsonl', stream := 'users');
//! ```
//!
//! A table function that reads the files through DuckDB's file system (`files`) and parses
//! RECORD messages with partext's own JSON scanner (`core::airbyte`, `core::json`).

mod files;
mod read_airbyte;

use duckdb::Connection;

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_table_function::<read_airbyte::ReadAirbyte>("read_airbyte")?;
    Ok(())
}
