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

use duckdb::core::{DataChunkHandle, FlatVector, LogicalTypeHandle, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::hash::{hash_bytes, hash_decimal, hash_long, hash_unsigned, hash_uuid, hash_wide, BucketDivisor, SUPPORTED};
use crate::core::strategy::check_count;
use crate::ext::vector::{string_bytes, Cell, Column, Validity};

/// The function, named in its messages.
const NAME: &str = "partition_key_hash";

pub struct PartitionKeyHash;

/// Iceberg's hash of one value (`core::hash` documents the encodings); None for types
/// Iceberg cannot bucket.
fn iceberg_hash(cell: Cell) -> Option<i32> {
    Some(match cell {
        Cell::Signed(v) => hash_wide(v),
        Cell::Unsigned(v) => hash_unsigned(v),
        Cell::Decimal(v, _) => hash_decimal(v),
        Cell::Date(d) => hash_long(i64::from(d)),
        Cell::Time(us) => hash_long(us),
        Cell::Timestamp(v, unit) => {
            let micros = (i128::from(v) * unit.nanos()).div_euclid(1_000);
            hash_long(i64::try_from(micros).unwrap_or(if micros < 0 { i64::MIN } else { i64::MAX }))
        }
        Cell::Bytes(b) => hash_bytes(b),
        Cell::Uuid(u) => hash_uuid(u),
        Cell::Float(_) => return None,
    })
}

fn unsupported(values: &FlatVector) -> Error {
    Error::user(format!(
        "values of type {} cannot be bucketed (Iceberg buckets no FLOAT, DOUBLE or BOOLEAN); supported types: {SUPPORTED}",
        format!("{:?}", values.logical_type().id()).to_uppercase()
    ))
    .named(NAME)
}

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
        let column = column.ok_or_else(|| unsupported(&values))?;
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
            let hash = match &column {
                // The common key types, without the per-row dispatch of `Cell`.
                Column::I64(v) => hash_long(v[row]),
                Column::I32(v) | Column::Date(v) => hash_long(i64::from(v[row])),
                Column::Strings(v) => hash_bytes(string_bytes(&v[row])),
                other => iceberg_hash(other.cell(row)).ok_or_else(|| unsupported(&values))?,
            };
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
