//! `partition_key_hash(value, buckets)`: the Iceberg `bucket[buckets]` of `value`, an INTEGER in
//! `0 .. buckets`, equal to partition_hash's `bucket` for every row of that partition.
//!
//! ```sql
//! SELECT partition_key_hash(34, 100);          -- 79, as Iceberg's bucket[100](34)
//! SELECT partition_key_hash('iceberg', 16);
//! ```
//!
//! The value parameter is ANY so each type arrives unconverted (a DECIMAL keeps its own scale,
//! which its Iceberg hash depends on); the vector's type picks the encoding once per chunk, then
//! each row costs one murmur3 over at most 17 bytes (`core::hash`).

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use super::{row_hash, unsupported};
use crate::core::hash::BucketDivisor;
use crate::core::strategy::check_count;
use crate::ext::vector::{Column, Validity};

/// The function, named in its messages.
const NAME: &str = "partition_key_hash";

pub struct PartitionKeyHash;

impl VScalar for PartitionKeyHash {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let values = input.flat_vector(0);
        let counts = input.flat_vector(1);
        let mut out = output.flat_vector();
        if values.logical_type().id() == LogicalTypeId::SqlNull {
            for row in 0..n {
                out.set_null(row);
            }
            return Ok(());
        }
        // SAFETY: DuckDB flattens a C API scalar function's input; column 0 has the type its
        // vector reports and column 1 is INTEGER (the signature below); both have `n` rows.
        let (column, count_slice) = unsafe { (Column::of(&values, n), counts.as_slice_with_len::<i32>(n)) };
        let column = column.ok_or_else(|| unsupported(values.logical_type().id()).named(NAME))?;
        let (valid_values, valid_counts) = (Validity::of(input, 0, n), Validity::of(input, 1, n));
        let mut nulls = Vec::new();
        // SAFETY: the output vector is INTEGER (the signature's return type) with room for `n` rows.
        let result = unsafe { out.as_mut_slice_with_len::<i32>(n) };
        let mut checked: Option<(i32, BucketDivisor)> = None;
        for row in 0..n {
            if !valid_values.is_valid(row) || !valid_counts.is_valid(row) {
                nulls.push(row);
                continue;
            }
            let buckets = match checked {
                Some((raw, b)) if raw == count_slice[row] => b,
                _ => {
                    let b = BucketDivisor::new(check_count("buckets", i64::from(count_slice[row])).map_err(|e| e.named(NAME))?);
                    checked = Some((count_slice[row], b));
                    b
                }
            };
            let hash = row_hash(&column, row).ok_or_else(|| unsupported(values.logical_type().id()).named(NAME))?;
            result[row] = buckets.bucket(hash) as i32;
        }
        for row in nulls {
            out.set_null(row);
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeHandle::from(LogicalTypeId::Any), LogicalTypeHandle::from(LogicalTypeId::Integer)],
            LogicalTypeHandle::from(LogicalTypeId::Integer),
        )]
    }
}
