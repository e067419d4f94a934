//! `partext_write_manifest_sql(tbl, strategy, col, arg)`: the query write_plan reads its
//! partitions from — the strategy's manifest with each partition's bounds as text.
//!
//! ```sql
//! FROM query(partext_write_manifest_sql(['events'], ['hash'], ['user_id'], ['64']));   -- in the macro
//! ```
//!
//! The text calls the manifest macro with the caller's arguments as quoted literals, so it
//! runs in the caller's query like every manifest (`core::write_plan::manifest_sql`).

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::write_plan::manifest_sql;
use crate::ext::args::Args;
use crate::ext::manifest_rows::boxed;

const NAME: &str = "write_plan";

pub struct PartextWriteManifestSql;

impl VScalar for PartextWriteManifestSql {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let out = output.flat_vector();
        for row in 0..args.rows() {
            let tbl = args.text(0, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
            let strategy = args.text(1, row, "strategy", "'temporal', 'hash' or 'range'")?;
            let col = args.text(2, row, "col", "the name of the key column")?;
            let arg = args.text(3, row, "arg", "the granularity, bucket count or partition count")?;
            let sql = manifest_sql(&tbl, &strategy, &col, &arg).map_err(|e| format!("{NAME}: {e}"))?;
            out.insert(row, sql.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        use LogicalTypeId::Varchar;
        vec![ScalarFunctionSignature::exact(
            vec![boxed(Varchar), boxed(Varchar), boxed(Varchar), boxed(Varchar)],
            LogicalTypeHandle::from(Varchar),
        )]
    }
}
