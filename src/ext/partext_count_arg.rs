//! `partext_count_arg(value, function, name)`: a bucket or partition count checked to be in
//! 1 ..= 65536 (docs/contracts.md, Contracts 5), as INTEGER, for the key functions the manifest macros call per row.
//!
//! ```sql
//! SELECT partition_key_hash(k, partext_count_arg([8], 'partition_hash', 'buckets')) ...
//! ```

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::ext::args::Args;

pub struct PartextCountArg;

impl VScalar for PartextCountArg {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let mut counts = Vec::with_capacity(n);
        let first = Args::new(input, "partext");
        for row in 0..n {
            let function = first.caller(1, row, "partext_count_arg");
            let name = first.text(2, row, "name", "the argument's name")?;
            let args = Args::new(input, &function);
            counts.push(args.count(0, row, &name)? as i32);
        }
        let mut out = output.flat_vector();
        // SAFETY: the return type is INTEGER and the output holds `n` rows.
        unsafe { out.as_mut_slice_with_len::<i32>(n) }.copy_from_slice(&counts);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeHandle::list(&LogicalTypeHandle::from(LogicalTypeId::Bigint)), text(), text()],
            LogicalTypeHandle::from(LogicalTypeId::Integer),
        )]
    }
}
