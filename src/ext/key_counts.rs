//! The native aggregates that count a manifest's rows per key in its one scan:
//! `partext_temporal_counts` (rows per fine calendar unit) and `partext_hash_counts` (rows per
//! Iceberg bucket). Each returns `STRUCT(keys BIGINT[], rows BIGINT[], null_rows BIGINT)`,
//! keys ascending, which the macro hands to its manifest function field by field.
//!
//! ```sql
//! SELECT c.keys, c.rows, c.null_rows FROM (SELECT partext_hash_counts(user_id, 16) AS c FROM events);
//! ```
//!
//! DuckDB's C API registers aggregates without the duckdb crate, so this file holds the
//! callbacks they share; a strategy supplies only [`KeyCounter::update`], which reads one chunk
//! and counts its rows into their states. Every callback catches panics and reports errors
//! through DuckDB; each state is a pointer to a `core::counts::KeyCounts` on the Rust heap,
//! created by `init` and freed by `destroy`.

use std::ffi::CString;

use duckdb::core::LogicalTypeId;
use duckdb::ffi;
use duckdb::vtab::arrow::WritableVector;

use crate::core::counts::KeyCounts;
use crate::core::error::Error;
use crate::ext::vector::string_bytes;

/// One counting aggregate: its SQL name, its arguments after the key, and how a chunk is
/// counted.
pub trait KeyCounter {
    /// The aggregate's SQL name.
    const SQL_NAME: &'static str;
    /// The manifest function the aggregate serves, named in its messages.
    const NAME: &'static str;
    /// The parameters after the key (which is ANY, so each type arrives unconverted).
    fn parameters() -> Vec<RawType>;
    /// Counts the `n` rows of `input` into their states.
    ///
    /// # Safety
    /// `input` is a live, flattened chunk with the aggregate's arguments and `n > 0` rows;
    /// `states` holds `n` states initialized by `init`.
    unsafe fn update(input: ffi::duckdb_data_chunk, n: usize, states: States) -> Result<(), Error>;
}

/// The states DuckDB hands `update`, one per input row.
#[derive(Clone, Copy)]
pub struct States(*mut ffi::duckdb_aggregate_state);

impl States {
    /// The counts of row `row`.
    ///
    /// # Safety
    /// `row` is below the chunk's row count; no other reference to that state is live.
    #[inline]
    pub unsafe fn at<'a>(self, row: usize) -> &'a mut KeyCounts {
        unsafe { counts(*self.0.add(row)) }
    }
}

/// What DuckDB stores per aggregate state: a pointer to the Rust state.
type StatePtr = *mut KeyCounts;

/// The state behind DuckDB's state handle.
///
/// # Safety
/// `state` must be a state handle of a counting aggregate, whose memory (`state_size` bytes)
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
fn guarded<C: KeyCounter>(info: ffi::duckdb_function_info, body: impl FnOnce() -> Result<(), Error>) {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => set_error(info, &e.named(C::NAME).to_string()),
        Err(_) => set_error(info, &Error::internal("a panic while counting rows").named(C::NAME).to_string()),
    }
}

unsafe extern "C" fn update<C: KeyCounter>(
    info: ffi::duckdb_function_info,
    input: ffi::duckdb_data_chunk,
    states: *mut ffi::duckdb_aggregate_state,
) {
    guarded::<C>(info, || {
        // SAFETY: DuckDB passes a live, flattened input chunk with this aggregate's arguments
        // and one initialized state per row.
        unsafe {
            let n = ffi::duckdb_data_chunk_get_size(input) as usize;
            if n == 0 {
                return Ok(());
            }
            C::update(input, n, States(states))
        }
    });
}

