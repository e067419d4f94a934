//! partext's own connection to the host database, made once while the extension loads.
//!
//! Manifest functions run their scans through it: DuckDB's C API gives a table function no way
//! to run a query on the caller's connection. Three facts shape this module:
//! - the database handle passed to the entry point is valid only during loading, so the
//!   connection is made then and kept;
//! - the connection sees committed data only (not the caller's TEMP tables or open
//!   transaction), which error messages explain;
//! - the connection keeps the database instance alive, so a watcher thread closes it once it is
//!   the database's last connection, and the file lock is released when the client closes.
//!
//! A DuckDB connection runs one query at a time, so callers take turns through a mutex; a
//! thread-local flag turns a nested call (a partext function inside a partext source query,
//! which would wait on itself) into an error instead of a deadlock.

use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use duckdb::Connection;

/// How often the watcher checks whether the client has closed its connections.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);

thread_local! {
    static IN_INTERNAL_QUERY: Cell<bool> = const { Cell::new(false) };
}

/// The internal connection, shared by every registered function of one database.
pub struct InternalConnection {
    conn: Mutex<Option<Connection>>,
    /// The database the caller's unqualified names fall back to.
    pub default_database: String,
}

impl InternalConnection {
    /// Wraps `conn` (made during loading) and starts the watcher that closes it when it is the
    /// database's last connection.
    pub fn start(conn: Connection) -> Result<Arc<InternalConnection>, String> {
        let default_database: String = conn
            .query_row("SELECT current_database()", [], |r| r.get(0))
            .map_err(|e| format!("partext could not read the current database: {e}"))?;
        let shared = Arc::new(InternalConnection { conn: Mutex::new(Some(conn)), default_database });
        let watched = Arc::clone(&shared);
        thread::Builder::new()
            .name("partext-watcher".into())
            .spawn(move || watched.watch())
            .map_err(|e| format!("partext could not start its connection watcher: {e}"))?;
        Ok(shared)
    }

    /// Runs `f` with the connection, one caller at a time.
    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, String>) -> Result<T, String> {
        if IN_INTERNAL_QUERY.with(|flag| flag.get()) {
            return Err("partext functions cannot be nested inside the source query of another partext function; \
                 materialize the inner result into a table first"
                .to_string());
        }
        let guard = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let conn = guard.as_ref().ok_or_else(|| {
            "partext's connection to this database was closed when the database's last client connection closed; \
             reopen the database and LOAD partext again"
                .to_string()
        })?;
        IN_INTERNAL_QUERY.with(|flag| flag.set(true));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
        IN_INTERNAL_QUERY.with(|flag| flag.set(false));
        match result {
            Ok(r) => r,
            Err(_) => Err("partext hit an internal error while querying; the query was abandoned".to_string()),
        }
    }

    fn watch(&self) {
        loop {
            thread::sleep(WATCH_INTERVAL);
            let mut guard = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(conn) = guard.as_ref() else { return };
            let count: Result<i64, _> = conn.query_row("SELECT count FROM duckdb_connection_count()", [], |r| r.get(0));
            match count {
                // Ours is the only connection left: close it so the database can shut down.
                Ok(n) if n <= 1 => {
                    *guard = None;
                    return;
                }
                Ok(_) => {}
                Err(_) => {
                    *guard = None;
                    return;
                }
            }
        }
    }
}
