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
//! At process exit the watcher must not be inside DuckDB while the host library's static data
//! is torn down (seen: a segfault in the watcher thread about once in 150 process exits). An
//! `atexit` handler, registered on the first load, waits for any query of partext's connections
//! to finish and retires them: they are left open (not closed, which would run DuckDB code during
//! teardown), and no partext thread enters DuckDB afterwards. Data is safe: partext's connection
//! only reads, and what the client committed is in DuckDB's write-ahead log.
//!
//! A DuckDB connection runs one query at a time, so callers take turns through a mutex; a
//! thread-local flag turns a nested call (a partext function inside a partext source query,
//! which would wait on itself) into an error instead of a deadlock.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, Weak};
use std::thread;
use std::time::Duration;

use duckdb::vtab::BindInfo;
use duckdb::Connection;

use crate::core::source::{parse_search_path, SearchEntry};
use crate::core::sql::quote_literal;

/// How often the watcher checks whether the client has closed its connections.
const WATCH_INTERVAL: Duration = Duration::from_millis(100);

/// Every internal connection of this process, for the exit handler.
static CONNECTIONS: Mutex<Vec<Weak<InternalConnection>>> = Mutex::new(Vec::new());
/// Set by the exit handler: no partext thread enters DuckDB afterwards.
static EXITING: AtomicBool = AtomicBool::new(false);
static EXIT_HANDLER: Once = Once::new();

extern "C" {
    /// The C library's atexit (libc is linked into every host process).
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

/// Runs at process exit: waits for queries in flight, then retires every internal connection.
extern "C" fn retire_at_exit() {
    // Nothing may unwind out of an atexit handler.
    let _ = std::panic::catch_unwind(|| {
        EXITING.store(true, Ordering::SeqCst);
        let connections = CONNECTIONS.lock().unwrap_or_else(|p| p.into_inner());
        for internal in connections.iter().filter_map(Weak::upgrade) {
            // Taking the lock waits for a query in flight; the connection is then leaked on
            // purpose, since closing it would run DuckDB code while the process tears down.
            let mut guard = internal.conn.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::forget(guard.take());
        }
    });
}

thread_local! {
    static IN_INTERNAL_QUERY: Cell<bool> = const { Cell::new(false) };
}

/// The caller's settings that change how SQL text reads: name resolution and time zone. The
/// internal connection adopts them before running a caller's query source, so that the manifest
/// counts the same rows the caller's own connection sees.
#[derive(Debug, Clone, Default)]
pub struct CallerSettings {
    /// The caller's `search_path` (it includes the database and schema chosen with `USE`).
    pub search_path: String,
    /// The caller's default schema, used when the search path is empty.
    pub schema: String,
    pub time_zone: Option<String>,
}

impl CallerSettings {
    pub fn read(bind: &BindInfo) -> CallerSettings {
        let read = |name: &str| crate::ext::args::caller_setting(bind, name);
        CallerSettings {
            search_path: read("search_path").unwrap_or_default(),
            schema: read("schema").unwrap_or_default(),
            time_zone: read("TimeZone").filter(|t| !t.is_empty()),
        }
    }

    /// The search path as entries, falling back to the default schema.
    pub fn search_entries(&self) -> Vec<SearchEntry> {
        let mut path = parse_search_path(&self.search_path);
        if path.is_empty() && !self.schema.is_empty() {
            path.push(SearchEntry { database: None, schema: self.schema.clone() });
        }
        path
    }

    /// Makes `conn` read SQL as the caller does. A setting the connection cannot take (a schema
    /// dropped since, a time zone without ICU) is left at its default.
    fn apply(&self, conn: &Connection) {
        let path = if self.search_path.is_empty() {
            "RESET search_path".to_string()
        } else {
            format!("SET search_path = {}", quote_literal(&self.search_path))
        };
        if conn.execute_batch(&path).is_err() {
            let _ = conn.execute_batch("RESET search_path");
        }
        if let Some(tz) = &self.time_zone {
            let _ = conn.execute_batch(&format!("SET TimeZone = {}", quote_literal(tz)));
        }
    }
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
        {
            let mut all = CONNECTIONS.lock().unwrap_or_else(|p| p.into_inner());
            // Forget connections of databases closed since (a process may open many).
            all.retain(|w| w.strong_count() > 0);
            all.push(Arc::downgrade(&shared));
        }
        EXIT_HANDLER.call_once(|| {
            // SAFETY: retire_at_exit is an extern "C" fn that never unwinds; the C library calls
            // it once at exit. The extension's code stays mapped until then (DuckDB does not
            // unload extensions).
            unsafe { atexit(retire_at_exit) };
        });
        let watched = Arc::clone(&shared);
        thread::Builder::new()
            .name("partext-watcher".into())
            .spawn(move || watched.watch())
            .map_err(|e| format!("partext could not start its connection watcher: {e}"))?;
        Ok(shared)
    }

    /// Runs `f` with the connection reading SQL as the caller's connection does.
    pub fn with_settings<T>(
        &self,
        settings: &CallerSettings,
        f: impl FnOnce(&Connection) -> Result<T, String>,
    ) -> Result<T, String> {
        self.with(|conn| {
            settings.apply(conn);
            f(conn)
        })
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
            if EXITING.load(Ordering::SeqCst) {
                return;
            }
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
