//! `partext_key_check(key_type, col, function)`: true when the key column's type suits the
//! manifest function, else an error naming the column, its type, the supported types and the
//! strategy to use instead (`core::strategy::Strategy::check_key`).
//!
//! ```sql
//! SELECT partition_key_hash(CASE WHEN partext_key_check(typeof(k), ['amount'], 'partition_hash') THEN k END, 8) ...
//! ```
//!
//! Its arguments are constants, so DuckDB evaluates it once, before any row is read: a
//! manifest over a column of the wrong type fails with partext's message, also on an empty
//! source. For a field of a spec (`function` partition_by, partition_keys or write_plan), `col`
//! is the field's text (`'range(8, amount)'`) and the check is the transform's
//! (`core::spec::Transform::check_type`).

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::spec::PartitionSpec;
use crate::core::strategy::Strategy;
use crate::core::types::ColumnType;
use crate::ext::args::Args;
use crate::ext::vector::write_flags;

pub struct PartextKeyCheck;

impl VScalar for PartextKeyCheck {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let first = Args::new(input, "partext");
        for row in 0..n {
            let function = first.caller(2, row, "partext_key_check");
            if matches!(function.as_str(), "partition_by" | "partition_keys" | "write_plan") {
                // A spec's field (its text in `col`), such as 'range(8, amount)'.
                let args = Args::new(input, &function);
                let type_text = args.text(0, row, "key type", "a column type")?;
                let field = args.text(1, row, "field", "a field of the spec")?;
                for f in PartitionSpec::parse(&field).map_err(|e| e.named(&function))?.fields {
                    f.transform.check_type(Some(&f.text), &ColumnType::parse(&type_text)).map_err(|e| e.named(&function))?;
                }
                continue;
            }
            let strategy = Strategy::from_function(&function).ok_or_else(|| {
                Error::user("internal function called without the name of a manifest function; use partext.partition_temporal, partition_hash or partition_range").named(&function)
            })?;
            let args = Args::new(input, &function);
            let type_text = args.text(0, row, "key type", "a column type")?;
            let col = args.text(1, row, "col", "the name of a column of the source")?;
            strategy.check_key(&col, &type_text)?;
        }
        write_flags(output, n, |_| true);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(
            vec![text(), LogicalTypeHandle::list(&text()), text()],
            LogicalTypeHandle::from(LogicalTypeId::Boolean),
        )]
    }
}
