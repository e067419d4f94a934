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
use duckdb::ffi::duckdb_string_t;
use duckdb::types::DuckString;
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::hash::{bucket, check_buckets, hash_bytes, hash_decimal, hash_long, hash_uuid, hash_wide, hash_unsigned, SUPPORTED};

pub struct PartitionKeyHash;

/// A chunk's values, viewed in their physical layout. 128-bit values are read as two u64
/// halves (low, high) because DuckDB aligns them to 8 bytes only.
enum Values<'a> {
    Signed8(&'a [i8]),
    Signed16(&'a [i16]),
    Signed32(&'a [i32]),
    Signed64(&'a [i64]),
    Unsigned8(&'a [u8]),
    Unsigned16(&'a [u16]),
    Unsigned32(&'a [u32]),
    Unsigned64(&'a [u64]),
    Huge(&'a [[u64; 2]]),
    UHuge(&'a [[u64; 2]]),
    Decimal16(&'a [i16]),
    Decimal32(&'a [i32]),
    Decimal64(&'a [i64]),
    Decimal128(&'a [[u64; 2]]),
    /// Timestamps in their unit, with the factor to microseconds (negative: divide).
    Timestamp(&'a [i64], i64),
    Strings(&'a [duckdb_string_t]),
    Uuid(&'a [[u64; 2]]),
}

fn wide(v: [u64; 2]) -> i128 {
    ((v[1] as i64 as i128) << 64) | v[0] as i128
}

impl<'a> Values<'a> {
    /// Views `vector` (of `n` flat rows) by its logical type.
    ///
    /// SAFETY: the caller passes a flat vector of `n` rows; each arm reads it with the physical
    /// type DuckDB uses for that logical type.
    unsafe fn of(vector: &'a FlatVector<'a>, n: usize) -> Result<Values<'a>, String> {
        let t = vector.logical_type();
        unsafe {
            Ok(match t.id() {
                LogicalTypeId::Tinyint => Values::Signed8(vector.as_slice_with_len(n)),
                LogicalTypeId::Smallint => Values::Signed16(vector.as_slice_with_len(n)),
                LogicalTypeId::Integer | LogicalTypeId::Date => Values::Signed32(vector.as_slice_with_len(n)),
                LogicalTypeId::Bigint | LogicalTypeId::Time => Values::Signed64(vector.as_slice_with_len(n)),
                LogicalTypeId::UTinyint => Values::Unsigned8(vector.as_slice_with_len(n)),
                LogicalTypeId::USmallint => Values::Unsigned16(vector.as_slice_with_len(n)),
                LogicalTypeId::UInteger => Values::Unsigned32(vector.as_slice_with_len(n)),
                LogicalTypeId::UBigint => Values::Unsigned64(vector.as_slice_with_len(n)),
                LogicalTypeId::Hugeint => Values::Huge(vector.as_slice_with_len(n)),
                LogicalTypeId::UHugeint => Values::UHuge(vector.as_slice_with_len(n)),
                LogicalTypeId::Decimal => match t.decimal_width() {
                    0..=4 => Values::Decimal16(vector.as_slice_with_len(n)),
                    5..=9 => Values::Decimal32(vector.as_slice_with_len(n)),
                    10..=18 => Values::Decimal64(vector.as_slice_with_len(n)),
                    _ => Values::Decimal128(vector.as_slice_with_len(n)),
                },
                LogicalTypeId::Timestamp | LogicalTypeId::TimestampTZ => Values::Timestamp(vector.as_slice_with_len(n), 1),
                LogicalTypeId::TimestampS => Values::Timestamp(vector.as_slice_with_len(n), 1_000_000),
                LogicalTypeId::TimestampMs => Values::Timestamp(vector.as_slice_with_len(n), 1_000),
                LogicalTypeId::TimestampNs => Values::Timestamp(vector.as_slice_with_len(n), -1_000),
                LogicalTypeId::Varchar | LogicalTypeId::Blob => Values::Strings(vector.as_slice_with_len(n)),
                LogicalTypeId::Uuid => Values::Uuid(vector.as_slice_with_len(n)),
                other => {
                    return Err(format!(
                        "partition_key_hash: values of type {} cannot be bucketed (Iceberg buckets no FLOAT, DOUBLE \
                         or BOOLEAN); supported types: {SUPPORTED}",
                        format!("{other:?}").to_uppercase()
                    ))
                }
            })
        }
    }

    /// Iceberg's hash of row `i`.
    fn hash(&self, i: usize) -> i32 {
        match self {
            Values::Signed8(v) => hash_long(i64::from(v[i])),
            Values::Signed16(v) => hash_long(i64::from(v[i])),
            Values::Signed32(v) => hash_long(i64::from(v[i])),
            Values::Signed64(v) => hash_long(v[i]),
            Values::Unsigned8(v) => hash_long(i64::from(v[i])),
            Values::Unsigned16(v) => hash_long(i64::from(v[i])),
            Values::Unsigned32(v) => hash_long(i64::from(v[i])),
            Values::Unsigned64(v) => hash_unsigned(u128::from(v[i])),
            Values::Huge(v) => hash_wide(wide(v[i])),
            Values::UHuge(v) => hash_unsigned((u128::from(v[i][1]) << 64) | u128::from(v[i][0])),
            Values::Decimal16(v) => hash_decimal(i128::from(v[i])),
            Values::Decimal32(v) => hash_decimal(i128::from(v[i])),
            Values::Decimal64(v) => hash_decimal(i128::from(v[i])),
            Values::Decimal128(v) => hash_decimal(wide(v[i])),
            Values::Timestamp(v, f) if *f < 0 => hash_long(v[i].div_euclid(-f)),
            Values::Timestamp(v, f) => hash_long(v[i].saturating_mul(*f)),
            Values::Strings(v) => hash_bytes(DuckString::new(&mut { v[i] }).as_bytes()),
            // DuckDB stores a UUID as a HUGEINT with the top bit flipped (so that it sorts).
            Values::Uuid(v) => hash_uuid(((u128::from(v[i][1] ^ (1 << 63))) << 64) | u128::from(v[i][0])),
        }
    }
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
        let (values_view, count_slice) = unsafe { (Values::of(&values, n)?, counts.as_slice_with_len::<i32>(n)) };
        let mut checked: Option<(i32, u32)> = None;
        for row in 0..n {
            if values.row_is_null(row as u64) || counts.row_is_null(row as u64) {
                out.set_null(row);
                continue;
            }
            let buckets = match checked {
                Some((raw, b)) if raw == count_slice[row] => b,
                _ => {
                    let b = check_buckets(i64::from(count_slice[row])).map_err(|e| format!("partition_key_hash: {e}"))?;
                    checked = Some((count_slice[row], b));
                    b
                }
            };
            let b = bucket(values_view.hash(row), buckets) as i32;
            // SAFETY: the output vector is INTEGER (the signature's return type) with `n` rows.
            unsafe { out.as_mut_slice::<i32>()[row] = b };
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