unsafe extern "C" fn combine<C: KeyCounter>(
    info: ffi::duckdb_function_info,
    source: *mut ffi::duckdb_aggregate_state,
    target: *mut ffi::duckdb_aggregate_state,
    count: ffi::idx_t,
) {
    guarded::<C>(info, || {
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

unsafe extern "C" fn finalize<C: KeyCounter>(
    info: ffi::duckdb_function_info,
    source: *mut ffi::duckdb_aggregate_state,
    result: ffi::duckdb_vector,
    count: ffi::idx_t,
    offset: ffi::idx_t,
) {
    guarded::<C>(info, || {
        // SAFETY: DuckDB passes `count` initialized states; `result` is the STRUCT result vector
        // (the return type below) with room for rows `offset .. offset + count`.
        let states: Vec<(Vec<(i64, u64)>, u64)> =
            (0..count as usize).map(|i| unsafe { counts(*source.add(i)) }).map(|c| (c.sorted(), c.null_rows)).collect();
        let total: usize = states.iter().map(|(sorted, _)| sorted.len()).sum();
        let mut result = result;
        let fields = result.struct_vector();
        let keys = fields.list_vector_child(0);
        let rows = fields.list_vector_child(1);
        let mut nulls = fields.child(2, offset as usize + count as usize);
        let (keys_at, rows_at) = (keys.len(), rows.len());
        let (mut key_values, mut row_values) = (keys.child(keys_at + total), rows.child(rows_at + total));
        let (mut keys, mut rows) = (keys, rows);
        let mut at = 0;
        for (i, (sorted, null_rows)) in states.iter().enumerate() {
            let row = offset as usize + i;
            // SAFETY: both lists hold BIGINT and were reserved for `total` more entries; the
            // null_rows field is BIGINT with room for `row`.
            unsafe {
                for &(k, n) in sorted {
                    key_values.as_mut_slice_with_len::<i64>(keys_at + total)[keys_at + at] = k;
                    row_values.as_mut_slice_with_len::<i64>(rows_at + total)[rows_at + at] = n as i64;
                    at += 1;
                }
                nulls.as_mut_slice_with_len::<i64>(row + 1)[row] = *null_rows as i64;
            }
            keys.set_entry(row, keys_at + at - sorted.len(), sorted.len());
            rows.set_entry(row, rows_at + at - sorted.len(), sorted.len());
        }
        keys.set_len(keys_at + total);
        rows.set_len(rows_at + total);
        Ok(())
    });
}

/// A logical type made through the C API, destroyed on drop.
pub struct RawType(ffi::duckdb_logical_type);

impl RawType {
    pub fn of(id: u32) -> RawType {
        // SAFETY: creating a primitive logical type has no preconditions.
        RawType(unsafe { ffi::duckdb_create_logical_type(id) })
    }

    pub fn list(child: &RawType) -> RawType {
        // SAFETY: `child` is a live logical type; DuckDB copies it.
        RawType(unsafe { ffi::duckdb_create_list_type(child.0) })
    }

    /// A `[value]` box of a VARCHAR argument, as the macros pass names.
    pub fn boxed_text() -> RawType {
        RawType::list(&RawType::of(ffi::DUCKDB_TYPE_DUCKDB_TYPE_VARCHAR))
    }
}

impl Drop for RawType {
    fn drop(&mut self) {
        // SAFETY: the type was created by this wrapper and is destroyed once.
        unsafe { ffi::duckdb_destroy_logical_type(&mut self.0) };
    }
}

/// The aggregates' return type: `STRUCT(keys BIGINT[], rows BIGINT[], null_rows BIGINT)`.
fn return_type() -> RawType {
    let bigint = || RawType::of(ffi::DUCKDB_TYPE_DUCKDB_TYPE_BIGINT);
    let (keys, rows, nulls) = (RawType::list(&bigint()), RawType::list(&bigint()), bigint());
    let mut types = [keys.0, rows.0, nulls.0];
    let names = [c"keys".as_ptr(), c"rows".as_ptr(), c"null_rows".as_ptr()];
    // SAFETY: three live member types and three NUL-terminated names; DuckDB copies them.
    RawType(unsafe { ffi::duckdb_create_struct_type(types.as_mut_ptr(), names.as_ptr() as *mut _, 3) })
}

/// Registers counting aggregate `C` on a raw connection (the duckdb crate has no aggregate API).
///
/// # Safety
/// `con` must be a live connection of the database being loaded.
pub unsafe fn register<C: KeyCounter>(con: ffi::duckdb_connection) -> Result<(), Error> {
    let mut params = vec![RawType::of(ffi::DUCKDB_TYPE_DUCKDB_TYPE_ANY)];
    params.extend(C::parameters());
    let name = CString::new(C::SQL_NAME).map_err(|_| Error::internal("an aggregate name with a NUL"))?;
    // SAFETY: every handle passed below is live; DuckDB copies names and types, and the
    // function object is destroyed once after registration.
    unsafe {
        let mut f = ffi::duckdb_create_aggregate_function();
        ffi::duckdb_aggregate_function_set_name(f, name.as_ptr());
        for p in &params {
            ffi::duckdb_aggregate_function_add_parameter(f, p.0);
        }
        let ret = return_type();
        ffi::duckdb_aggregate_function_set_return_type(f, ret.0);
        ffi::duckdb_aggregate_function_set_functions(
            f,
            Some(state_size),
            Some(init),
            Some(update::<C>),
            Some(combine::<C>),
            Some(finalize::<C>),
        );
        ffi::duckdb_aggregate_function_set_destructor(f, Some(destroy));
        let state = ffi::duckdb_register_aggregate_function(con, f);
        ffi::duckdb_destroy_aggregate_function(&mut f);
        if state != ffi::DuckDBSuccess {
            return Err(Error::internal(format!("could not register {}", C::SQL_NAME)));
        }
    }
    Ok(())
}

/// Column `col` of a chunk handed to a callback.
///
/// # Safety
/// `chunk` is live and has column `col`.
pub unsafe fn column(chunk: ffi::duckdb_data_chunk, col: u64) -> ffi::duckdb_vector {
    unsafe { ffi::duckdb_data_chunk_get_vector(chunk, col) }
}

/// Whether row `row` of `vector` is valid.
///
/// # Safety
/// `vector` is live and holds `row`.
pub unsafe fn is_valid(vector: ffi::duckdb_vector, row: u64) -> bool {
    unsafe {
        let mask = ffi::duckdb_vector_get_validity(vector);
        mask.is_null() || ffi::duckdb_validity_row_is_valid(mask, row)
    }
}

/// The first value of a boxed VARCHAR argument (`['month']`) in row 0, or None for NULL.
///
/// # Safety
/// `vector` is a live, flat VARCHAR[] vector with at least one row.
pub unsafe fn boxed_text(vector: ffi::duckdb_vector, function: &str, name: &str) -> Result<Option<String>, Error> {
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
        crate::ext::args::text_of(string_bytes(s), function, name).map(Some)
    }
}

/// The logical type id of `vector`.
///
/// # Safety
/// `vector` is live.
pub unsafe fn type_id(vector: ffi::duckdb_vector) -> LogicalTypeId {
    unsafe {
        let mut t = ffi::duckdb_vector_get_column_type(vector);
        let id = LogicalTypeId::from(ffi::duckdb_get_type_id(t));
        ffi::duckdb_destroy_logical_type(&mut t);
        id
    }
}
