//! `partext_chunk_sql(tbl, part)`: the queries chunk_plan reads its source's row positions
//! with, and the refusal of sources with no cheap row address.
//! - `'positions'`: a table's `rowid` per row, or a Parquet file's row groups `(file, first row,
//!   rows)` from its metadata, as `(file, pos, n)`;
//! - `'extent'`: a table's `(live_rows, last_rowid)` — its row count and highest `rowid`, which are equal
//!   but for one when no row was deleted, so that the macro can skip the positions scan; for
//!   Parquet files a row that never matches.
//!
//! ```sql
//! FROM query(partext_chunk_sql(['events'], 'positions'));
//! ```
//!
//! The macro passes a constant, so DuckDB evaluates this once while binding the caller's query.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::source::{from_sql, SourceKind};
use crate::ext::args::Args;

const NAME: &str = "chunk_plan";

pub struct PartextChunkSql;

/// The positions (`extent` false) or extent query for `tbl`.
pub fn chunk_sql(tbl: &str, extent: bool) -> Result<String, Error> {
    let source = from_sql(tbl).map_err(|e| e.named(NAME))?;
    let lower = tbl.trim().to_ascii_lowercase();
    let is_parquet = lower.ends_with(".parquet") || lower.ends_with(".parq");
    let refuse = |what: &str| {
        Error::user(format!(
            "the source is {what}, which has no cheap row address to cut chunks on; use partition_hash \
             (for example partext.partition_hash(tbl, col, N)) or materialize it first with CREATE TABLE ... AS \
             or COPY ... TO '...parquet'"
        ))
        .named(NAME)
    };
    match source.kind {
        SourceKind::Table | SourceKind::View if extent => {
            Ok(format!("SELECT count(*) AS live_rows, max(\"rowid\") AS last_rowid FROM {}", source.from_sql))
        }
        SourceKind::Table | SourceKind::View => {
            Ok(format!("SELECT CAST(NULL AS VARCHAR) AS file, \"rowid\" AS pos, CAST(1 AS BIGINT) AS n FROM {}", source.from_sql))
        }
        SourceKind::File if extent && is_parquet => {
            Ok("SELECT CAST(-1 AS BIGINT) AS live_rows, CAST(NULL AS BIGINT) AS last_rowid".to_string())
        }
        SourceKind::File if is_parquet => Ok(format!(
            "SELECT file_name AS file, CAST(sum(n) OVER (PARTITION BY file_name ORDER BY row_group_id) - n AS BIGINT) AS pos, n \
             FROM (SELECT file_name, row_group_id, CAST(any_value(row_group_num_rows) AS BIGINT) AS n \
                   FROM parquet_metadata({}) GROUP BY ALL)",
            source.from_sql
        )),
        SourceKind::File => Err(refuse("a file that is not Parquet (such as CSV or JSON)")),
        SourceKind::Query => Err(refuse("a query")),
    }
}

impl VScalar for PartextChunkSql {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let out = output.flat_vector();
        for row in 0..args.rows() {
            let tbl = args.text(0, row, "tbl", "a table name or Parquet file path")?;
            let extent = args.text(1, row, "part", "'positions' or 'extent'")? == "extent";
            out.insert(row, chunk_sql(&tbl, extent)?.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(vec![LogicalTypeHandle::list(&text()), text()], text())]
    }
}
