//! `partext_chunk_positions_sql(tbl)`: the query that gives chunk_plan its row positions — a
//! table's `rowid` per row, or a Parquet file's row groups `(file, first row, rows)` from its
//! metadata — as `(file, pos, n)`; and the refusal of sources with no cheap row address.
//!
//! ```sql
//! FROM query(partext_chunk_positions_sql(['events']));
//! ```
//!
//! The macro passes a constant, so DuckDB evaluates this once while binding the caller's query.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::source::{from_sql, SourceKind};
use crate::ext::args::Args;

const NAME: &str = "chunk_plan";

pub struct PartextChunkPositionsSql;

/// The positions query for `tbl`.
pub fn positions_sql(tbl: &str) -> Result<String, String> {
    let source = from_sql(tbl).map_err(|e| format!("{NAME}: {e}"))?;
    let lower = tbl.trim().to_ascii_lowercase();
    let refuse = |what: &str| {
        format!(
            "{NAME}: the source is {what}, which has no cheap row address to cut chunks on; use partition_hash \
             (for example partext.partition_hash(tbl, col, N)) or materialize it first with CREATE TABLE ... AS \
             or COPY ... TO '...parquet'"
        )
    };
    match source.kind {
        SourceKind::Table | SourceKind::View => Ok(format!(
            "SELECT CAST(NULL AS VARCHAR) AS file, \"rowid\" AS pos, CAST(1 AS BIGINT) AS n FROM {}",
            source.from_sql
        )),
        SourceKind::File if lower.ends_with(".parquet") || lower.ends_with(".parq") => Ok(format!(
            "SELECT file_name AS file, CAST(sum(n) OVER (PARTITION BY file_name ORDER BY row_group_id) - n AS BIGINT) AS pos, n \
             FROM (SELECT file_name, row_group_id, CAST(any_value(row_group_num_rows) AS BIGINT) AS n \
                   FROM parquet_metadata({}) GROUP BY ALL)",
            source.from_sql
        )),
        SourceKind::File => Err(refuse("a file that is not Parquet (such as CSV or JSON)")),
        SourceKind::Query => Err(refuse("a query")),
    }
}

impl VScalar for PartextChunkPositionsSql {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let out = output.flat_vector();
        for row in 0..args.rows() {
            let tbl = args.text(0, row, "tbl", "a table name or Parquet file path")?;
            out.insert(row, positions_sql(&tbl)?.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(vec![LogicalTypeHandle::list(&text())], text())]
    }
}
