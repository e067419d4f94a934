//! `partext_chunk_column(name, tbl)`: true for every column of chunk_plan's source, and an
//! error when one of them would hide the row address chunk_plan cuts on (`rowid` for a table,
//! `filename` or `file_row_number` for Parquet files), inside
//! `COLUMNS(lambda c: partext_chunk_column(c, ['events']))`, which DuckDB evaluates while
//! binding the caller's query.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::source::{from_sql, SourceKind};
use crate::core::sql::quote_ident;
use crate::ext::args::Args;
use crate::ext::vector::write_flags;

const NAME: &str = "chunk_plan";

pub struct PartextChunkColumn;

impl VScalar for PartextChunkColumn {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let args = Args::new(input, NAME);
        for row in 0..n {
            let name = args.text(0, row, "column name", "a column name")?;
            let tbl = args.text(1, row, "tbl", "a table name or Parquet file path")?;
            let reserved: &[&str] = match from_sql(&tbl).map_err(|e| e.named(NAME))?.kind {
                SourceKind::File => &["filename", "file_row_number"],
                _ => &["rowid"],
            };
            if reserved.iter().any(|r| r.eq_ignore_ascii_case(&name)) {
                return Err(Error::user(format!(
                    "the source has a column named {}, which hides DuckDB's row address that chunks are cut on; \
                     rename it (for example with a query source '(SELECT * RENAME ({} AS ...) FROM tbl)' materialized into a table)",
                    quote_ident(&name),
                    quote_ident(&name)
                ))
                .named(NAME)
                .into());
            }
        }
        write_flags(output, n, |_| true);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(
            vec![text(), LogicalTypeHandle::list(&text())],
            LogicalTypeHandle::from(LogicalTypeId::Boolean),
        )]
    }
}
