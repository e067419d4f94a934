//! Reading the arguments of partext's scalar functions, row by row; every NULL or malformed
//! argument becomes a message that names the function, the argument and what to pass instead.
//!
//! The manifest macros call their native functions with one row of constants and lists, so
//! these readers favour clarity over speed.

use duckdb::core::{DataChunkHandle, LogicalTypeId};
use duckdb::ffi::{duckdb_interval, duckdb_string_t};

use crate::core::error::Error;
use crate::core::strategy::{check_count, MAX_COUNT};
use crate::core::temporal::Interval;
use crate::ext::vector::{list_entries, string_bytes, ListChild, Validity};

/// The input chunk of one scalar function call.
pub struct Args<'a> {
    chunk: &'a DataChunkHandle,
    n: usize,
    /// The SQL function the user called, for messages.
    pub function: &'a str,
}

impl<'a> Args<'a> {
    pub fn new(chunk: &'a DataChunkHandle, function: &'a str) -> Args<'a> {
        Args { chunk, n: chunk.len(), function }
    }

    pub fn rows(&self) -> usize {
        self.n
    }

    /// Where the value of argument `col` at `row` lives: (vector, index), or None for NULL.
    /// An argument declared `LIST(T)` holds its value boxed as `[value]`: DuckDB returns NULL
    /// for a C API function as soon as one argument is NULL, so the macros box every argument
    /// that may be NULL, and the function sees the NULL and names it.
    fn locate(&self, col: usize, row: usize) -> Option<(duckdb::ffi::duckdb_vector, usize)> {
        let vector = self.chunk.flat_vector(col);
        match vector.logical_type().id() {
            LogicalTypeId::SqlNull => None,
            LogicalTypeId::List => {
                let (offset, len) = self.list_entry(col, row);
                let child = ListChild::of(self.chunk, col);
                (len > 0 && child.is_valid(offset)).then_some((child.vector, offset))
            }
            _ => Validity::of(self.chunk, col, self.n).is_valid(row).then(|| (self.raw(col), row)),
        }
    }

    fn raw(&self, col: usize) -> duckdb::ffi::duckdb_vector {
        // SAFETY: the chunk is live and has column `col` (the caller's signature says so).
        unsafe { duckdb::ffi::duckdb_data_chunk_get_vector(self.chunk.get_ptr(), col as u64) }
    }

    /// A value of physical type T, or None for NULL.
    ///
    /// SAFETY: the caller's signature declares column `col` (or its list child) with a type
    /// stored as T; DuckDB flattens a C API scalar function's input, so index `i` is in bounds.
    unsafe fn value<T: Copy>(&self, col: usize, row: usize) -> Option<T> {
        let (vector, i) = self.locate(col, row)?;
        unsafe { Some(*(duckdb::ffi::duckdb_vector_get_data(vector) as *const T).add(i)) }
    }

    /// An optional VARCHAR argument. Text holding a NUL byte is refused, never cut short.
    pub fn opt_text(&self, col: usize, row: usize, name: &str) -> Result<Option<String>, Error> {
        // SAFETY: VARCHAR values are stored as duckdb_string_t (the signature declares VARCHAR).
        match unsafe { self.value::<duckdb_string_t>(col, row) } {
            None => Ok(None),
            Some(s) => text_of(string_bytes(&s), self.function, name).map(Some),
        }
    }

    /// The manifest function an internal function works for, named by its argument `col` (the
    /// macros pass their own name); an argument that names no partext function (a direct call)
    /// gives the internal function's own name, so that every message names partext.
    pub fn caller(&self, col: usize, row: usize, own: &'static str) -> String {
        match self.opt_text(col, row, "function") {
            Ok(Some(name)) if crate::core::manifest::MANIFEST_FUNCTIONS.contains(&name.as_str()) => name,
            _ => own.to_string(),
        }
    }

    /// A required VARCHAR argument; NULL is an error whose message suggests `hint`.
    pub fn text(&self, col: usize, row: usize, name: &str, hint: &str) -> Result<String, Error> {
        self.opt_text(col, row, name)?.ok_or_else(|| self.null_error(name, hint))
    }

    pub fn opt_int(&self, col: usize, row: usize) -> Option<i64> {
        // SAFETY: the signature declares column `col` BIGINT (i64).
        unsafe { self.value::<i64>(col, row) }
    }

    /// A required bucket or partition count, the argument called `name`: 1 ..= 65536
    /// (`core::strategy::check_count`).
    pub fn count(&self, col: usize, row: usize, name: &str) -> Result<u32, Error> {
        let n = self.opt_int(col, row).ok_or_else(|| self.null_error(name, &format!("a count between 1 and {MAX_COUNT}")))?;
        check_count(name, n).map_err(|e| e.named(self.function))
    }

    pub fn opt_double(&self, col: usize, row: usize) -> Option<f64> {
        // SAFETY: the signature declares column `col` DOUBLE (f64).
        unsafe { self.value::<f64>(col, row) }
    }

    pub fn opt_bool(&self, col: usize, row: usize) -> Option<bool> {
        // SAFETY: the signature declares column `col` BOOLEAN, stored as one byte.
        unsafe { self.value::<u8>(col, row) }.map(|b| b != 0)
    }

    pub fn opt_interval(&self, col: usize, row: usize) -> Option<Interval> {
        // SAFETY: the signature declares column `col` INTERVAL (duckdb_interval).
        unsafe { self.value::<duckdb_interval>(col, row) }.map(|v| Interval { months: v.months, days: v.days, micros: v.micros })
    }

    /// The (offset, length) of row `row`'s list in column `col`; a NULL list is empty.
    fn list_entry(&self, col: usize, row: usize) -> (usize, usize) {
        if !Validity::of(self.chunk, col, self.n).is_valid(row) {
            return (0, 0);
        }
        let e = list_entries(self.chunk, col, self.n)[row];
        (e.offset as usize, e.length as usize)
    }

    /// A BIGINT[] argument; NULL elements read as None.
    pub fn int_list(&self, col: usize, row: usize) -> Vec<Option<i64>> {
        let (offset, len) = self.list_entry(col, row);
        let child = ListChild::of(self.chunk, col);
        // SAFETY: the signature declares column `col` BIGINT[], so the child holds i64 values,
        // and every entry lies inside it.
        let values = unsafe { child.values::<i64>() };
        (offset..offset + len).map(|i| child.is_valid(i).then(|| values[i])).collect()
    }

    /// A VARCHAR[] argument; NULL elements read as None.
    pub fn text_list(&self, col: usize, row: usize, name: &str) -> Result<Vec<Option<String>>, Error> {
        let (offset, len) = self.list_entry(col, row);
        let child = ListChild::of(self.chunk, col);
        // SAFETY: the signature declares column `col` VARCHAR[]: the child holds strings.
        let values = unsafe { child.values::<duckdb_string_t>() };
        (offset..offset + len)
            .map(|i| if child.is_valid(i) { text_of(string_bytes(&values[i]), self.function, name).map(Some) } else { Ok(None) })
            .collect()
    }

    pub fn null_error(&self, name: &str, hint: &str) -> Error {
        Error::user(format!("argument '{name}' is NULL; pass {hint}")).named(self.function)
    }
}

