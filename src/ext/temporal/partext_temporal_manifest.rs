//! `partext_temporal_manifest(units, rows, null_rows, row_bytes, key_type, col, granularity,
//! include_empty, overlap, target_mb, source, memory_limit, threads)`: partition_temporal's
//! manifest from its scan's counts per fine unit.
//!
//! ```sql
//! SELECT partext_temporal_manifest(list(unit), list(n), ...) FROM counts;   -- in the macro
//! ```
//!
//! Calendar periods, labels, predicates, empty periods and 'auto' merging are
//! `core::temporal`'s; this file reads the arguments and writes the rows, with `lower` and
//! `upper` as text the macro casts to the column's type. Cost: O(units + periods).

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};

use super::NAME;
use crate::core::temporal::{key_type, parse_granularity, TemporalSpec};

use crate::core::error::Error;
use crate::ext::args::{target_bytes, Args};
use crate::ext::manifest_rows::{boxed, counts, manifest_row, param as t, Field, RowsFunction, Schema, Value};

pub struct PartextTemporalManifest;

fn schema() -> Schema {
    Schema::manifest(&[("lower", Field::Text), ("upper", Field::Text), ("overlap_predicate", Field::Text)])
}

fn manifest(args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
    let counts = counts(&args.int_list(0, row), &args.int_list(1, row), args.opt_int(2, row), args.opt_double(3, row).unwrap_or(0.0));
    let type_text = args.text(4, row, "key type", "a column type")?;
    let col = args.text(5, row, "col", "the name of a DATE or TIMESTAMP column")?;
    let key_type = key_type(&col, &type_text)?;
    let gran = args.text(6, row, "granularity", "'hour', 'day', 'week', 'month', 'quarter', 'year' or 'auto'")?;
    let (granularity, auto) = parse_granularity(&gran, key_type)?;
    let include_empty = args.opt_bool(7, row).ok_or_else(|| args.null_error("include_empty", "true or false"))?;
    let overlap = args.opt_interval(8, row);
    let target_mb = args.opt_double(9, row);
    if target_mb.is_some() && !auto {
        return Err(Error::user("target_mb applies to granularity 'auto' only; remove it or use 'auto'"));
    }
    let source = args.text(10, row, "tbl", "a table name, a '(SELECT ...)' query or a file path")?;
    let spec = TemporalSpec { column: col, key_type, granularity, include_empty, overlap };
    spec.validate()?;
    let rows = if auto {
        let target = target_bytes(NAME, target_mb, args.opt_text(11, row, "memory_limit")?.as_deref(), args.opt_int(12, row))?;
        spec.plan_auto(&counts, granularity.fine_unit_seconds(), target, &source).map(|(_, rows)| rows)
    } else {
        spec.plan(&counts, &source)
    }?;
    Ok(rows
        .iter()
        .map(|r| {
            manifest_row(
                &r.common,
                [
                    Value::Text(r.lower.and_then(|v| spec.bound_text(v))),
                    Value::Text(r.upper.and_then(|v| spec.bound_text(v))),
                    Value::Text(r.overlap_predicate.clone()),
                ],
            )
        })
        .collect())
}

impl RowsFunction for PartextTemporalManifest {
    const NAME: &'static str = NAME;

    fn schema() -> Schema {
        schema()
    }

    fn parameters() -> Vec<LogicalTypeHandle> {
        use LogicalTypeId::*;
        vec![
            boxed(Bigint),
            boxed(Bigint),
            t(Bigint),
            t(Double),
            t(Varchar),
            boxed(Varchar),
            boxed(Varchar),
            boxed(Boolean),
            boxed(Interval),
            boxed(Double),
            t(Varchar),
            t(Varchar),
            t(Bigint),
        ]
    }

    fn rows(_: &DataChunkHandle, args: &Args, row: usize) -> Result<Vec<Vec<Value>>, Error> {
        manifest(args, row)
    }
}
