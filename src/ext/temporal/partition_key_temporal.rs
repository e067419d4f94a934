//! `partition_key_temporal(value, granularity)`: the label of the calendar period holding
//! `value`, equal to partition_temporal's `label` for every row of that partition.
//!
//! ```sql
//! COPY (SELECT *, partition_key_temporal(ts, 'month') AS period FROM events)
//!   TO 'out' (FORMAT parquet, PARTITION_BY (period));
//! ```
//!
//! Per row: one floor division to seconds, then `core::calendar::PeriodLabels`: a range check
//! against the last period seen, else a per-chunk map from period start to label, so each
//! label is formatted once per chunk. Sorted or clustered data costs a compare and a string copy
//! per row. ±infinity is an error, as in partition_temporal.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::ffi::duckdb_string_t;
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use super::temporal_type_of;
use crate::core::calendar::{Granularity, PeriodLabels, SECONDS_PER_DAY};
use crate::core::error::Error;
use crate::core::temporal::is_infinite;
use crate::core::types::TemporalType;
use crate::ext::vector::{string_bytes, Validity};

/// The function, named in its messages.
const NAME: &str = "partition_key_temporal";

pub struct PartitionKeyTemporal;

impl VScalar for PartitionKeyTemporal {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let values = input.flat_vector(0);
        let grans = input.flat_vector(1);
        let key_type = temporal_type_of(values.logical_type().id())
            .ok_or_else(|| Error::user(format!("unsupported type; supported: {}", TemporalType::SUPPORTED)).named(NAME))?;
        // SAFETY: DuckDB flattens the input chunk before calling a C API scalar function; column 1
        // is VARCHAR by every signature below and holds `n` rows.
        let gran_strings = unsafe { grans.as_slice_with_len::<duckdb_string_t>(n) };
        let mut out = output.flat_vector();
        let mut labels = PeriodLabels::default();
        let mut parsed: Option<(Vec<u8>, Granularity)> = None;
        let (valid_values, valid_grans) = (Validity::of(input, 0, n), Validity::of(input, 1, n));
        // SAFETY: DATE is stored as i32 days and every timestamp type as i64, `n` rows of them.
        let (days, stamps) = unsafe {
            if key_type == TemporalType::Date {
                (values.as_slice_with_len::<i32>(n), &[][..])
            } else {
                (&[][..], values.as_slice_with_len::<i64>(n))
            }
        };
        let per_second = key_type.units_per_second();
        for row in 0..n {
            if !valid_values.is_valid(row) || !valid_grans.is_valid(row) {
                out.set_null(row);
                continue;
            }
            let text = string_bytes(&gran_strings[row]);
            let granularity = match &parsed {
                Some((t, g)) if t.as_slice() == text => *g,
                _ => {
                    let g = Granularity::parse(&String::from_utf8_lossy(text)).map_err(|e| e.named(NAME))?;
                    parsed = Some((text.to_vec(), g));
                    g
                }
            };
            if key_type == TemporalType::Date && granularity == Granularity::Hour {
                return Err(Error::user("granularity 'hour' needs a timestamp value, not a DATE").named(NAME).into());
            }
            let raw = if key_type == TemporalType::Date { i64::from(days[row]) } else { stamps[row] };
            if is_infinite(key_type, raw) {
                return Err(Error::user("±infinity belongs to no calendar period; filter it out with isfinite(value)").named(NAME).into());
            }
            let second = if key_type == TemporalType::Date { raw * SECONDS_PER_DAY } else { raw.div_euclid(per_second) };
            let label = labels
                .label(granularity, second)
                .ok_or_else(|| Error::user("value outside the supported calendar range (about ±262,000 years) or infinite").named(NAME))?;
            out.insert(row, label);
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        [
            LogicalTypeId::Date,
            LogicalTypeId::Timestamp,
            LogicalTypeId::TimestampS,
            LogicalTypeId::TimestampMs,
            LogicalTypeId::TimestampNs,
            LogicalTypeId::TimestampTZ,
        ]
        .into_iter()
        .map(|t| {
            ScalarFunctionSignature::exact(
                vec![LogicalTypeHandle::from(t), LogicalTypeHandle::from(LogicalTypeId::Varchar)],
                LogicalTypeHandle::from(LogicalTypeId::Varchar),
            )
        })
        .collect()
    }
}
