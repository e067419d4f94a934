//! Reading DuckDB vectors by their logical type: one view per chunk, one [`Cell`] per row.
//! Shared by the key functions, which accept values of many types.

use duckdb::core::{DataChunkHandle, FlatVector, LogicalTypeId};
use duckdb::ffi::duckdb_string_t;

/// Timestamp units, as multiples of a nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsUnit {
    Second,
    Milli,
    Micro,
    Nano,
}

impl TsUnit {
    pub fn nanos(self) -> i128 {
        match self {
            TsUnit::Second => 1_000_000_000,
            TsUnit::Milli => 1_000_000,
            TsUnit::Micro => 1_000,
            TsUnit::Nano => 1,
        }
    }
}

/// One value, in DuckDB's physical representation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Signed(i128),
    Unsigned(u128),
    /// Unscaled value and scale.
    Decimal(i128, u8),
    Float(f64),
    /// Days since the epoch.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    Timestamp(i64, TsUnit),
    Bytes(&'a [u8]),
    /// The 128-bit big-endian value of a UUID.
    Uuid(u128),
}

/// A flat vector's data viewed by its logical type. 128-bit values are read as two u64 halves
/// (low, high) because DuckDB aligns them to 8 bytes only.
pub enum Column<'a> {
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    I128(&'a [[u64; 2]]),
    U128(&'a [[u64; 2]]),
    Dec16(&'a [i16], u8),
    Dec32(&'a [i32], u8),
    Dec64(&'a [i64], u8),
    Dec128(&'a [[u64; 2]], u8),
    F32(&'a [f32]),
    F64(&'a [f64]),
    Date(&'a [i32]),
    Time(&'a [i64]),
    Timestamp(&'a [i64], TsUnit),
    Strings(&'a [duckdb_string_t]),
    Uuid(&'a [[u64; 2]]),
}

fn i128_of(v: [u64; 2]) -> i128 {
    ((v[1] as i64 as i128) << 64) | v[0] as i128
}

fn u128_of(v: [u64; 2]) -> u128 {
    (u128::from(v[1]) << 64) | u128::from(v[0])
}

/// The bytes of a DuckDB string: inlined up to 12 bytes, else behind a pointer.
pub fn string_bytes(s: &duckdb_string_t) -> &[u8] {
    // SAFETY: both union variants start with the length. Strings of up to 12 bytes are stored
    // inline (the `inlined` variant); longer ones in memory owned by the vector, which lives at
    // least as long as the borrow of `s`.
    unsafe {
        let len = s.value.inlined.length as usize;
        if len <= 12 {
            std::slice::from_raw_parts(s.value.inlined.inlined.as_ptr().cast::<u8>(), len)
        } else {
            std::slice::from_raw_parts(s.value.pointer.ptr.cast::<u8>(), len)
        }
    }
}

impl<'a> Column<'a> {
    /// Views `vector`, a flat vector of `n` rows, by its logical type; None for other types
    /// (the caller's error names them).
    ///
    /// SAFETY: `vector` must be flat with `n` rows (DuckDB flattens C API scalar function input
    /// and list children are flat); each arm reads the physical type DuckDB uses for the type.
    pub unsafe fn of(vector: &'a FlatVector<'a>, n: usize) -> Option<Column<'a>> {
        let t = vector.logical_type();
        unsafe {
            Some(match t.id() {
                LogicalTypeId::Tinyint => Column::I8(vector.as_slice_with_len(n)),
                LogicalTypeId::Smallint => Column::I16(vector.as_slice_with_len(n)),
                LogicalTypeId::Integer => Column::I32(vector.as_slice_with_len(n)),
                LogicalTypeId::Bigint => Column::I64(vector.as_slice_with_len(n)),
                LogicalTypeId::UTinyint => Column::U8(vector.as_slice_with_len(n)),
                LogicalTypeId::USmallint => Column::U16(vector.as_slice_with_len(n)),
                LogicalTypeId::UInteger => Column::U32(vector.as_slice_with_len(n)),
                LogicalTypeId::UBigint => Column::U64(vector.as_slice_with_len(n)),
                LogicalTypeId::Hugeint => Column::I128(vector.as_slice_with_len(n)),
                LogicalTypeId::UHugeint => Column::U128(vector.as_slice_with_len(n)),
                LogicalTypeId::Decimal => {
                    let scale = t.decimal_scale();
                    match t.decimal_width() {
                        0..=4 => Column::Dec16(vector.as_slice_with_len(n), scale),
                        5..=9 => Column::Dec32(vector.as_slice_with_len(n), scale),
                        10..=18 => Column::Dec64(vector.as_slice_with_len(n), scale),
                        _ => Column::Dec128(vector.as_slice_with_len(n), scale),
                    }
                }
                LogicalTypeId::Float => Column::F32(vector.as_slice_with_len(n)),
                LogicalTypeId::Double => Column::F64(vector.as_slice_with_len(n)),
                LogicalTypeId::Date => Column::Date(vector.as_slice_with_len(n)),
                LogicalTypeId::Time => Column::Time(vector.as_slice_with_len(n)),
                LogicalTypeId::Timestamp | LogicalTypeId::TimestampTZ => Column::Timestamp(vector.as_slice_with_len(n), TsUnit::Micro),
                LogicalTypeId::TimestampS => Column::Timestamp(vector.as_slice_with_len(n), TsUnit::Second),
                LogicalTypeId::TimestampMs => Column::Timestamp(vector.as_slice_with_len(n), TsUnit::Milli),
                LogicalTypeId::TimestampNs => Column::Timestamp(vector.as_slice_with_len(n), TsUnit::Nano),
                LogicalTypeId::Varchar | LogicalTypeId::Blob => Column::Strings(vector.as_slice_with_len(n)),
                LogicalTypeId::Uuid => Column::Uuid(vector.as_slice_with_len(n)),
                _ => return None,
            })
        }
    }

    /// Row `i` (which must be below the `n` the view was made with).
    pub fn cell(&self, i: usize) -> Cell<'a> {
        match self {
            Column::I8(v) => Cell::Signed(i128::from(v[i])),
            Column::I16(v) => Cell::Signed(i128::from(v[i])),
            Column::I32(v) => Cell::Signed(i128::from(v[i])),
            Column::I64(v) => Cell::Signed(i128::from(v[i])),
            Column::U8(v) => Cell::Unsigned(u128::from(v[i])),
            Column::U16(v) => Cell::Unsigned(u128::from(v[i])),
            Column::U32(v) => Cell::Unsigned(u128::from(v[i])),
            Column::U64(v) => Cell::Unsigned(u128::from(v[i])),
            Column::I128(v) => Cell::Signed(i128_of(v[i])),
            Column::U128(v) => Cell::Unsigned(u128_of(v[i])),
            Column::Dec16(v, s) => Cell::Decimal(i128::from(v[i]), *s),
            Column::Dec32(v, s) => Cell::Decimal(i128::from(v[i]), *s),
            Column::Dec64(v, s) => Cell::Decimal(i128::from(v[i]), *s),
            Column::Dec128(v, s) => Cell::Decimal(i128_of(v[i]), *s),
            Column::F32(v) => Cell::Float(f64::from(v[i])),
            Column::F64(v) => Cell::Float(v[i]),
            Column::Date(v) => Cell::Date(v[i]),
            Column::Time(v) => Cell::Time(v[i]),
            Column::Timestamp(v, unit) => Cell::Timestamp(v[i], *unit),
            Column::Strings(v) => Cell::Bytes(string_bytes(&v[i])),
            // DuckDB stores a UUID as a HUGEINT with the top bit flipped (so that it sorts).
            Column::Uuid(v) => Cell::Uuid(u128_of([v[i][0], v[i][1] ^ (1 << 63)])),
        }
    }
}

/// The validity mask of one column of a chunk; `None` when every row is valid.
pub struct Validity<'a>(Option<&'a [u64]>);

impl<'a> Validity<'a> {
    /// The mask of column `col` of `chunk`, which holds `n` rows.
    pub fn of(chunk: &'a DataChunkHandle, col: usize, n: usize) -> Validity<'a> {
        // SAFETY: `chunk` is a live data chunk with a column `col` (the caller's signature says
        // so); a vector's validity mask, when present, holds one bit per row in u64 words and
        // lives as long as the chunk.
        unsafe {
            let vector = duckdb::ffi::duckdb_data_chunk_get_vector(chunk.get_ptr(), col as u64);
            let mask = duckdb::ffi::duckdb_vector_get_validity(vector);
            if mask.is_null() {
                Validity(None)
            } else {
                Validity(Some(std::slice::from_raw_parts(mask, n.div_ceil(64))))
            }
        }
    }

    pub fn is_valid(&self, row: usize) -> bool {
        match self.0 {
            None => true,
            Some(words) => words[row / 64] >> (row % 64) & 1 == 1,
        }
    }
}

/// The (offset, length) entries of a LIST column of a chunk, read once instead of per row.
pub fn list_entries(chunk: &DataChunkHandle, col: usize, n: usize) -> &[duckdb::ffi::duckdb_list_entry] {
    // SAFETY: `chunk` is a live data chunk whose column `col` is a LIST (the caller checked its
    // type); DuckDB flattens a scalar function's input before the call, so the vector's data is
    // one duckdb_list_entry per row, `n` rows, living as long as the chunk.
    unsafe {
        let vector = duckdb::ffi::duckdb_data_chunk_get_vector(chunk.get_ptr(), col as u64);
        let data = duckdb::ffi::duckdb_vector_get_data(vector) as *const duckdb::ffi::duckdb_list_entry;
        if data.is_null() || n == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(data, n)
        }
    }
}

/// Writes one BOOLEAN per row into a scalar function's output vector (declared BOOLEAN, with
/// room for `n` rows): `flag(row)` for every row below `n`.
pub fn write_flags(output: &mut dyn duckdb::vtab::arrow::WritableVector, n: usize, flag: impl Fn(usize) -> bool) {
    let mut out = output.flat_vector();
    // SAFETY: the caller's signature declares the result BOOLEAN (one byte per row), and DuckDB
    // gives a scalar function's output room for its input's `n` rows.
    let flags = unsafe { out.as_mut_slice_with_len::<bool>(n) };
    for (row, f) in flags.iter_mut().enumerate() {
        *f = flag(row);
    }
}
