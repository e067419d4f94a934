//! `partition_key(value, transform [, field])`: the value of one partition field for a row,
//! as the text Iceberg writes in the partition's path — the same text partition_by groups by.
//!
//! ```sql
//! SELECT partition_key(ts, 'month'), partition_key(user_id, 'bucket(16)'), partition_key(name, 'truncate(4)')
//! FROM events;   -- '2024-01', '3', 'alic'
//! ```
//!
//! `transform` is one of Iceberg's (`identity`, `year`, `month`, `day`, `hour`, `bucket(N)`,
//! `truncate(W)`) or partext's `week`; `field` is the spec's text of the field, which
//! partition_by passes so that its messages name the field. The value's type is checked once per chunk; per row the cost is one
//! transform (`core::spec::Humans`: a period comparison for sorted times, one murmur3 hash for
//! a bucket) and one string written. NULL gives NULL.

use duckdb::core::{DataChunkHandle, FlatVector, Inserter, LogicalTypeHandle, LogicalTypeId};
use duckdb::ffi::duckdb_string_t;
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::error::Error;
use crate::core::hash::BucketDivisor;
use crate::core::spec::{range_needs_bounds, Humans, Key, Transform};
use crate::core::types::ColumnType;
use crate::ext::vector::{string_bytes, Cell, Column, Validity};

/// The function, named in its messages.
const NAME: &str = "partition_key";

pub struct PartitionKey;

/// The partext type of a vector's logical type, for the transforms' type checks.
fn column_type(vector: &FlatVector) -> ColumnType {
    let t = vector.logical_type();
    match t.id() {
        LogicalTypeId::Decimal => ColumnType::Decimal { width: t.decimal_width(), scale: t.decimal_scale() },
        LogicalTypeId::Boolean => ColumnType::Boolean,
        LogicalTypeId::TimestampTZ => ColumnType::TimestampTz,
        LogicalTypeId::Blob => ColumnType::Blob,
        LogicalTypeId::Varchar => ColumnType::Varchar,
        LogicalTypeId::Uuid => ColumnType::Uuid,
        LogicalTypeId::Time => ColumnType::Time,
        LogicalTypeId::Date => ColumnType::Date,
        LogicalTypeId::Timestamp => ColumnType::Timestamp,
        LogicalTypeId::TimestampS => ColumnType::TimestampS,
        LogicalTypeId::TimestampMs => ColumnType::TimestampMs,
        LogicalTypeId::TimestampNs => ColumnType::TimestampNs,
        LogicalTypeId::Float => ColumnType::Float,
        LogicalTypeId::Double => ColumnType::Double,
        LogicalTypeId::Tinyint => ColumnType::TinyInt,
        LogicalTypeId::Smallint => ColumnType::SmallInt,
        LogicalTypeId::Integer => ColumnType::Integer,
        LogicalTypeId::Bigint => ColumnType::BigInt,
        LogicalTypeId::Hugeint => ColumnType::HugeInt,
        LogicalTypeId::UTinyint => ColumnType::UTinyInt,
        LogicalTypeId::USmallint => ColumnType::USmallInt,
        LogicalTypeId::UInteger => ColumnType::UInteger,
        LogicalTypeId::UBigint => ColumnType::UBigInt,
        LogicalTypeId::UHugeint => ColumnType::UHugeInt,
        other => ColumnType::Other(format!("{other:?}").to_uppercase()),
    }
}

/// A row's value as the core's transforms read it.
fn key_of<'a>(cell: Cell<'a>, t: &ColumnType) -> Key<'a> {
    match cell {
        Cell::Signed(v) => Key::Int(v),
        Cell::Unsigned(v) => Key::UInt(v),
        Cell::Decimal(v, s) => Key::Decimal(v, s),
        Cell::Float(v) => Key::Float(v),
        Cell::Date(d) => Key::Date(i64::from(d)),
        Cell::Time(us) => Key::Time(us),
        Cell::Timestamp(v, unit) if *t == ColumnType::TimestampTz => Key::TimestampTz(i128::from(v) * unit.nanos()),
        Cell::Timestamp(v, unit) => Key::Timestamp(i128::from(v) * unit.nanos()),
        Cell::Bytes(b) if *t == ColumnType::Blob => Key::Binary(b),
        Cell::Bytes(b) => Key::Text(b),
        Cell::Uuid(u) => Key::Uuid(u),
    }
}

