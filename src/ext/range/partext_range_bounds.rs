//! `partext_range_bounds(values, partitions, custom)`: the 1-based positions in `values` (a
//! list of the key column's values) of partition_range's bounds, so that the macro keeps the
//! bounds in the column's own type with `list_select(values, ...)`. For a sample, the
//! equi-depth bounds; for custom bounds (`custom` true), every position, once the list is
//! checked to be sorted and free of NULLs.
//!
//! ```sql
//! SELECT list_select(s, partext_range_bounds(s, [16], false)) FROM sample;
//! ```
//!
//! `core::range::equi_depth_cuts` chooses: heavy values get a range of their own. Cost: one
//! sort of the sample.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use super::values::list_values;
use crate::core::error::Error;
use crate::core::range::{check_bounds, check_bounds_count, equi_depth_cuts, RangeValue};
use crate::ext::args::Args;

const NAME: &str = "partition_range";

pub struct PartextRangeBounds;

impl VScalar for PartextRangeBounds {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let args = Args::new(input, NAME);
        let mut lists = Vec::with_capacity(args.rows());
        for row in 0..args.rows() {
            let partitions = args.count(1, row, "partitions")? as usize;
            let values = list_values(input, 0, row)?;
            if args.opt_bool(2, row).unwrap_or(false) {
                check_bounds_count(values.len()).map_err(|e| e.named(NAME))?;
                let bounds: Vec<RangeValue> = values
                    .into_iter()
                    .map(|b| b.ok_or_else(|| Error::user("bounds must not contain NULL").named(NAME)))
                    .collect::<Result<_, _>>()?;
                check_bounds(&bounds).map_err(|e| e.named(NAME))?;
                lists.push((0..bounds.len()).collect());
            } else {
                let sample: Vec<RangeValue> = values.into_iter().flatten().collect();
                lists.push(equi_depth_cuts(&sample, partitions));
            }
        }
        let total: usize = lists.iter().map(Vec::len).sum();
        let mut out = output.list_vector();
        let mut child = out.child(total);
        // SAFETY: the return type is INTEGER[]; `total` child values were reserved above.
        let positions = unsafe { child.as_mut_slice_with_len::<i32>(total) };
        let mut offset = 0;
        for (row, cuts) in lists.iter().enumerate() {
            for (k, &c) in cuts.iter().enumerate() {
                positions[offset + k] = c as i32 + 1;
            }
            out.set_entry(row, offset, cuts.len());
            offset += cuts.len();
        }
        out.set_len(total);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let t = |id: LogicalTypeId| LogicalTypeHandle::from(id);
        vec![ScalarFunctionSignature::exact(
            vec![t(LogicalTypeId::Any), LogicalTypeHandle::list(&t(LogicalTypeId::Bigint)), t(LogicalTypeId::Boolean)],
            LogicalTypeHandle::list(&t(LogicalTypeId::Integer)),
        )]
    }
}
