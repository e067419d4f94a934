//! `partext_scan_sql(tbl, function, wanted, version)`: the query that measures what partext
//! needs to know of a source before it plans (`core::scan::facts_sql`): its row size for every
//! manifest (`wanted = 'row_bytes'`), and for write_plan (`'all'`) also what it is and what a
//! thread's scan of it holds.
//!
//! ```sql
//! FROM query(partext_scan_sql(['events.parquet'], 'write_plan', 'all', version()));
//! ```
//!
//! Parquet sources are measured from their metadata (no row is read); others from a sample of
//! their first rows. `version` is the host's `version()`: DuckDB 2.0 and later give page counts.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::scan::{facts_sql, FactsWanted, ScanKind};
use crate::core::source::{from_sql, SourceKind, SourceSpec};
use crate::ext::args::Args;

pub struct PartextScanSql;

/// Whether DuckDB `version` (`v2.0.1`) has `encoding_stats` in `parquet_metadata()`.
fn has_encoding_stats(version: &str) -> bool {
    version.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok()).is_some_and(|major| major >= 2)
}

impl VScalar for PartextScanSql {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let names = Args::new(input, "partext");
        let out = output.flat_vector();
        for row in 0..names.rows() {
            let function = names.caller(1, row, "partext_scan_sql");
            let args = Args::new(input, &function);
            let tbl = args.text(0, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
            let wanted = match args.opt_text(2, row, "wanted")?.as_deref() {
                Some("all") => FactsWanted::All,
                _ => FactsWanted::RowBytes,
            };
            let version = args.opt_text(3, row, "version")?.unwrap_or_default();
            let source = from_sql(&tbl).map_err(|e| e.named(&function))?;
            let (kind, name) = match source.kind {
                SourceKind::File => (ScanKind::of_file(tbl.trim()), Vec::new()),
                SourceKind::Query => (ScanKind::Query, Vec::new()),
                SourceKind::Table | SourceKind::View => match SourceSpec::parse(&tbl) {
                    Ok(SourceSpec::Name(parts)) => (ScanKind::Table, parts),
                    _ => (ScanKind::Table, Vec::new()),
                },
            };
            let sql = facts_sql(&source.from_sql, kind, &name, wanted, has_encoding_stats(&version));
            out.insert(row, sql.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(vec![LogicalTypeHandle::list(&text()), text(), text(), text()], text())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_counts_from_duckdb_2() {
        assert!(has_encoding_stats("v2.0.1"));
        assert!(!has_encoding_stats("v1.5.6"));
        assert!(!has_encoding_stats(""));
    }
}
