//! `partext_hash_counts(value, buckets)`: an aggregate that counts the rows of each Iceberg
//! bucket `0 .. buckets` of `value` (`ext::key_counts`: buckets ascending, empty buckets left
//! out, NULL values as `null_rows`). partition_hash's macro calls it once over its source.
//!
//! ```sql
//! SELECT partext_hash_counts(user_id, 16) FROM events;
//! ```
//!
//! Per row: one murmur3 hash (`row_hash`, the same as `partition_key_hash`'s), one division
//! by a precomputed reciprocal (`core::hash::BucketDivisor`) and one array slot
//! (`KeyCounts::add_index`): no hash table of DuckDB's and no key vector in between.

use duckdb::core::LogicalTypeId;
use duckdb::ffi;

use super::{row_hash, unsupported};
use crate::core::error::Error;
use crate::core::hash::BucketDivisor;
use crate::core::strategy::{check_count, MAX_COUNT};
use crate::ext::key_counts::{column, is_valid, type_id, KeyCounter, RawType, States};
use crate::ext::vector::Column;

pub struct PartextHashCounts;

impl KeyCounter for PartextHashCounts {
    const SQL_NAME: &'static str = "partext_hash_counts";
    const NAME: &'static str = "partition_hash";

    fn parameters() -> Vec<RawType> {
        vec![RawType::of(ffi::DUCKDB_TYPE_DUCKDB_TYPE_INTEGER)]
    }

    unsafe fn update(input: ffi::duckdb_data_chunk, n: usize, states: States) -> Result<(), Error> {
        // SAFETY: `input` is live and flat with this aggregate's two arguments (ANY, INTEGER) and
        // `n` rows; each read below stays within `n` rows, and each state is
        // used once at a time.
        unsafe {
            let count = column(input, 1);
            if !is_valid(count, 0) {
                return Err(Error::user(format!("argument 'buckets' is NULL; pass a count between 1 and {MAX_COUNT}")));
            }
            let raw = *(ffi::duckdb_vector_get_data(count) as *const i32);
            let buckets = BucketDivisor::new(check_count("buckets", i64::from(raw))?);
            let values = column(input, 0);
            let id = type_id(values);
            let mask = ffi::duckdb_vector_get_validity(values);
            let valid = |row: usize| mask.is_null() || ffi::duckdb_validity_row_is_valid(mask, row as u64);
            if id == LogicalTypeId::SqlNull {
                for row in 0..n {
                    states.at(row).null_rows += 1;
                }
                return Ok(());
            }
            let keys = Column::of_raw(values, n).ok_or_else(|| unsupported(id))?;
            for row in 0..n {
                let state = states.at(row);
                if !valid(row) {
                    state.null_rows += 1;
                    continue;
                }
                let hash = row_hash(&keys, row).ok_or_else(|| unsupported(id))?;
                state.add_index(buckets.bucket(hash) as usize);
            }
        }
        Ok(())
    }
}
