//! `partext_temporal_counts(value, granularity, col)`: an aggregate that counts the rows of each
//! fine unit (hours, or days for day and coarser granularities and for DATE columns) of a date
//! or time column (`ext::key_counts`: keys ascending, NULL values as `null_rows`).
//! partition_temporal's macro calls it once over its source.
//!
//! ```sql
//! SELECT partext_temporal_counts(ts, ['month'], ['ts']) FROM events;
//! ```
//!
//! Per row: one floor division by a compile-time constant (`core::temporal::fine_units`) and,
//! for sorted or clustered data, one comparison (`core::counts::KeyCounts`): no hash table of
//! DuckDB's and no key vector in between. ±infinity and types without a calendar are errors.

use duckdb::ffi;

use super::temporal_type_of;
use super::NAME;
use crate::core::error::Error;
use crate::core::temporal::key_type;
use crate::core::temporal::{fine_units, infinite_error, parse_granularity};
use crate::core::types::TemporalType;
use crate::ext::key_counts::{boxed_text, column, type_id, KeyCounter, RawType, States};

pub struct PartextTemporalCounts;

impl KeyCounter for PartextTemporalCounts {
    const SQL_NAME: &'static str = "partext_temporal_counts";
    const NAME: &'static str = NAME;

    fn parameters() -> Vec<RawType> {
        vec![RawType::boxed_text(), RawType::boxed_text()]
    }

    unsafe fn update(input: ffi::duckdb_data_chunk, n: usize, states: States) -> Result<(), Error> {
        // SAFETY: `input` is live and flat with this aggregate's three arguments and `n` rows;
        // each read below stays within `n` rows, and each state is used once at a time.
        unsafe {
            let col = boxed_text(column(input, 2), NAME, "col")?
                .ok_or_else(|| Error::user("argument 'col' is NULL; pass the name of a DATE or TIMESTAMP column"))?;
            let values = column(input, 0);
            let id = type_id(values);
            let key_type = match temporal_type_of(id) {
                Some(t) => t,
                None => {
                    return Err(key_type(&col, &format!("{id:?}").to_uppercase())
                        .err()
                        .unwrap_or_else(|| Error::internal("a temporal key of no temporal type")))
                }
            };
            let gran = boxed_text(column(input, 1), NAME, "granularity")?.ok_or_else(|| {
                Error::user("argument 'granularity' is NULL; pass 'hour', 'day', 'week', 'month', 'quarter', 'year' or 'auto'")
            })?;
            let (granularity, _) = parse_granularity(&gran, key_type)?;
            let data = ffi::duckdb_vector_get_data(values);
            let raw: Vec<i64> = if key_type == TemporalType::Date {
                std::slice::from_raw_parts(data as *const i32, n).iter().map(|&d| i64::from(d)).collect()
            } else {
                std::slice::from_raw_parts(data as *const i64, n).to_vec()
            };
            let mask = ffi::duckdb_vector_get_validity(values);
            let valid = |row: usize| mask.is_null() || ffi::duckdb_validity_row_is_valid(mask, row as u64);
            let mut units = vec![0i64; n];
            fine_units(key_type, &raw, granularity.fine_unit_seconds(), valid, &mut units)
                .map_err(|_| Error::user(format!("{}", infinite_error(&col))))?;
            for (row, &unit) in units.iter().enumerate() {
                let state = states.at(row);
                if valid(row) {
                    state.add(unit);
                } else {
                    state.null_rows += 1;
                }
            }
        }
        Ok(())
    }
}
