//! `partext_temporal_counts(value, granularity, col)`: an aggregate that counts the rows of each
//! fine unit (hours, or days for day and coarser granularities and for DATE columns) of a date
//! or time column, as `LIST(STRUCT(key BIGINT, rows BIGINT))` sorted by key, NULL values under a
//! NULL key. partition_temporal's macro calls it once over its source.
//!
//! ```sql
//! SELECT partext_temporal_counts(ts, ['month'], ['ts']) FROM events;
//! ```
//!
//! Per row: one floor division by a compile-time constant (`core::temporal::fine_units`) and,
//! for sorted or clustered data, one comparison (`core::counts::KeyCounts`): no hash table of
//! DuckDB's and no key vector in between. ±infinity and types without a calendar are errors.
//!
//! DuckDB's C API registers aggregates without the duckdb crate, so this file holds the
//! callbacks. Every callback catches panics and reports errors through DuckDB; each state is a
//! pointer to a `KeyCounts` on the Rust heap, created by `init` and freed by `destroy`.

use std::ffi::CString;

use duckdb::core::LogicalTypeId;
use duckdb::ffi;
use duckdb::vtab::arrow::WritableVector;

use super::temporal_type_of;
use super::NAME;
use crate::core::counts::KeyCounts;
use crate::core::error::Error;
use crate::core::temporal::key_type;
use crate::core::temporal::{fine_units, infinite_error, parse_granularity};
use crate::core::types::TemporalType;
use crate::ext::vector::string_bytes;

/// What DuckDB stores per aggregate state: a pointer to the Rust state.
type StatePtr = *mut KeyCounts;

/// The state behind DuckDB's state handle.
///
/// # Safety
/// `state` must be a state handle of this aggregate, whose memory (`state_size` bytes)
/// holds a `StatePtr` written by `init`.
unsafe fn counts<'a>(state: ffi::duckdb_aggregate_state) -> &'a mut KeyCounts {
    unsafe { &mut **(state as *mut StatePtr) }
}

unsafe extern "C" fn state_size(_: ffi::duckdb_function_info) -> ffi::idx_t {
    std::mem::size_of::<StatePtr>() as ffi::idx_t
}

unsafe extern "C" fn init(_: ffi::duckdb_function_info, state: ffi::duckdb_aggregate_state) {
    // SAFETY: DuckDB hands `state_size` bytes of state memory to initialize; a Box allocation
    // does not unwind (it aborts on out-of-memory).
    unsafe { *(state as *mut StatePtr) = Box::into_raw(Box::default()) };
}

unsafe extern "C" fn destroy(states: *mut ffi::duckdb_aggregate_state, count: ffi::idx_t) {
    for i in 0..count as usize {
        // SAFETY: DuckDB passes `count` states that `init` initialized; each Box is freed once
        // and its pointer cleared.
        unsafe {
            let slot = *states.add(i) as *mut StatePtr;
            if !(*slot).is_null() {
                drop(Box::from_raw(*slot));
                *slot = std::ptr::null_mut();
            }
        }
    }
}

/// Reports `message` as the aggregate's error.
fn set_error(info: ffi::duckdb_function_info, message: &str) {
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    // SAFETY: `info` is the live function info of the current callback; DuckDB copies the text.
    unsafe { ffi::duckdb_aggregate_function_set_error(info, text.as_ptr()) };
}

/// Runs a callback body, turning an error or a panic into DuckDB's error.
fn guarded(info: ffi::duckdb_function_info, body: impl FnOnce() -> Result<(), Error>) {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => set_error(info, &e.to_string()),
        Err(_) => set_error(info, &Error::internal("a panic while counting rows").named(NAME).to_string()),
    }
}

/// Column `col` of a chunk handed to a callback.
///
/// # Safety
/// `chunk` is live and has column `col`.
unsafe fn column(chunk: ffi::duckdb_data_chunk, col: u64) -> ffi::duckdb_vector {
    unsafe { ffi::duckdb_data_chunk_get_vector(chunk, col) }
}

/// Whether row `row` of `vector` is valid.
///
/// # Safety
/// `vector` is live and holds `row`.
unsafe fn is_valid(vector: ffi::duckdb_vector, row: u64) -> bool {
    unsafe {
        let mask = ffi::duckdb_vector_get_validity(vector);
        mask.is_null() || ffi::duckdb_validity_row_is_valid(mask, row)
    }
}

