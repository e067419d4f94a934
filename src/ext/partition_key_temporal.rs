//! `partition_key_temporal(value, granularity)`: the label of the calendar period holding
//! `value`, equal to partition_temporal's `label` for every row of that partition.
//!
//! ```sql
//! COPY (SELECT *, partition_key_temporal(ts, 'month') AS period FROM events)
//!   TO 'out' (FORMAT parquet, PARTITION_BY (period));
//! ```
//!
//! Per row: one floor division to seconds, then a range check against the last period seen;
//! only a value outside it recomputes the period and its label (`core::calendar`). Sorted or
//! clustered data therefore costs a compare and a string copy per row.

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::types::DuckString;
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;
use duckdb::ffi::duckdb_string_t;

use crate::core::calendar::{Granularity, SECONDS_PER_DAY};
use crate::core::types::TemporalType;

pub struct PartitionKeyTemporal;

/// The last period computed, reused while values stay inside it.
struct PeriodCache {
    granularity: Granularity,
    start: i64,
    end: i64,
    label: String,
}

fn temporal_type_of(id: LogicalTypeId) -> Option<TemporalType> {
    Some(match id {
        LogicalTypeId::Date => TemporalType::Date,
        LogicalTypeId::Timestamp => TemporalType::Timestamp,
        LogicalTypeId::TimestampS => TemporalType::TimestampS,
        LogicalTypeId::TimestampMs => TemporalType::TimestampMs,
        LogicalTypeId::TimestampNs => TemporalType::TimestampNs,
        LogicalTypeId::TimestampTZ => TemporalType::TimestampTz,
        _ => return None,
    })
}

impl VScalar for PartitionKeyTemporal {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let values = input.flat_vector(0);
        let grans = input.flat_vector(1);
        let key_type = temporal_type_of(values.logical_type().id())
            .ok_or_else(|| format!("partition_key_temporal: unsupported type; supported: {}", TemporalType::SUPPORTED))?;
        // SAFETY: DuckDB flattens the input chunk before calling a C API scalar function; column 1
        // is VARCHAR by every signature below and holds `n` rows.
        let gran_strings = unsafe { grans.as_slice_with_len::<duckdb_string_t>(n) };
        let mut out = output.flat_vector();
        let mut cache: Option<PeriodCache> = None;
        let mut parsed: Option<(String, Granularity)> = None;
        for row in 0..n {
            if values.row_is_null(row as u64) || grans.row_is_null(row as u64) {
                out.set_null(row);
                continue;
            }
            let text = DuckString::new(&mut { gran_strings[row] }).as_str().into_owned();
            let granularity = match &parsed {
                Some((t, g)) if *t == text => *g,
                _ => {
                    let g = Granularity::parse(&text).map_err(|e| format!("partition_key_temporal: {e}"))?;
                    parsed = Some((text, g));
                    g
                }
            };
            if key_type == TemporalType::Date && granularity == Granularity::Hour {
                return Err("partition_key_temporal: granularity 'hour' needs a timestamp value, not a DATE".into());
            }
            // SAFETY: DATE is stored as i32 days and every timestamp type as i64; `row` < `n`.
            let second = unsafe {
                if key_type == TemporalType::Date {
                    i64::from(values.as_slice_with_len::<i32>(n)[row]) * SECONDS_PER_DAY
                } else {
                    values.as_slice_with_len::<i64>(n)[row].div_euclid(key_type.units_per_second())
                }
            };
            let hit = matches!(&cache, Some(c) if c.granularity == granularity && c.start <= second && second < c.end);
            if !hit {
                let out_of_range = || {
                    "partition_key_temporal: value outside the supported calendar range (about ±262,000 years) or infinite"
                        .to_string()
                };
                let start = granularity.period_start(second).ok_or_else(out_of_range)?;
                let end = granularity.next_start(start).unwrap_or(i64::MAX);
                let label = granularity.label(start).ok_or_else(out_of_range)?;
                cache = Some(PeriodCache { granularity, start, end, label });
            }
            if let Some(c) = &cache {
                out.insert(row, c.label.as_str());
            }
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
