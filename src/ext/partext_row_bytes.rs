//! `partext_row_bytes(row)`: the in-memory size of one row (`estimated_bytes` in docs/contracts.md, Manifest columns):
//! fixed-width values at their physical width, VARCHAR and BLOB at 16 bytes plus their length,
//! LIST and MAP at 16 bytes plus their elements, STRUCT and ARRAY the sum of their parts.
//!
//! ```sql
//! SELECT avg(b) FROM (SELECT partext_row_bytes(partext_row) AS b FROM events AS partext_row LIMIT 32768);
//! ```
//!
//! The argument is the whole row as a STRUCT. The manifest macros average it over the first
//! 32,768 rows of the source, which DuckDB reads without scanning the rest. Cost: one visit
//! per value of the variable-width columns; fixed-width columns cost nothing per row.

use duckdb::core::{DataChunkHandle, LogicalTypeHandle, LogicalTypeId};
use duckdb::ffi;
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;

use crate::core::size::fixed_width;
use crate::core::types::ColumnType;
use crate::ext::vector::string_bytes;

pub struct PartextRowBytes;

/// partext's view of a DuckDB logical type, recursively, with the names of STRUCT fields.
///
/// # Safety
/// `t` must be a live logical type handle; the children it hands out are destroyed
/// here after use.
pub unsafe fn column_type(t: ffi::duckdb_logical_type) -> ColumnType {
    unsafe {
        let child_of = |c: ffi::duckdb_logical_type| {
            let mut c = c;
            let out = column_type(c);
            ffi::duckdb_destroy_logical_type(&mut c);
            out
        };
        match LogicalTypeId::from(ffi::duckdb_get_type_id(t)) {
            LogicalTypeId::Boolean => ColumnType::Boolean,
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
            LogicalTypeId::Float => ColumnType::Float,
            LogicalTypeId::Double => ColumnType::Double,
            LogicalTypeId::Decimal => ColumnType::Decimal { width: ffi::duckdb_decimal_width(t), scale: ffi::duckdb_decimal_scale(t) },
            LogicalTypeId::Date => ColumnType::Date,
            LogicalTypeId::Time => ColumnType::Time,
            LogicalTypeId::TimeTZ => ColumnType::TimeTz,
            LogicalTypeId::Timestamp => ColumnType::Timestamp,
            LogicalTypeId::TimestampS => ColumnType::TimestampS,
            LogicalTypeId::TimestampMs => ColumnType::TimestampMs,
            LogicalTypeId::TimestampNs => ColumnType::TimestampNs,
            LogicalTypeId::TimestampTZ => ColumnType::TimestampTz,
            LogicalTypeId::Interval => ColumnType::Interval,
            LogicalTypeId::Uuid => ColumnType::Uuid,
            LogicalTypeId::Varchar => ColumnType::Varchar,
            LogicalTypeId::Blob => ColumnType::Blob,
            LogicalTypeId::Enum => ColumnType::Enum(ffi::duckdb_enum_dictionary_size(t) as usize),
            LogicalTypeId::List => ColumnType::List(Box::new(child_of(ffi::duckdb_list_type_child_type(t)))),
            LogicalTypeId::Array => {
                ColumnType::Array(Box::new(child_of(ffi::duckdb_array_type_child_type(t))), ffi::duckdb_array_type_array_size(t) as usize)
            }
            LogicalTypeId::Map => ColumnType::Map(
                Box::new(child_of(ffi::duckdb_map_type_key_type(t))),
                Box::new(child_of(ffi::duckdb_map_type_value_type(t))),
            ),
            LogicalTypeId::Struct => {
                let n = ffi::duckdb_struct_type_child_count(t);
                let name = |i: u64| {
                    let p = ffi::duckdb_struct_type_child_name(t, i);
                    let s = std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned();
                    ffi::duckdb_free(p.cast());
                    s
                };
                ColumnType::Struct((0..n).map(|i| (name(i), child_of(ffi::duckdb_struct_type_child_type(t, i)))).collect())
            }
            _ => ColumnType::Other(String::new()),
        }
    }
}

