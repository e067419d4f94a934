//! `partext_range_manifest(bounds, keys, rows, null_rows, row_bytes, key_type, col, custom,
//! source)`: partition_range's manifest from the bounds and its scan's counts per
//! `partition_key_range(col, bounds)` (`core::range`).
//!
//! ```sql
//! SELECT partext_range_manifest((SELECT b FROM bnds), list(i), list(n), ...) FROM counts;
//! ```
//!
//! Computed ranges that came out empty are merged into a neighbour; custom bounds are kept
//! and must be sorted. `lower_index` and `upper_index` are 1-based positions in `bounds`, so
//! that the macro returns `lower` and `upper` in the column's own type.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};

use super::values::list_values;
use crate::core::error::Error;
use crate::core::range::{check_bounds, BoundsMethod, RangeSpec, RangeType, RangeValue};
use crate::core::strategy::Strategy;
use crate::core::types::ColumnType;
use crate::ext::args::Args;
use crate::ext::manifest_rows::{boxed, counts, manifest_row, param as t, Field, RowsFunction, Schema, Value};

const NAME: &str = "partition_range";

pub struct PartextRangeManifest;

fn schema() -> Schema {
    Schema::manifest(&[("lower_index", Field::Int), ("upper_index", Field::Int)])
}

fn manifest(input: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
    let type_text = args.text(5, row, "key type", "a column type")?;
    let col = args.text(6, row, "col", "the name of the column to split into ranges")?;
    Strategy::Range.check_key(&col, &type_text)?;
    let range_type =
        RangeType::from_column_type(&ColumnType::parse(&type_text)).ok_or_else(|| Error::user(format!("unsupported type {type_text}")))?;
    let custom = args.opt_bool(7, row).unwrap_or(false);
    let bounds: Vec<RangeValue> = list_values(input, 0, row)?
        .into_iter()
        .map(|b| b.ok_or_else(|| Error::user("bounds must not contain NULL")))
        .collect::<Result<_, _>>()?;
    if custom {
        check_bounds(&bounds)?;
    }
    let counts = counts(&args.int_list(1, row), &args.int_list(2, row), args.opt_int(3, row), args.opt_double(4, row).unwrap_or(0.0));
    let source = args.text(8, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let method = if custom { BoundsMethod::Custom(bounds.clone()) } else { BoundsMethod::Sampled };
    let spec = RangeSpec { column: col, range_type, partitions: bounds.len() + 1, method };
    // Bounds are sorted and distinct (checked, or computed so): a binary search finds each.
    let position = |v: &Option<RangeValue>| v.as_ref().and_then(|v| bounds.binary_search_by(|b| b.total_cmp(v)).ok()).map(|i| i as i64 + 1);
    Ok(spec
        .plan(&bounds, &counts, &source)?
        .iter()
        .map(|r| manifest_row(&r.common, [Value::Int(position(&r.lower)), Value::Int(position(&r.upper))]))
        .collect())
}

impl RowsFunction for PartextRangeManifest {
    const NAME: &'static str = NAME;

    fn schema() -> Schema {
        schema()
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        use LogicalTypeId::*;
        vec![t(Any), boxed(Bigint), boxed(Bigint), t(Bigint), t(Double), t(Varchar), boxed(Varchar), t(Boolean), t(Varchar)]
    }

    fn rows(input: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
        manifest(input, args, row)
    }
}