/// UTF-8 text of an argument; a NUL byte is refused so that no argument is ever truncated.
pub fn text_of(bytes: &[u8], function: &str, name: &str) -> Result<String, Error> {
    if bytes.contains(&0) {
        return Err(Error::user(format!("argument '{name}' contains a NUL character (chr(0)); remove it")).named(function));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// The size target in bytes: `target_mb` MiB when given, else memory_limit / (4 × threads) of
/// the caller's session, so that `threads` partitions fit in memory with room to spare.
pub fn target_bytes(function: &str, target_mb: Option<f64>, memory_limit: Option<&str>, threads: Option<i64>) -> Result<f64, Error> {
    match target_mb {
        Some(mb) if mb > 0.0 && mb.is_finite() => Ok(mb * 1024.0 * 1024.0),
        Some(mb) => Err(Error::user(format!("target_mb must be a positive number of MiB, got {mb}")).named(function)),
        None => {
            let memory = memory_limit.and_then(crate::core::chunk::parse_memory);
            match (memory, threads.filter(|t| *t >= 1)) {
                (Some(m), Some(t)) => Ok(m / (4.0 * t as f64)),
                _ => Err(Error::user("target_mb is NULL and the memory_limit or threads setting could not be read; pass target_mb")
                    .named(function)),
            }
        }
    }
}

/// A required VARCHAR positional argument of a table function; NULL is an error.
pub fn string_arg(bind: &duckdb::vtab::BindInfo, function: &str, index: u64, name: &str, hint: &str) -> Result<String, Error> {
    let v = bind.get_parameter(index);
    if v.is_null() {
        return Err(Error::user(format!("argument '{name}' is NULL; pass {hint}")).named(function));
    }
    Ok(v.to_string())
}

/// An optional named parameter of a table function: None when absent, an error when NULL.
pub fn named(bind: &duckdb::vtab::BindInfo, function: &str, name: &str) -> Result<Option<duckdb::vtab::Value>, Error> {
    match bind.get_named_parameter(name) {
        None => Ok(None),
        Some(v) if v.is_null() => Err(Error::user(format!("named parameter '{name}' is NULL; omit it or give it a value")).named(function)),
        Some(v) => Ok(Some(v)),
    }
}
