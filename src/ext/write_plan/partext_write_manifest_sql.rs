//! `partext_write_manifest_sql(tbl, strategy, col, arg, method, bounds_text, bounds_type)`: the
//! query write_plan reads its partitions from — the strategy's manifest with each partition's
//! bounds as text.
//!
//! ```sql
//! FROM query(partext_write_manifest_sql(['events'], ['range'], ['amount'], ['16'], ['exact'], ['10', '20'], ['INTEGER[]']));
//! ```
//!
//! The text calls the manifest macro with the caller's arguments as quoted literals, so it
//! runs in the caller's query like every manifest (`core::write_plan::manifest_sql`). A local
//! file source is checked first (`core::scan::check_files`): DuckDB binds this query before
//! anything else of write_plan, so a path that does not exist, a directory or a file that is
//! not Parquet gets partext's message, and nothing is written.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::scan::{check_files, ScanKind};
use crate::core::source::{from_sql, SourceKind};
use crate::core::write_plan::{manifest_sql, RangeOptions};
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
            // bounds_type is NULL when no bounds were given (typeof of the list otherwise).
            let range = RangeOptions {
                method: args.opt_text(4, row, "method")?,
                bounds: match args.opt_text(6, row, "bounds type")? {
                    Some(type_name) => Some((args.text_list(5, row, "bounds")?, type_name)),
                    None => None,
                },
            };
            if from_sql(&tbl).is_ok_and(|s| s.kind == SourceKind::File) {
                check_files(tbl.trim(), ScanKind::of_file(tbl.trim())).map_err(|e| e.named(NAME))?;
            }
            let sql = manifest_sql(&tbl, &strategy, &col, &arg, &range).map_err(|e| e.named(NAME))?;
            out.insert(row, sql.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        use LogicalTypeId::Varchar;
        vec![ScalarFunctionSignature::exact(
            vec![boxed(Varchar), boxed(Varchar), boxed(Varchar), boxed(Varchar), boxed(Varchar), boxed(Varchar), boxed(Varchar)],
            LogicalTypeHandle::from(Varchar),
        )]
    }
}
