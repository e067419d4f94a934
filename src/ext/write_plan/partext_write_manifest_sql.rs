//! `partext_write_manifest_sql(tbl, strategy, col, arg, method, bounds_text, bounds_type, spec)`: the
//! query write_plan reads its partitions from — the strategy's manifest with each partition's
//! bounds as text (a spec's: partition_by's scan, each partition's field values as text).
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

use crate::core::error::Error;
use crate::core::scan::{check_files, ScanKind};
use crate::core::source::{from_sql, SourceKind};
use crate::core::spec::ManifestOutput;
use crate::core::write_plan::{manifest_sql, RangeOptions};
use crate::ext::args::Args;
use crate::ext::manifest_rows::boxed;

use super::{partitioning, Partitioning, NAME};

pub struct PartextWriteManifestSql;

impl VScalar for PartextWriteManifestSql {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let out = output.flat_vector();
        for row in 0..args.rows() {
            let tbl = args.text(0, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
            let partitioning = partitioning(&args, row, 1, 7)?;
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
            let sql = match partitioning {
                Partitioning::Strategy { strategy, col, arg } => manifest_sql(&tbl, &strategy, &col, &arg, &range),
                Partitioning::Spec(text) => spec_manifest_sql(&tbl, &text, &range),
            }
            .map_err(|e| e.named(NAME))?;
            out.insert(row, sql.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        use LogicalTypeId::Varchar;
        // tbl, strategy, col, arg, method, bounds_text, bounds_type, spec: each a one-element list.
        vec![ScalarFunctionSignature::exact((0..8).map(|_| boxed(Varchar)).collect(), LogicalTypeHandle::from(Varchar))]
    }
}

/// The query listing a spec's partitions for a plan (`core::spec::ManifestOutput::WritePlan`):
/// partition_by's one scan, each partition's human strings and key types as text.
fn spec_manifest_sql(tbl: &str, text: &str, range: &RangeOptions) -> Result<String, Error> {
    if range.method.is_some() || range.bounds.is_some() {
        return Err(Error::user("method and bounds apply to strategy 'range' only, not to a spec; drop them"));
    }
    crate::ext::spec::manifest_query(tbl, text, NAME, ManifestOutput::WritePlan)
}