/// The first value of a boxed VARCHAR argument (`['month']`) in row 0, or None for NULL.
///
/// # Safety
/// `vector` is a live, flat VARCHAR[] vector with at least one row.
unsafe fn boxed_text(vector: ffi::duckdb_vector, name: &str) -> Result<Option<String>, Error> {
    unsafe {
        if !is_valid(vector, 0) {
            return Ok(None);
        }
        let entry = *(ffi::duckdb_vector_get_data(vector) as *const ffi::duckdb_list_entry);
        let child = ffi::duckdb_list_vector_get_child(vector);
        if entry.length == 0 || !is_valid(child, entry.offset) {
            return Ok(None);
        }
        let s = &*(ffi::duckdb_vector_get_data(child) as *const ffi::duckdb_string_t).add(entry.offset as usize);
        crate::ext::args::text_of(string_bytes(s), NAME, name).map(Some)
    }
}

/// The logical type id of `vector`.
///
/// # Safety
/// `vector` is live.
unsafe fn type_id(vector: ffi::duckdb_vector) -> LogicalTypeId {
    unsafe {
        let mut t = ffi::duckdb_vector_get_column_type(vector);
        let id = LogicalTypeId::from(ffi::duckdb_get_type_id(t));
        ffi::duckdb_destroy_logical_type(&mut t);
        id
    }
}

unsafe extern "C" fn update(info: ffi::duckdb_function_info, input: ffi::duckdb_data_chunk, states: *mut ffi::duckdb_aggregate_state) {
    guarded(info, || {
        // SAFETY: DuckDB passes a live, flattened input chunk with this aggregate's three
        // arguments, and one initialized state per row; each read below stays within `n` rows.
        unsafe {
            let n = ffi::duckdb_data_chunk_get_size(input) as usize;
            if n == 0 {
                return Ok(());
            }
            let col = boxed_text(column(input, 2), "col")?
                .ok_or_else(|| Error::user("argument 'col' is NULL; pass the name of a DATE or TIMESTAMP column").named(NAME))?;
            let values = column(input, 0);
            let id = type_id(values);
            let key_type = match temporal_type_of(id) {
                Some(t) => t,
                None => {
                    return Err(key_type(&col, &format!("{id:?}").to_uppercase())
                        .err()
                        .unwrap_or_else(|| Error::internal("a temporal key of no temporal type"))
                        .named(NAME))
                }
            };
            let gran = boxed_text(column(input, 1), "granularity")?.ok_or_else(|| {
                Error::user("argument 'granularity' is NULL; pass 'hour', 'day', 'week', 'month', 'quarter', 'year' or 'auto'").named(NAME)
            })?;
            let (granularity, _) = parse_granularity(&gran, key_type).map_err(|e| e.named(NAME))?;
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
                .map_err(|_| Error::user(format!("{}", infinite_error(&col))).named(NAME))?;
            for (row, &unit) in units.iter().enumerate() {
                let state = counts(*states.add(row));
                if valid(row) {
                    state.add(unit);
                } else {
                    state.null_rows += 1;
                }
            }
        }
        Ok(())
    });
}

unsafe extern "C" fn combine(
    info: ffi::duckdb_function_info,
    source: *mut ffi::duckdb_aggregate_state,
    target: *mut ffi::duckdb_aggregate_state,
    count: ffi::idx_t,
) {
    guarded(info, || {
        for i in 0..count as usize {
            // SAFETY: DuckDB passes `count` source and target states, all initialized by `init`
            // and distinct from each other.
            unsafe {
                let from = std::mem::take(counts(*source.add(i)));
                counts(*target.add(i)).merge(from);
            }
        }
        Ok(())
    });
}

