//! `partext_remove_temp(path)`: removes the temporary files of a two-level write plan, as its
//! last statement does (`core::distribute::remove_temp`); the number of files removed.
//!
//! ```sql
//! SELECT partext_remove_temp('out/orders.partext-tmp-5f1c0a9e3b7d2c41');
//! ```
//!
//! Only a directory named `*.partext-tmp-*` holding nothing but `partext_group=*` directories
//! of Parquet files is removed; anything else is an error and nothing is removed.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::distribute::remove_temp;
use crate::ext::args::Args;

const NAME: &str = "partext_remove_temp";

pub struct PartextRemoveTemp;

impl VScalar for PartextRemoveTemp {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let mut removed = Vec::with_capacity(args.rows());
        for row in 0..args.rows() {
            let path = args.text(0, row, "path", "the temporary directory a write plan names")?;
            removed.push(remove_temp(&path).map_err(|e| e.named(NAME))? as i64);
        }
        let mut out = output.flat_vector();
        // SAFETY: the return type is BIGINT and the output holds one row per input row.
        unsafe { out.as_mut_slice_with_len::<i64>(removed.len()) }.copy_from_slice(&removed);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeHandle::from(LogicalTypeId::Varchar)],
            LogicalTypeHandle::from(LogicalTypeId::Bigint),
        )]
    }
}
