//! Reading DuckDB vectors by their logical type: one view per chunk, one [`Cell`] per row.
//! Shared by the key functions, which accept values of many types.

use duckdb::core::{DataChunkHandle, FlatVector, LogicalTypeId};
use duckdb::ffi;
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
    /// # Safety
    /// `vector` must be flat with `n` rows (DuckDB flattens C API scalar function input).
    pub unsafe fn of(vector: &'a FlatVector<'a>, n: usize) -> Option<Column<'a>> {
        let t = vector.logical_type();
        let decimal = if t.id() == LogicalTypeId::Decimal { (t.decimal_width(), t.decimal_scale()) } else { (0, 0) };
        // SAFETY: a zero-length view keeps the vector's data pointer; `of_data` reads `n` rows.
        unsafe { Column::of_data(t.id(), decimal, vector.as_slice_with_len::<u8>(0).as_ptr(), n) }
    }

    /// Views a raw flat vector of `n` rows (such as a list's child, which must not be resized
    /// to be read: `duckdb_list_vector_reserve` on an input may move its data).
    ///
    /// # Safety
    /// `vector` must be a live flat vector with at least `n` rows, valid for `'a`.
    pub unsafe fn of_raw(vector: ffi::duckdb_vector, n: usize) -> Option<Column<'a>> {
        unsafe {
            let mut t = ffi::duckdb_vector_get_column_type(vector);
            let id = LogicalTypeId::from(ffi::duckdb_get_type_id(t));
            let decimal = if id == LogicalTypeId::Decimal { (ffi::duckdb_decimal_width(t), ffi::duckdb_decimal_scale(t)) } else { (0, 0) };
            ffi::duckdb_destroy_logical_type(&mut t);
            Column::of_data(id, decimal, ffi::duckdb_vector_get_data(vector) as *const u8, n)
        }
    }

    /// # Safety
    /// `data` points to `n` values of the physical type DuckDB uses for `id`, valid for `'a`.
    unsafe fn of_data(id: LogicalTypeId, (width, scale): (u8, u8), data: *const u8, n: usize) -> Option<Column<'a>> {
        fn view<'b, T>(data: *const u8, n: usize) -> &'b [T] {
            if n == 0 {
                return &[];
            }
            // SAFETY: guaranteed by of_data's caller.
            unsafe { std::slice::from_raw_parts(data.cast::<T>(), n) }
        }
        Some(match id {
            LogicalTypeId::Tinyint => Column::I8(view(data, n)),
            LogicalTypeId::Smallint => Column::I16(view(data, n)),
            LogicalTypeId::Integer => Column::I32(view(data, n)),
            LogicalTypeId::Bigint => Column::I64(view(data, n)),
            LogicalTypeId::UTinyint => Column::U8(view(data, n)),
            LogicalTypeId::USmallint => Column::U16(view(data, n)),
            LogicalTypeId::UInteger => Column::U32(view(data, n)),
            LogicalTypeId::UBigint => Column::U64(view(data, n)),
            LogicalTypeId::Hugeint => Column::I128(view(data, n)),
            LogicalTypeId::UHugeint => Column::U128(view(data, n)),
            LogicalTypeId::Decimal => match width {
                0..=4 => Column::Dec16(view(data, n), scale),
                5..=9 => Column::Dec32(view(data, n), scale),
                10..=18 => Column::Dec64(view(data, n), scale),
                _ => Column::Dec128(view(data, n), scale),
            },
            LogicalTypeId::Float => Column::F32(view(data, n)),
            LogicalTypeId::Double => Column::F64(view(data, n)),
            LogicalTypeId::Date => Column::Date(view(data, n)),
            LogicalTypeId::Time => Column::Time(view(data, n)),
            LogicalTypeId::Timestamp | LogicalTypeId::TimestampTZ => Column::Timestamp(view(data, n), TsUnit::Micro),
            LogicalTypeId::TimestampS => Column::Timestamp(view(data, n), TsUnit::Second),
            LogicalTypeId::TimestampMs => Column::Timestamp(view(data, n), TsUnit::Milli),
            LogicalTypeId::TimestampNs => Column::Timestamp(view(data, n), TsUnit::Nano),
            LogicalTypeId::Varchar | LogicalTypeId::Blob => Column::Strings(view(data, n)),
            LogicalTypeId::Uuid => Column::Uuid(view(data, n)),
            _ => return None,
        })
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

/// The child of a LIST column of a scalar function's input, read in place: never through
/// `duckdb_list_vector_reserve`, which may move an input's data (seen on DuckDB 1.5 for lists
/// of more than 2,048 values).
pub struct ListChild {
    pub vector: ffi::duckdb_vector,
    pub len: usize,
}

impl ListChild {
    /// The child of column `col` of `chunk`, a LIST column.
    pub fn of(chunk: &DataChunkHandle, col: usize) -> ListChild {
        // SAFETY: `chunk` is live and its column `col` is a LIST (the caller's signature says
        // so); the child and its size belong to that vector and live as long as the chunk.
        unsafe {
            let list = ffi::duckdb_data_chunk_get_vector(chunk.get_ptr(), col as u64);
            ListChild { vector: ffi::duckdb_list_vector_get_child(list), len: ffi::duckdb_list_vector_get_size(list) as usize }
        }
    }

    /// Whether element `i` (below `len`) is valid.
    pub fn is_valid(&self, i: usize) -> bool {
        // SAFETY: `vector` is live and `i` is below its size.
        unsafe {
            let mask = ffi::duckdb_vector_get_validity(self.vector);
            mask.is_null() || ffi::duckdb_validity_row_is_valid(mask, i as u64)
        }
    }

    /// The type of the elements.
    pub fn type_id(&self) -> LogicalTypeId {
        // SAFETY: `vector` is live; the type handle is destroyed after use.
        unsafe {
            let mut t = ffi::duckdb_vector_get_column_type(self.vector);
            let id = LogicalTypeId::from(ffi::duckdb_get_type_id(t));
            ffi::duckdb_destroy_logical_type(&mut t);
            id
        }
    }

    /// The elements viewed by their type; None for types partext does not read.
    pub fn column(&self) -> Option<Column<'_>> {
        // SAFETY: the child is a live flat vector of `len` elements.
        unsafe { Column::of_raw(self.vector, self.len) }
    }

    /// The elements as values of physical type T.
    ///
    /// # Safety
    /// The list's element type must be stored as T.
    pub unsafe fn values<T>(&self) -> &[T] {
        if self.len == 0 {
            return &[];
        }
        unsafe { std::slice::from_raw_parts(ffi::duckdb_vector_get_data(self.vector) as *const T, self.len) }
    }
}
