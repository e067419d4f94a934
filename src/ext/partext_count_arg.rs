//! `partext_count_arg(value, function, name)`: a bucket or partition count checked to be in
//! 1 ..= 65536 (docs/contracts.md, Contracts 5), as INTEGER, for the key functions the manifest macros call per row.
//!
//! ```sql
//! SELECT partition_key_hash(k, partext_count_arg([8], 'partition_hash', 'buckets')) ...
//! ```

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::hash::MAX_BUCKETS;
use crate::ext::args::Args;

pub struct PartextCountArg;

/// Checks a count argument: 1 ..= 65536.
pub fn check_count(function: &str, name: &str, n: i64) -> Result<i64, String> {
    if (1..=MAX_BUCKETS).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{function}: {name} must be between 1 and {MAX_BUCKETS}, got {n}"))
    }
}

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
            let value = args.opt_int(0, row).ok_or_else(|| args.null_error(&name, "a count between 1 and 65536"))?;
            counts.push(check_count(&function, &name, value)? as i32);
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
