//! DuckDB values as partition_range and partition_key_range compare them ([`RangeValue`]):
//! one reader for the key function, the bounds picker and the manifest.

use duckdb::core::{DataChunkHandle, LogicalTypeId};

use crate::core::error::Error;
use crate::core::literal::NANOS_PER_DAY;
use crate::core::range::{RangeValue, SUPPORTED};
use crate::ext::vector::{list_entries, Cell, ListChild};

/// The manifest function the internal functions serve, named in their messages.
const MANIFEST: &str = "partition_range";

/// The message for ±infinity among range values: it has no literal that sorts and compares
/// like the value, so partition_range and partition_key_range refuse it, as partition_temporal
/// and partition_key_temporal do.
const INFINITE: &str = "±infinity has no place in a range partitioning; exclude it with a query source such as \
                        '(SELECT * FROM tbl WHERE isfinite(col))'";

/// A value as partition_range compares it; errors name `function`.
pub fn range_value_for(cell: Cell, function: &str) -> Result<RangeValue, Error> {
    match cell {
        Cell::Date(d) if d.unsigned_abs() == i32::MAX as u32 => Err(Error::user(INFINITE).named(function)),
        Cell::Timestamp(v, _) if v.unsigned_abs() == i64::MAX as u64 => Err(Error::user(INFINITE).named(function)),
        cell => range_value(cell).map_err(|e| e.named(function)),
    }
}

/// A value as partition_range compares it (±infinity included: see [`range_value_for`]).
fn range_value(cell: Cell) -> Result<RangeValue, Error> {
    Ok(match cell {
        Cell::Signed(v) => RangeValue::Num(v, 0),
        Cell::Unsigned(v) => {
            RangeValue::Num(i128::try_from(v).map_err(|_| Error::user("UHUGEINT values above 2^127 - 1 are not supported"))?, 0)
        }
        Cell::Decimal(v, s) => RangeValue::Num(v, s),
        Cell::Float(f) => RangeValue::float(f),
        Cell::Date(d) => RangeValue::Instant(i128::from(d) * NANOS_PER_DAY),
        Cell::Time(us) => RangeValue::Time(us),
        Cell::Timestamp(v, unit) => RangeValue::Instant(i128::from(v) * unit.nanos()),
        Cell::Bytes(b) => RangeValue::Text(b.to_vec()),
        Cell::Uuid(_) => return Err(unsupported("UUID")),
    })
}

/// The error for a value of a type without a range order.
pub fn unsupported(type_name: &str) -> Error {
    Error::user(format!("values of type {type_name} have no range order partext supports; supported types: {SUPPORTED}"))
}

/// The values of row `row`'s list in column `col` of `input` (a LIST of any supported type).
pub fn list_values(input: &DataChunkHandle, col: usize, row: usize) -> Result<Vec<Option<RangeValue>>, Error> {
    let n = input.len();
    // The parameter is ANY: anything but a LIST would be read as list entries it does not hold.
    if input.flat_vector(col).logical_type().id() != LogicalTypeId::List {
        return Err(Error::user("internal function called with a value that is not a LIST; use partext.partition_range").named(MANIFEST));
    }
    let lists = input.list_vector(col);
    if lists.row_is_null(row as u64) {
        return Ok(Vec::new());
    }
    let entry = list_entries(input, col, n)[row];
    let child = ListChild::of(input, col);
    if child.type_id() == LogicalTypeId::SqlNull || entry.length == 0 {
        return Ok(vec![None; entry.length as usize]);
    }
    let column = child.column().ok_or_else(|| Error::user("the key column's type has no range order").named(MANIFEST))?;
    let (offset, len) = (entry.offset as usize, entry.length as usize);
    (offset..offset + len).map(|i| if child.is_valid(i) { range_value_for(column.cell(i), MANIFEST).map(Some) } else { Ok(None) }).collect()
}
