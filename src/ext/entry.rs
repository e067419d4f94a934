//! Loading partext: the C entry point's work. DuckDB hands the extension its database; partext
//! registers the aggregates on a raw connection (the duckdb crate has no aggregate API), then
//! the scalar and table functions and the macros through the duckdb crate's connection. Both
//! connections are closed before loading returns: nothing of partext stays open.

use duckdb::{ffi, Connection};

/// The C API version partext needs; the Makefile writes the same value into the metadata footer.
pub const MIN_DUCKDB_VERSION: &str = "v1.5.6";

/// Loads partext into the database behind `access`; false with DuckDB's error set on failure.
///
/// # Safety
/// `info` and `access` are the arguments DuckDB passes to the extension's entry point.
pub unsafe fn load(info: ffi::duckdb_extension_info, access: *const ffi::duckdb_extension_access) -> bool {
    let result = std::panic::catch_unwind(|| unsafe { try_load(info, access) })
        .unwrap_or_else(|_| Err("partext failed to load: internal error during registration".to_string()));
    match result {
        Ok(loaded) => loaded,
        Err(message) => {
            // SAFETY: `access` is DuckDB's access struct for this load; it copies the message.
            unsafe {
                if let Some(set_error) = (*access).set_error {
                    let text = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
                    set_error(info, text.as_ptr());
                }
            }
            false
        }
    }
}

///
/// # Safety
/// as for [`load`].
unsafe fn try_load(info: ffi::duckdb_extension_info, access: *const ffi::duckdb_extension_access) -> Result<bool, String> {
    unsafe {
        // Fills the C API function table; false when the host's API is older than partext needs
        // (DuckDB has then set the error).
        if !ffi::duckdb_rs_extension_api_init(info, access, MIN_DUCKDB_VERSION).map_err(|e| e.to_string())? {
            return Ok(false);
        }
        let get_database = (*access).get_database.ok_or("partext failed to load: DuckDB gave no database")?;
        let db_ptr = get_database(info);
        if db_ptr.is_null() {
            return Ok(false);
        }
        let db: ffi::duckdb_database = *db_ptr;
        let mut raw: ffi::duckdb_connection = std::ptr::null_mut();
        if ffi::duckdb_connect(db, &mut raw) != ffi::DuckDBSuccess {
            return Err("partext failed to load: could not connect to the database".into());
        }
        let aggregates = crate::ext::register_aggregates(raw);
        ffi::duckdb_disconnect(&mut raw);
        aggregates?;
        let conn = Connection::open_from_raw(db.cast()).map_err(|e| format!("partext failed to load: {e}"))?;
        crate::ext::register_all(conn).map_err(|e| e.to_string())?;
        Ok(true)
    }
}
