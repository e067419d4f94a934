//! `partext_temporal_unit(value, granularity, col)`: the fine unit (hours, or days for day and
//! coarser granularities and for DATE columns) holding `value`, the key partition_temporal's
//! scan groups rows by.
//!
//! ```sql
//! SELECT partext_temporal_unit(ts, 'month', 'ts') AS unit, count(*) FROM events GROUP BY ALL;
//! ```
//!
//! The value parameter is ANY so that every date and time type arrives as stored; per row it
//! costs one floor division by a compile-time constant (`core::temporal::fine_units`).
//! ±infinity and types that have no calendar are errors naming the column and the fix.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::temporal::{fine_units, infinite_error, parse_granularity};
use crate::core::types::TemporalType;
use crate::ext::args::Args;
use crate::ext::partition_key_temporal::temporal_type_of;
use crate::ext::partext_temporal_manifest::{unsupported_type, NAME};
use crate::ext::vector::Validity;

pub struct PartextTemporalUnit;

impl VScalar for PartextTemporalUnit {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        if n == 0 {
            return Ok(());
        }
        let args = Args::new(input, NAME);
        let col = args.text(2, 0, "col", "the name of a DATE or TIMESTAMP column")?;
        let values = input.flat_vector(0);
        let type_id = values.logical_type().id();
        let mut out = output.flat_vector();
        if type_id == LogicalTypeId::SqlNull {
            (0..n).for_each(|row| out.set_null(row));
            return Ok(());
        }
        let key_type = temporal_type_of(type_id).ok_or_else(|| unsupported_type(&col, &format!("{type_id:?}").to_uppercase()))?;
        let gran = args.text(1, 0, "granularity", "'hour', 'day', 'week', 'month', 'quarter', 'year' or 'auto'")?;
        let (granularity, _) = parse_granularity(&gran, key_type).map_err(|e| format!("{NAME}: {e}"))?;
        let unit_seconds = granularity.fine_unit_seconds();
        let valid = Validity::of(input, 0, n);
        // SAFETY: DuckDB flattens a C API scalar function's input; a DATE vector holds `n` i32
        // days and every timestamp type `n` i64 values; the output is BIGINT with `n` rows.
        let raw: Vec<i64> = unsafe {
            if key_type == TemporalType::Date {
                values.as_slice_with_len::<i32>(n).iter().map(|&d| i64::from(d)).collect()
            } else {
                values.as_slice_with_len::<i64>(n).to_vec()
            }
        };
        let units = unsafe { out.as_mut_slice_with_len::<i64>(n) };
        fine_units(key_type, &raw, unit_seconds, |row| valid.is_valid(row), units).map_err(|_| format!("{NAME}: {}", infinite_error(&col)))?;
        for row in (0..n).filter(|&row| !valid.is_valid(row)) {
            out.set_null(row);
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let text = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeHandle::from(LogicalTypeId::Any), LogicalTypeHandle::list(&text()), LogicalTypeHandle::list(&text())],
            LogicalTypeHandle::from(LogicalTypeId::Bigint),
        )]
    }
}