/// The first input vector of a scalar function's chunk and partext's view of its type.
pub fn first_column(input: &DataChunkHandle) -> (ffi::duckdb_vector, ColumnType) {
    // SAFETY: the chunk is live and every signature using this has one argument, column 0;
    // the type handle is destroyed after it is read.
    unsafe {
        let v = ffi::duckdb_data_chunk_get_vector(input.get_ptr(), 0);
        let mut t = ffi::duckdb_vector_get_column_type(v);
        let row_type = column_type(t);
        ffi::duckdb_destroy_logical_type(&mut t);
        (v, row_type)
    }
}

/// The size of row `row` of vector `v`, whose type is `t`.
///
/// # Safety
/// `v` is a live, flat vector of type `t` holding `row` (DuckDB flattens a scalar
/// function's input; children of flat STRUCT, LIST and ARRAY vectors are flat).
unsafe fn value_bytes(v: ffi::duckdb_vector, t: &ColumnType, row: u64) -> u64 {
    if let Some(w) = fixed_width(t) {
        return w;
    }
    unsafe {
        let valid = ffi::duckdb_vector_get_validity(v);
        let is_null = !valid.is_null() && !ffi::duckdb_validity_row_is_valid(valid, row);
        match t {
            ColumnType::Varchar | ColumnType::Blob | ColumnType::Bit => {
                if is_null {
                    return 16;
                }
                let strings = ffi::duckdb_vector_get_data(v) as *const ffi::duckdb_string_t;
                16 + string_bytes(&*strings.add(row as usize)).len() as u64
            }
            ColumnType::List(child) | ColumnType::Map(child, _) if !is_null => {
                let entry = *(ffi::duckdb_vector_get_data(v) as *const ffi::duckdb_list_entry).add(row as usize);
                let items = ffi::duckdb_list_vector_get_child(v);
                let item_type = match t {
                    ColumnType::Map(k, val) => ColumnType::Struct(vec![(String::new(), (**k).clone()), (String::new(), (**val).clone())]),
                    _ => (**child).clone(),
                };
                16 + (entry.offset..entry.offset + entry.length).map(|i| value_bytes(items, &item_type, i)).sum::<u64>()
            }
            ColumnType::Array(child, n) => {
                let items = ffi::duckdb_array_vector_get_child(v);
                let n = *n as u64;
                (row * n..row * n + n).map(|i| value_bytes(items, child, i)).sum()
            }
            ColumnType::Struct(fields) => {
                fields.iter().enumerate().map(|(i, (_, f))| value_bytes(ffi::duckdb_struct_vector_get_child(v, i as u64), f, row)).sum()
            }
            // A NULL list or map, and types without a layout partext knows: their slot.
            _ => 16,
        }
    }
}

impl VScalar for PartextRowBytes {
    type State = ();

    fn invoke(_: &(), input: &mut DataChunkHandle, output: &mut dyn WritableVector) -> Result<(), Box<dyn std::error::Error>> {
        let n = input.len();
        let (v, row_type) = first_column(input);
        // SAFETY: `v` is the live, flat input vector of type `row_type`; rows below `n` exist.
        let sizes: Vec<i64> = unsafe { (0..n as u64).map(|row| value_bytes(v, &row_type, row) as i64).collect() };
        let mut out = output.flat_vector();
        // SAFETY: the return type is BIGINT and the output holds `n` rows.
        unsafe { out.as_mut_slice_with_len::<i64>(n) }.copy_from_slice(&sizes);
        Ok(())
    }

    fn signatures() -> Vec<ScalarFunctionSignature> {
        vec![ScalarFunctionSignature::exact(
            vec![LogicalTypeHandle::from(LogicalTypeId::Any)],
            LogicalTypeHandle::from(LogicalTypeId::Bigint),
        )]
    }
}
