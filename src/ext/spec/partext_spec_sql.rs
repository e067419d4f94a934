//! `partext_spec_sql(tbl, spec, what, function)`: the query partition_by (`what` = 'manifest')
//! or partition_keys (`what` = 'keys') runs for a spec, written by `core::spec`.
//!
//! ```sql
//! FROM query(partext_spec_sql(['events'], ['month(ts), bucket(16, user_id)'], 'manifest', 'partition_by'));
//! ```
//!
//! The macros call it with constants, so DuckDB evaluates it once while binding the caller's
//! query; column names are quoted and the spec and source are literals, so no spec text
//! becomes SQL syntax.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::source::from_sql;
use crate::core::spec::{ManifestOutput, PartitionSpec};
use crate::ext::args::Args;
use crate::ext::manifest_rows::boxed;

pub struct PartextSpecSql;

impl VScalar for PartextSpecSql {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let names = Args::new(input, "partext");
        let out = output.flat_vector();
        for row in 0..names.rows() {
            let keys = names.opt_text(2, row, "what")?.as_deref() == Some("keys");
            let function = if keys { "partition_keys" } else { super::NAME };
            let args = Args::new(input, function);
            let tbl = args.text(0, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
            let spec_text = args.text(1, row, "spec", "fields such as 'month(ts), bucket(16, user_id)'")?;
            let sql = (|| -> Result<String, Error> {
                if keys {
                    Ok(PartitionSpec::parse(&spec_text)?.keys_sql(&from_sql(&tbl)?.from_sql))
                } else {
                    super::manifest_query(&tbl, &spec_text, super::NAME, ManifestOutput::Manifest)
                }
            })()
            .map_err(|e| e.named(function))?;
            out.insert(row, sql.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        use LogicalTypeId::Varchar;
        vec![ScalarFunctionSignature::exact(
            vec![boxed(Varchar), boxed(Varchar), LogicalTypeHandle::from(Varchar), LogicalTypeHandle::from(Varchar)],
            LogicalTypeHandle::from(Varchar),
        )]
    }
}
