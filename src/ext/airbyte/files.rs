//! Files opened through DuckDB's own file system, so that every path the caller's DuckDB can
//! open works: local files, and `s3://`, `https://`, ... once the caller has loaded httpfs.
//!
//! ```sql
//! SELECT count(*) FROM read_airbyte('s3://bucket/sync/*.jsonl', stream := 'users');
//! ```
//!
//! The C API's file-system functions (DuckDB C API v1.5.6 and later) give a handle that reads
//! sequentially; [`DuckFile`] wraps it as a `std::io::Read`. All unsafe code for it is here.

use std::ffi::{CStr, CString};
use std::io::Read;

use crate::core::error::Error;
use duckdb::ffi;
use duckdb::vtab::BindInfo;

/// The file system of the caller's database, taken from a table function's bind info.
pub struct DuckFileSystem {
    fs: ffi::duckdb_file_system,
}

// SAFETY: the wrapper refers to the database instance's file system, which DuckDB shares between
// all its threads; partext uses it from one thread at a time (behind the scan's input mutex).
unsafe impl Send for DuckFileSystem {}

impl DuckFileSystem {
    /// The file system of the database running `bind`'s query.
    pub fn of(bind: &BindInfo) -> Result<DuckFileSystem, Error> {
        const _: () = assert!(std::mem::size_of::<BindInfo>() == std::mem::size_of::<ffi::duckdb_bind_info>());
        // SAFETY: BindInfo has exactly one field, a duckdb_bind_info, and (asserted above) no
        // other bytes, so that field is its whole representation; DuckDB keeps the bind info
        // valid while bind runs, and this is called from bind.
        let info: ffi::duckdb_bind_info = unsafe { std::mem::transmute_copy(bind) };
        let mut ctx: ffi::duckdb_client_context = std::ptr::null_mut();
        // SAFETY: `info` is valid during bind; the client context wrapper is destroyed here,
        // after the file system wrapper (which refers to the database, not the context) is made.
        let fs = unsafe {
            ffi::duckdb_table_function_get_client_context(info, &mut ctx);
            if ctx.is_null() {
                return Err(Error::internal("DuckDB gave no client context to open files with").named("read_airbyte"));
            }
            let fs = ffi::duckdb_client_context_get_file_system(ctx);
            ffi::duckdb_destroy_client_context(&mut ctx);
            fs
        };
        if fs.is_null() {
            return Err(Error::internal("DuckDB gave no file system to open files with").named("read_airbyte"));
        }
        Ok(DuckFileSystem { fs })
    }

    /// Opens `path` for reading.
    pub fn open(&self, path: &str) -> Result<DuckFile, Error> {
        let c_path = CString::new(path).map_err(|_| Error::user(format!("the path '{path}' contains a NUL byte")))?;
        let mut handle: ffi::duckdb_file_handle = std::ptr::null_mut();
        // SAFETY: `self.fs` is a live file-system wrapper; the options are created, used for the
        // open call and destroyed here; `handle` is written by the call (null on failure).
        let state = unsafe {
            let mut options = ffi::duckdb_create_file_open_options();
            ffi::duckdb_file_open_options_set_flag(options, ffi::duckdb_file_flag_DUCKDB_FILE_FLAG_READ, true);
            let state = ffi::duckdb_file_system_open(self.fs, c_path.as_ptr(), options, &mut handle);
            ffi::duckdb_destroy_file_open_options(&mut options);
            state
        };
        if state != ffi::DuckDBSuccess || handle.is_null() {
            // SAFETY: the file system wrapper holds the error of its last failed call.
            let message = unsafe { take_error(ffi::duckdb_file_system_error_data(self.fs)) };
            return Err(Error::user(format!("cannot open {path}: {message}")));
        }
        Ok(DuckFile { handle })
    }
}

impl Drop for DuckFileSystem {
    fn drop(&mut self) {
        // SAFETY: `self.fs` came from duckdb_client_context_get_file_system and is destroyed once.
        unsafe { ffi::duckdb_destroy_file_system(&mut self.fs) }
    }
}

/// The message of an error-data object, which is destroyed.
///
/// # Safety
/// `error` must be a live error-data object, not used afterwards.
unsafe fn take_error(mut error: ffi::duckdb_error_data) -> String {
    let text = ffi::duckdb_error_data_message(error);
    let message = if text.is_null() { "unknown error".to_string() } else { CStr::from_ptr(text).to_string_lossy().into_owned() };
    ffi::duckdb_destroy_error_data(&mut error);
    message
}

/// One file opened by DuckDB, read from start to end.
pub struct DuckFile {
    handle: ffi::duckdb_file_handle,
}

// SAFETY: a file handle is owned by one DuckFile and read by one thread at a time (the scan's
// input mutex); DuckDB's handles may move between threads.
unsafe impl Send for DuckFile {}

impl Read for DuckFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = i64::try_from(buf.len()).unwrap_or(i64::MAX);
        // SAFETY: `self.handle` is a live handle and `buf` has room for `want` bytes.
        let got = unsafe { ffi::duckdb_file_handle_read(self.handle, buf.as_mut_ptr().cast(), want) };
        if got < 0 {
            // SAFETY: the handle holds the error of its last failed call.
            let message = unsafe { take_error(ffi::duckdb_file_handle_error_data(self.handle)) };
            return Err(std::io::Error::other(message));
        }
        Ok(got as usize)
    }
}

impl Drop for DuckFile {
    fn drop(&mut self) {
        // SAFETY: `self.handle` came from duckdb_file_system_open and is destroyed once (which
        // also closes it).
        unsafe { ffi::duckdb_destroy_file_handle(&mut self.handle) }
    }
}
