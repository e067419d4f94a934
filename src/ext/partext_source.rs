//! `partext_source(tbl, function)`: the text after FROM that reads the source a manifest
//! macro was given (docs/contracts.md, Sources), for the macro's `query(...)` and each row's `query` column.
//!
//! ```sql
//! SELECT partext_source('events', 'partition_hash');        -- "events"
//! SELECT partext_source('data/*.parquet', 'chunk_plan');    -- 'data/*.parquet'
//! ```
//!
//! Names are quoted part by part, files become string literals and a parenthesized query is
//! kept whole once checked to be one query (`core::source`): the text is data for DuckDB's
//! parser, never a way to run a second statement. The macro calls it with constants, so
//! DuckDB evaluates it once while binding the caller's query, which then resolves the name
//! exactly as the caller's own query would (TEMP tables, DataFrames, USE, search_path).

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::source::from_sql;
use crate::ext::args::Args;

pub struct PartextSource;

impl VScalar for PartextSource {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let names = Args::new(input, "partext");
        let out = output.flat_vector();
        for row in 0..names.rows() {
            let function = names.caller(1, row, "partext_source");
            let args = Args::new(input, &function);
            let tbl = args.text(0, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
            let source = from_sql(&tbl).map_err(|e| e.named(&function))?;
            out.insert(row, source.from_sql.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(vec![LogicalTypeHandle::list(&text()), text()], text())]
    }
}
