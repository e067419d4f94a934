//! The statements that write every partition within memory_limit.
//!
//! ```sql
//! FROM partext.write_plan('events', 'out', 'temporal', 'ts', 'day');
//! FROM partext.write_plan('events', 'out', spec := 'month(ts), bucket(16, user_id)');
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

use crate::core::error::Error;
use crate::ext::args::Args;
use crate::ext::manifest_rows::Rows;

const NAME: &str = "write_plan";

/// What a write_plan call partitions by, as its arguments give it.
enum Partitioning {
    /// `spec := '...'`: the spec's text.
    Spec(String),
    /// `strategy, col, arg`.
    Strategy { strategy: String, col: String, arg: String },
}

/// Reads write_plan's `strategy`, `col` and `arg` (arguments `first` to `first + 2`) and its
/// `spec` (argument `spec`): a spec alone, or the three others.
fn partitioning(args: &Args, row: usize, first: usize, spec: usize) -> Result<Partitioning, Error> {
    let given = [(first, "strategy"), (first + 1, "col"), (first + 2, "arg")]
        .into_iter()
        .filter_map(|(i, name)| args.opt_text(i, row, name).transpose().map(|v| v.map(|_| name)))
        .collect::<Result<Vec<_>, _>>()?;
    match args.opt_text(spec, row, "spec")? {
        Some(spec) if given.is_empty() => Ok(Partitioning::Spec(spec)),
        Some(_) => Err(Error::user(format!(
            "pass a spec or a strategy, not both; drop {} (spec := 'month(ts), bucket(16, user_id)' names the key columns itself)",
            given.join(", ")
        ))
        .named(NAME)),
        None if given.is_empty() => Err(Error::user(
            "pass a spec (spec := 'month(ts), bucket(16, user_id)') or a strategy, key column and argument ('hash', 'user_id', 64)",
        )
        .named(NAME)),
        None => Ok(Partitioning::Strategy {
            strategy: args.text(first, row, "strategy", "'temporal', 'hash' or 'range', or a spec := '...'")?,
            col: args.text(first + 1, row, "col", "the name of the key column")?,
            arg: args.text(first + 2, row, "arg", "the granularity, bucket count or partition count")?,
        }),
    }
}

/// The `partext.write_plan` table macro.
pub const MACRO: &str = include_str!("write_plan.sql");

/// Registers this strategy's native functions.
pub fn register(conn: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.register_scalar_function::<partext_write_manifest_sql::PartextWriteManifestSql>("partext_write_manifest_sql")?;
    conn.register_scalar_function::<Rows<partext_write_plan::PartextWritePlan>>("partext_write_plan")?;
    conn.register_scalar_function::<partext_remove_temp::PartextRemoveTemp>("partext_remove_temp")?;
    Ok(())
}
