//! `partition_key_range(value, bounds)`: the 0-based index of the range holding `value` for the
//! sorted list `bounds` (the number of bounds at or below it), equal to the `partition_id` of
//! partition_range's row with those bounds.
//!
//! ```sql
//! SELECT partition_key_range(amount, [10, 20, 50]) FROM events;   -- 0, 1, 2 or 3
//! ```
//!
//! Both parameters are ANY so values keep their own type; numbers compare by value across
//! integer and decimal types, instants across DATE and timestamp units. The bounds are read and
//! checked once per distinct list in a chunk; each row is then a binary search.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::range::{check_bounds, range_index, range_index_by, RangeValue};
use crate::ext::vector::{list_entries, Cell, Column, ListChild, Validity};

use super::values::{range_value_for, unsupported};

const NAME: &str = "partition_key_range";

pub struct PartitionKeyRange;

impl VScalar for PartitionKeyRange {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let values = input.flat_vector(0);
        if input.flat_vector(1).logical_type().id() != LogicalTypeId::List {
            return Err(Error::user("bounds must be a sorted LIST such as [10, 20, 30]").named(NAME).into());
        }
        let mut out = output.flat_vector();
        if values.logical_type().id() == LogicalTypeId::SqlNull {
            (0..n).for_each(|row| out.set_null(row));
            return Ok(());
        }
        let type_name = || format!("{:?}", values.logical_type().id()).to_uppercase();
        // SAFETY: DuckDB flattens a C API scalar function's input, so column 0 is a flat vector of
        // `n` rows; the list's child is read in place (`ListChild`).
        let column = unsafe { Column::of(&values, n) }.ok_or_else(|| unsupported(&type_name()))?;
        let child = ListChild::of(input, 1);
        if child.len > 0 && child.type_id() == LogicalTypeId::SqlNull {
            return Err(Error::user("bounds must not contain NULL").named(NAME).into());
        }
        let bound_column = if child.len > 0 {
            Some(child.column().ok_or_else(|| Error::user("bounds must be a LIST of the value's type").named(NAME))?)
        } else {
            None
        };
        let valid_values = Validity::of(input, 0, n);
        let valid_lists = Validity::of(input, 1, n);
        let entries = list_entries(input, 1, n);
        let mut nulls = Vec::new();
        let mut indexes = vec![0i32; n];
        let mut cached: Option<((usize, usize), Vec<RangeValue>)> = None;
        for row in 0..n {
            if !valid_values.is_valid(row) {
                nulls.push(row);
                continue;
            }
            if !valid_lists.is_valid(row) {
                return Err(Error::user("bounds is NULL; pass a sorted LIST such as [10, 20, 30]").named(NAME).into());
            }
            let entry = (entries[row].offset as usize, entries[row].length as usize);
            if cached.as_ref().map(|c| c.0) != Some(entry) {
                let mut bounds = Vec::with_capacity(entry.1);
                for i in entry.0..entry.0 + entry.1 {
                    if !child.is_valid(i) {
                        return Err(Error::user("bounds must not contain NULL").named(NAME).into());
                    }
                    if let Some(c) = &bound_column {
                        bounds.push(range_value_for(c.cell(i), NAME)?);
                    }
                }
                check_bounds(&bounds).map_err(|e| e.named(NAME))?;
                cached = Some((entry, bounds));
            }
            let bounds = cached.as_ref().map(|c| c.1.as_slice()).unwrap_or_default();
            let index = match column.cell(row) {
                // Strings compare in place, without a copy per row.
                Cell::Bytes(v) => range_index_by(bounds, |bound| match bound {
                    RangeValue::Text(t) => Some(t.as_slice().cmp(v)),
                    _ => None,
                }),
                cell => range_index(&range_value_for(cell, NAME)?, bounds),
            };
            indexes[row] = index.map_err(|e| e.named(NAME))? as i32;
        }
        // SAFETY: the output vector is INTEGER (the signature's return type) with room for `n` rows.
        unsafe { out.as_mut_slice_with_len::<i32>(n) }.copy_from_slice(&indexes);
        for row in nulls {
            out.set_null(row);
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeHandle::from(LogicalTypeId::Any), LogicalTypeHandle::from(LogicalTypeId::Any)],
            LogicalTypeHandle::from(LogicalTypeId::Integer),
        )]
    }
}