unsafe extern "C" fn finalize(
    info: ffi::duckdb_function_info,
    source: *mut ffi::duckdb_aggregate_state,
    result: ffi::duckdb_vector,
    count: ffi::idx_t,
    offset: ffi::idx_t,
) {
    guarded(info, || {
        // SAFETY: DuckDB passes `count` initialized states; `result` is the LIST(STRUCT) result
        // vector with room for rows `offset .. offset + count`.
        let lists: Vec<(Vec<(i64, u64)>, u64)> =
            (0..count as usize).map(|i| unsafe { counts(*source.add(i)) }).map(|c| (c.sorted(), c.null_rows)).collect();
        let total: usize = lists.iter().map(|(k, nulls)| k.len() + usize::from(*nulls > 0)).sum();
        let mut result = result;
        let mut list = result.list_vector();
        let already = list.len();
        let entries = list.struct_child(already + total);
        let mut keys = entries.child(0, already + total);
        let mut rows = entries.child(1, already + total);
        let mut at = already;
        for (i, (sorted, nulls)) in lists.iter().enumerate() {
            let start = at;
            // SAFETY: both fields are BIGINT; `at` stays below the reserved `already + total`.
            unsafe {
                for &(k, n) in sorted {
                    keys.as_mut_slice_with_len::<i64>(already + total)[at] = k;
                    rows.as_mut_slice_with_len::<i64>(already + total)[at] = n as i64;
                    at += 1;
                }
                if *nulls > 0 {
                    keys.set_null(at);
                    rows.as_mut_slice_with_len::<i64>(already + total)[at] = *nulls as i64;
                    at += 1;
                }
            }
            list.set_entry(offset as usize + i, start, at - start);
        }
        list.set_len(already + total);
        Ok(())
    });
}

/// A logical type made through the C API, destroyed on drop.
struct RawType(ffi::duckdb_logical_type);

impl RawType {
    fn of(id: u32) -> RawType {
        // SAFETY: creating a primitive logical type has no preconditions.
        RawType(unsafe { ffi::duckdb_create_logical_type(id) })
    }

    fn list(child: &RawType) -> RawType {
        // SAFETY: `child` is a live logical type; DuckDB copies it.
        RawType(unsafe { ffi::duckdb_create_list_type(child.0) })
    }
}

impl Drop for RawType {
    fn drop(&mut self) {
        // SAFETY: the type was created by this wrapper and is destroyed once.
        unsafe { ffi::duckdb_destroy_logical_type(&mut self.0) };
    }
}

/// The aggregate's return type: `LIST(STRUCT(key BIGINT, rows BIGINT))`.
fn return_type() -> RawType {
    let bigint = || RawType::of(ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGINT);
    let (key, rows) = (bigint(), bigint());
    let mut types = [key.0, rows.0];
    let names = [c"key".as_ptr(), c"rows".as_ptr()];
    // SAFETY: two live member types and two NUL-terminated names; DuckDB copies them.
    let fields = RawType(unsafe { ffi::duckdb_create_struct_type(types.as_mut_ptr(), names.as_ptr() as *mut _, 2) });
    RawType::list(&fields)
}

/// Registers the aggregate on a raw connection (the duckdb crate has no aggregate API).
///
/// # Safety
/// `con` must be a live connection of the database being loaded.
pub unsafe fn register(con: ffi::duckdb_connection) -> Result<(), Error> {
    let text = RawType::of(ffi::DUCKDB_TYPE_DUCKDB_TYPE_VARCHAR);
    let params = [RawType::of(ffi::DUCKDB_TYPE_DUCKDB_TYPE_ANY), RawType::list(&text), RawType::list(&text)];
    let name = CString::new("partext_temporal_counts").expect("no NUL");
    unsafe {
        let mut f = ffi::duckdb_create_aggregate_function();
        ffi::duckdb_aggregate_function_set_name(f, name.as_ptr());
        for p in &params {
            ffi::duckdb_aggregate_function_add_parameter(f, p.0);
        }
        let ret = return_type();
        ffi::duckdb_aggregate_function_set_return_type(f, ret.0);
        ffi::duckdb_aggregate_function_set_functions(f, Some(state_size), Some(init), Some(update), Some(combine), Some(finalize));
        ffi::duckdb_aggregate_function_set_destructor(f, Some(destroy));
        let state = ffi::duckdb_register_aggregate_function(con, f);
        ffi::duckdb_destroy_aggregate_function(&mut f);
        if state != ffi::DuckDBSuccess {
            return Err(Error::internal("could not register partext_temporal_counts"));
        }
    }
    Ok(())
}