/// Reads row `row` of a VARCHAR column as text.
fn text_at(strings: &[duckdb_string_t], row: usize) -> String {
    String::from_utf8_lossy(string_bytes(&strings[row])).into_owned()
}

impl VScalar for PartitionKey {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let values = input.flat_vector(0);
        let transforms = input.flat_vector(1);
        let mut out = output.flat_vector();
        // SAFETY: DuckDB flattens a C API scalar function's input; columns 1 and 2 are VARCHAR
        // (every signature below) with `n` rows.
        let transform_texts = unsafe { transforms.as_slice_with_len::<duckdb_string_t>(n) };
        let field_texts =
            (input.num_columns() > 2).then(|| unsafe { input.flat_vector(2).as_slice_with_len::<duckdb_string_t>(n).to_vec() });
        // With the third argument, partition_by is the caller (its generated query passes the
        // spec's text of the field), and messages are named by it.
        let name = if field_texts.is_some() { super::NAME } else { NAME };
        let valid = Validity::of(input, 0, n);
        let valid_transform = Validity::of(input, 1, n);
        let t = column_type(&values);
        let null_type = values.logical_type().id() == LogicalTypeId::SqlNull;
        // SAFETY: the vector is flat with `n` rows of the type it reports.
        let column = if null_type || t == ColumnType::Boolean { None } else { unsafe { Column::of(&values, n) } };
        // SAFETY: a BOOLEAN vector holds one byte per row, `n` rows.
        let bools = if t == ColumnType::Boolean { unsafe { values.as_slice_with_len::<u8>(n) } } else { &[][..] };
        let mut parsed: Option<(String, Transform, Option<BucketDivisor>)> = None;
        let mut humans = Humans::default();
        let mut text = String::new();
        for row in 0..n {
            if null_type || !valid.is_valid(row) || !valid_transform.is_valid(row) {
                out.set_null(row);
                continue;
            }
            let transform_text = text_at(transform_texts, row);
            let (transform, buckets) = match &parsed {
                Some((raw, tr, b)) if *raw == transform_text => (*tr, *b),
                _ => {
                    let field = field_texts.as_ref().map(|f| text_at(f, row));
                    let tr = Transform::parse(&transform_text).map_err(|e| e.named(name))?;
                    if let Transform::Range(_) = tr {
                        return Err(range_needs_bounds(tr).named(name).into());
                    }
                    tr.check_type(field.as_deref(), &t).map_err(|e| e.named(name))?;
                    let b = match tr {
                        Transform::Bucket(count) => Some(BucketDivisor::new(count)),
                        _ => None,
                    };
                    parsed = Some((transform_text, tr, b));
                    (tr, b)
                }
            };
            text.clear();
            if let Some(b) = buckets {
                let column = column.as_ref().ok_or_else(|| Error::internal("no column to hash").named(name))?;
                let hash =
                    super::super::hash::row_hash(column, row).ok_or_else(|| Error::internal("a value Iceberg cannot hash").named(name))?;
                text.push_str(&b.bucket(hash).to_string());
            } else {
                let key = match &column {
                    Some(c) => key_of(c.cell(row), &t),
                    None => Key::Bool(bools.get(row).is_some_and(|&b| b != 0)),
                };
                humans.write(transform, key, &mut text).map_err(|e| e.named(name))?;
            }
            out.insert(row, text.as_str());
        }
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        let varchar = || LogicalTypeHandle::from(LogicalTypeId::Varchar);
        vec![
            ScalarFunctionSignature::exact(vec![LogicalTypeHandle::from(LogicalTypeId::Any), varchar()], varchar()),
            ScalarFunctionSignature::exact(vec![LogicalTypeHandle::from(LogicalTypeId::Any), varchar(), varchar()], varchar()),
        ]
    }
}
