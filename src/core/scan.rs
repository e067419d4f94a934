//! What a scan of the source holds in memory, per thread: the part of write_plan's memory model
//! that depends on where the rows come from, and the row-size estimate every manifest shares.
//!
//! ```sql
//! FROM partext.write_plan('events.parquet', 'out', 'temporal', 'ts', 'day');
//! -- threads: the threads each pass runs with; memory_note: the source, its scan and why
//! ```
//!
//! A partitioned COPY holds, besides its partition writers, what each of its threads is
//! scanning. That depends on the source ([`ScanKind`]), and [`ScanFacts`] says what partext
//! knows of it before reading any row:
//! - **Parquet file or glob**: DuckDB reads a row group's column chunks whole (compressed) and
//!   then decompresses one page per column at a time, keeping the decoded values beside it. One
//!   thread holds [`PARQUET_CHUNK_FACTOR`] times the row group's compressed bytes (buffers are
//!   rounded up) plus [`PARQUET_PAGE_FACTOR`] times the uncompressed bytes of one page of
//!   every column. Both come from `parquet_metadata()`: the
//!   largest row group of all files, and its pages (page counts from `encoding_stats` where the
//!   host has it, DuckDB 2.0 and later; one page per column chunk where it does not, which
//!   over-counts files written with small pages). The row size comes from the same metadata,
//!   so no row is read.
//! - **CSV**: DuckDB's reader keeps two read buffers per thread. partext reads CSV sources with
//!   a buffer of [`CSV_BUFFER`] (`read_csv(..., buffer_size = ...)`, `core::source`), so a
//!   thread holds twice that whatever the file.
//! - **JSON**: [`JSON_PER_THREAD`] (measured).
//! - **DuckDB table**: one block of every column being read ([`TABLE_BYTES_PER_COLUMN`] per leaf
//!   column, measured).
//! - **DataFrame or Arrow frame**: the client holds the frame, outside DuckDB's memory limit
//!   (the plan says so); DuckDB converts the batches it scans into its own vectors, counted as
//!   a table's scan of the same columns.
//! - **Query or view**: its operators cannot be bounded from outside; the plan says so and
//!   counts its scan as a table's of the same columns.
//!
//! Calibration (DuckDB 2.0.1, the smallest memory_limit at which a scan of every column
//! succeeds with 1 and with 2 threads, bisected to 2 MB; a thread's need is the difference):
//! Parquet files written by DuckDB (one page per column chunk) with row groups of 30,720 to
//! 491,520 rows need 2.3 to 3.6 times the row group's uncompressed bytes per thread; files
//! written by pyarrow (1 MiB pages) about their compressed bytes; this model is at most 5%
//! below each measured need and at most 60% above it (DuckDB-written files with large row
//! groups of narrow columns; `test/beyond_memory/calibrate.py`). A DuckDB table of 5 columns
//! needs about 2.5 MB per thread, of 16 columns 6 MB; a CSV file read with 4 MiB buffers 4 MB.
//! The memory a scan needs is pinned: DuckDB cannot spill it, while partition writers'
//! buffered rows can spill to `temp_directory` (measured at 64 MB with one thread over a
//! Parquet file: a pass of 29 of 64 buckets succeeds with a temp directory; without one a pass
//! of 8 fails). Plans keep the writers within memory all the same, so that no pass depends on
//! spilling.
//!
//! Outside the limit: DuckDB keeps its memory_limit full of cached blocks of the source
//! whatever the writers take, and holds more beside it (the Parquet writer encodes a row
//! group's pages in memory it does not count; the scan's strings; code). A plan therefore runs
//! its passes with memory_limit lowered by [`OUTSIDE_LIMIT_PER_EXTRA_THREAD`] for each thread
//! past the first, over Parquet by [`PARQUET_OUTSIDE_SHARE`] of a thread's scan where that is
//! more ([`ScanCost::outside_per_extra_thread`]), and with one thread over Parquet row groups
//! whose compressed chunks are large by what that thread holds outside it beyond the allowance
//! ([`ScanCost::outside_first_thread`]), and by up to [`UNCOUNTED_RESERVE`] more, from the
//! margin (what DuckDB holds outside its limit with any scan); its statements set it, and the
//! last one sets the connection's value back. A plan with more threads then holds no more than
//! a plan with one: the budget, and a few tens of MB beside it.
//!
//! Threads ([`thread_choices`]): with `t` threads the writers get half of what the `t` scans
//! leave of that lowered limit (the other half is the margin: DuckDB's boundary is sharp);
//! `core::write_plan` plans every thread count up to the connection's whose scans leave room
//! for a writer and takes the one with the least time (passes over the threads' speedup).
//! Where even one thread's scan leaves no room, an error says how much memory the source needs
//! and why.

use crate::core::error::{Error, Result};
use crate::core::sql::quote_literal;

/// Memory DuckDB keeps for each thread's own work during a COPY besides its scan (hashing,
/// allocator): with a table's scan, the 4 MiB per thread the writers' calibration on tables
/// set aside.
pub const RESERVE_PER_THREAD: u64 = 2 << 20;
/// Per thread and Parquet column: the decompressed page and the values decoded from it, as a
/// multiple of the page's uncompressed bytes (measured: see the module doc).
pub const PARQUET_PAGE_FACTOR: f64 = 2.5;
/// Per thread: the row group's compressed column chunks, as a multiple of their bytes (DuckDB
/// rounds its buffers up; measured).
pub const PARQUET_CHUNK_FACTOR: f64 = 1.1;
/// The read buffer partext gives DuckDB's CSV reader.
pub const CSV_BUFFER: u64 = 4 << 20;
/// DuckDB's JSON reader, per thread (measured on a newline-delimited file of 112 MB: 39 MB
/// with one thread, 106 MB with two).
pub const JSON_PER_THREAD: u64 = 64 << 20;
/// Per thread and leaf column of a DuckDB table: the column's block being read and the next.
pub const TABLE_BYTES_PER_COLUMN: u64 = 384 << 10;
/// The share of what the scans leave that the partition writers may take.
pub const WRITER_SHARE: f64 = 0.5;
/// What each thread past the first adds to the memory a pass holds outside DuckDB's
/// memory_limit (the Parquet writer encodes a row group's pages in memory DuckDB does not
/// count; the scan's strings; the allocator's arena). DuckDB fills its limit with cached
/// blocks of the source whatever the plan's writers take, so a plan with `t` threads runs its
/// passes with memory_limit lowered by `t - 1` times this, and holds about what a plan with one
/// thread holds (measured, DuckDB 2.0.1, peak RSS above the process's own memory plus
/// memory_limit: one thread 6 to 24 MB, code included; two threads 20 MB at 32MB over 320 MB
/// of order lines and 22 to 40 MB at 64MB over 1.2 GB).
pub const OUTSIDE_LIMIT_PER_EXTRA_THREAD: u64 = 16 << 20;
/// What each thread past the first adds outside the limit when it scans a Parquet file, as a
/// share of its scan (`ScanCost::per_thread`), where that is more than
/// [`OUTSIDE_LIMIT_PER_EXTRA_THREAD`] (measured, DuckDB 2.0.1: order lines written by pyarrow,
/// 1,048,576-row groups, 62 MiB a thread's scan, at 256MB with 2 threads: peak RSS 59 MB above
/// the process's own memory and the limit lowered by 16 MiB, against about 20 MB with one
/// thread).
pub const PARQUET_OUTSIDE_SHARE: f64 = 0.7;
/// The least room for writers a plan with one thread must leave.
pub const MIN_WRITER_ROOM: u64 = 2 << 20;
/// What DuckDB holds outside memory_limit with any scan and any thread count (its allocator's
/// cached pages, the Parquet writers' pages, the readers' buffers), as far as the plan lowers
/// the limit for it: by this much, or by half of the margin (what the scans leave beyond the
/// writers' room) where that is less. The writers' room stays as it is, so the passes are the
/// same; DuckDB keeps that much less of the source cached. Measured (DuckDB 2.0.1, one
/// thread, order lines from 20 Parquet files by range 16 at 32MB): peak RSS 50-54 MB above the
/// process's own memory (71-78 MB: Python, DuckDB, partext's catalog), 20-22 MB of it outside
/// the limit, whether the passes run at 16, 24 or 32MB; each MiB the limit is lowered lowers
/// the peak by as much. Taking the reserve from the writers' room instead made make test's
/// matrix up to 2.6 times slower (events from 20 Parquet files by hash 64: 33 passes instead
/// of 20).
pub const UNCOUNTED_RESERVE: u64 = 8 << 20;
/// Rows the row-size estimate reads from a source without metadata.
pub const SAMPLE_ROWS: u64 = 32_768;

/// The sample's LIMIT: [`SAMPLE_ROWS`] as an expression DuckDB does not fold to a constant. A
/// constant LIMIT over a table scan is rewritten by DuckDB's late-materialization optimizer
/// into a join on `rowid`, which costs about 0.7 ms to plan on every call (measured on DuckDB
/// 1.5.6 and 2.0.1, with 1,000 rows as with 20 million); the rows read are the same.
pub const SAMPLE_LIMIT: &str = "CAST(32768 + 0 * random() AS BIGINT)";

/// What the source is, as far as its scan's memory goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Table,
    View,
    Frame,
    Query,
    Parquet,
    Csv,
    Json,
    /// Any other file DuckDB reads by its name.
    File,
}

impl ScanKind {
    pub fn name(self) -> &'static str {
        match self {
            ScanKind::Table => "table",
            ScanKind::View => "view",
            ScanKind::Frame => "frame",
            ScanKind::Query => "query",
            ScanKind::Parquet => "parquet",
            ScanKind::Csv => "csv",
            ScanKind::Json => "json",
            ScanKind::File => "file",
        }
    }

    pub fn parse(text: &str) -> Option<ScanKind> {
        [
            ScanKind::Table,
            ScanKind::View,
            ScanKind::Frame,
            ScanKind::Query,
            ScanKind::Parquet,
            ScanKind::Csv,
            ScanKind::Json,
            ScanKind::File,
        ]
        .into_iter()
        .find(|k| k.name() == text)
    }

    /// The kind of a file source, from its name (a glob's pattern counts).
    pub fn of_file(path: &str) -> ScanKind {
        let lower = path.to_ascii_lowercase();
        let lower = lower.trim_end_matches(".gz").trim_end_matches(".zst");
        if lower.ends_with(".parquet") {
            ScanKind::Parquet
        } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
            ScanKind::Csv
        } else if lower.ends_with(".json") || lower.ends_with(".ndjson") || lower.ends_with(".jsonl") {
            ScanKind::Json
        } else {
            ScanKind::File
        }
    }
}

/// What partext knows of a source before it plans: measured by the query of [`facts_sql`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScanFacts {
    pub kind: ScanKind,
    /// Parquet: the rows of the largest row group.
    pub row_group_rows: u64,
    /// Parquet: the compressed bytes of the largest row group (all its column chunks).
    pub row_group_compressed: u64,
    /// Parquet: the uncompressed bytes of one page of every column of the largest row group.
    pub row_group_pages: u64,
    /// The average in-memory size of a row.
    pub row_bytes: f64,
    /// Leaf columns read.
    pub columns: u64,
}

/// The memory one thread's scan holds, and what it is, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanCost {
    pub kind: ScanKind,
    pub per_thread: u64,
    /// What the first thread holds outside memory_limit beyond the allowance
    /// ([`Self::outside_first_thread`]).
    pub outside_first: u64,
    pub why: String,
}

impl ScanCost {
    /// What one pass's scan costs in time, as a share of writing every row once: a table's
    /// pass reads the key column and the matching rows ([`TABLE_PASS_SHARE`]); a pass over a
    /// file or frame decodes every row group the key range does not skip ([`FILE_PASS_SHARE`]).
    pub fn pass_share(&self) -> f64 {
        if self.kind == ScanKind::Table {
            TABLE_PASS_SHARE
        } else {
            FILE_PASS_SHARE
        }
    }

    /// What each thread past the first holds outside DuckDB's memory_limit:
    /// [`OUTSIDE_LIMIT_PER_EXTRA_THREAD`], or over Parquet [`PARQUET_OUTSIDE_SHARE`] of a
    /// thread's scan where that is more.
    pub fn outside_per_extra_thread(&self) -> u64 {
        if self.kind == ScanKind::Parquet {
            OUTSIDE_LIMIT_PER_EXTRA_THREAD.max((self.per_thread as f64 * PARQUET_OUTSIDE_SHARE) as u64)
        } else {
            OUTSIDE_LIMIT_PER_EXTRA_THREAD
        }
    }

    /// What the first thread holds outside DuckDB's memory_limit beyond the
    /// [`OUTSIDE_LIMIT_PER_EXTRA_THREAD`] any scan is allowed ([`scan_cost`]: over Parquet,
    /// [`PARQUET_OUTSIDE_SHARE`] of the row group's compressed chunks as read, less that
    /// allowance; nothing over other sources).
    pub fn outside_first_thread(&self) -> u64 {
        self.outside_first
    }

    /// The memory_limit DuckDB runs a pass with `threads` threads under, for a budget of
    /// `budget`: the budget less what the threads hold outside it. One thread:
    /// [`Self::outside_first_thread`]. More: [`Self::outside_per_extra_thread`] for each thread
    /// past the first, whose Parquet share was measured with two threads against the allowance
    /// alone and so covers the first thread's part too (measured, DuckDB 2.0.1, order lines by
    /// pyarrow at 256MB, 6M rows: with the first thread's part lowered as well, month and hash 64
    /// planned one thread, 9.9 and 9.2 s, peak RSS 338-354 MB; without, two threads, 5.9 and
    /// 5.1 s, 323-325 MB).
    pub fn duckdb_limit(&self, budget: u64, threads: u64) -> u64 {
        let outside = match threads.max(1) {
            1 => self.outside_first_thread(),
            t => (t - 1).saturating_mul(self.outside_per_extra_thread()),
        };
        budget.saturating_sub(outside)
    }

    /// How many flush thresholds of rows (`partitioned_write_flush_threshold`) `threads`
    /// threads hold before the writers take them: one each, but two each over a frame with more
    /// than one thread. DuckDB's partitioned COPY can fill a new input while the last one is
    /// still flushing, so a producer faster than the flush buffers more than its threshold; a
    /// frame's scan reads no blocks and is the fastest producer. Measured (DuckDB 2.0.1, 64MB,
    /// 2 threads, one buffer each): events from a DataFrame by day ran out of memory in 2 of 3
    /// runs while a build shared the cores (44.8 of 45.0 MiB); tables, files and CSV passed
    /// every run. Counting two buffers for every source made table plans take about twice as
    /// long (events by month: 2 passes instead of 1, 16-20 s).
    pub fn buffers(&self, threads: u64) -> u64 {
        let threads = threads.max(1);
        if threads > 1 && self.kind == ScanKind::Frame {
            2 * threads
        } else {
            threads
        }
    }
}

/// A pass over a DuckDB table, as a share of writing every row (measured, DuckDB 2.0.1: 20M
/// events at 64MB by 64 buckets, 8 passes 12.2 s and 11 passes 12.3 s with 2 threads).
pub const TABLE_PASS_SHARE: f64 = 0.02;
/// A pass over a file or frame, as a share of writing every row (measured, DuckDB 2.0.1, key
/// unsorted: the events' Parquet file by 64 buckets 6.8 s a pass beside about 20 s of writing;
/// the CSV file by 64 buckets 9 s a pass beside about 26 s).
pub const FILE_PASS_SHARE: f64 = 0.3;

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / 1_048_576.0)
}

/// The memory one thread's scan of the source holds (besides [`RESERVE_PER_THREAD`]).
pub fn scan_cost(f: &ScanFacts) -> ScanCost {
    let table = f.columns.saturating_mul(TABLE_BYTES_PER_COLUMN);
    match f.kind {
        ScanKind::Parquet => {
            let chunks = PARQUET_CHUNK_FACTOR * f.row_group_compressed as f64;
            let bytes = chunks + PARQUET_PAGE_FACTOR * f.row_group_pages as f64;
            // The compressed chunks DuckDB reads a row group into are held outside its limit
            // in part. Measured (DuckDB 2.0.1, one thread, the limit not lowered): order lines
            // written by pyarrow in 1,048,576-row groups (60 MiB of chunks as read) at 160MB
            // peaked 173-175 MB above the process's own memory on one machine and 186 MB on
            // another; DuckDB-written files (at most 23 MiB of chunks in 122,880-row groups)
            // stay within the allowance.
            let outside = (PARQUET_OUTSIDE_SHARE * chunks) as u64;
            ScanCost {
                per_thread: bytes.ceil() as u64,
                outside_first: outside.saturating_sub(OUTSIDE_LIMIT_PER_EXTRA_THREAD),
                kind: f.kind,
                why: format!(
                    "Parquet row groups of up to {} rows x {:.0} bytes: {} compressed, and {} of pages decoded: {} per thread",
                    f.row_group_rows,
                    f.row_bytes,
                    mib(chunks),
                    mib(PARQUET_PAGE_FACTOR * f.row_group_pages as f64),
                    mib(bytes)
                ),
            }
        }
        ScanKind::Csv => ScanCost {
            per_thread: 2 * CSV_BUFFER,
            outside_first: 0,
            kind: f.kind,
            why: format!("CSV read with buffers of {}: {} per thread", mib(CSV_BUFFER as f64), mib(2.0 * CSV_BUFFER as f64)),
        },
        ScanKind::Json => ScanCost {
            per_thread: JSON_PER_THREAD,
            outside_first: 0,
            kind: f.kind,
            why: format!("JSON read buffers: {} per thread", mib(JSON_PER_THREAD as f64)),
        },
        // The frame itself is the client's, but DuckDB converts each batch it scans into its own
        // vectors: counted as a table's scan of the same columns (measured: order lines, 16
        // columns, by month at 64MB with 2 threads, with nothing counted: out of memory in 1 of 3
        // runs at the lowered 45 MiB limit; counted as a table's, the table's plan, 3 of 3).
        ScanKind::Frame => ScanCost {
            per_thread: table,
            outside_first: 0,
            kind: f.kind,
            why: format!(
                "a DataFrame or Arrow frame: the client holds it, outside DuckDB's memory_limit; DuckDB's vectors of it \
                 counted as a table's of {} columns, {} per thread",
                f.columns,
                mib(table as f64)
            ),
        },
        ScanKind::Table => ScanCost {
            per_thread: table,
            outside_first: 0,
            kind: f.kind,
            why: format!("a DuckDB table of {} columns: {} per thread", f.columns, mib(table as f64)),
        },
        ScanKind::View | ScanKind::Query | ScanKind::File => ScanCost {
            per_thread: table,
            outside_first: 0,
            kind: f.kind,
            why: format!(
                "a {}: what its operators hold cannot be bounded from outside; counted as a table of {} columns, {} per thread",
                match f.kind {
                    ScanKind::View => "view",
                    ScanKind::Query => "query",
                    _ => "file DuckDB reads by its name",
                },
                f.columns,
                mib(table as f64)
            ),
        },
    }
}

/// The threads a plan's passes run with, the memory their writers may take and the
/// memory_limit DuckDB runs them with.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadChoice {
    pub threads: u64,
    pub writer_room: u64,
    /// How many flush thresholds of rows the threads hold in all ([`ScanCost::buffers`]).
    pub buffers: u64,
    /// The budget less [`ScanCost::outside_per_extra_thread`] for each thread past the first
    /// (or [`ScanCost::outside_first_thread`] with one), and less up to [`UNCOUNTED_RESERVE`]
    /// taken from the margin beside the writers' room.
    pub duckdb_limit: u64,
}

/// The thread counts a plan may run its passes with, for a budget of `budget` bytes, a
/// connection with `threads` threads and a scan of `cost` per thread: every count up to the
/// connection's (past 8, powers of two and the connection's own) whose scans leave room for a
/// writer, each with the writers' room, half of what the scans leave. None: an error that says
/// how much memory the source needs and why.
pub fn thread_choices(budget: u64, threads: u64, cost: &ScanCost) -> Result<Vec<ThreadChoice>> {
    let threads = threads.max(1);
    // Saturating: the facts come from SQL, and a direct call of partext_write_plan can pass any.
    let per = cost.per_thread.saturating_add(RESERVE_PER_THREAD);
    let scans = |t: u64| t.saturating_mul(per);
    let duckdb_limit = |t: u64| cost.duckdb_limit(budget, t);
    let choices: Vec<ThreadChoice> = (1..=threads)
        .filter(|&t| t <= 8 || t.is_power_of_two() || t == threads)
        .filter(|&t| scans(t).saturating_add(MIN_WRITER_ROOM) <= duckdb_limit(t))
        .map(|t| {
            let room = duckdb_limit(t) - scans(t);
            let writer_room = (room as f64 * WRITER_SHARE) as u64;
            ThreadChoice {
                threads: t,
                writer_room,
                buffers: cost.buffers(t),
                duckdb_limit: duckdb_limit(t) - UNCOUNTED_RESERVE.min((room - writer_room) / 2),
            }
        })
        .collect();
    if choices.is_empty() {
        let need = per.saturating_add(4 * MIN_WRITER_ROOM).saturating_add(cost.outside_first_thread());
        return Err(Error::user(format!(
            "the source needs about {} to scan with one thread ({}){}, and the budget is {}; \
             raise memory_limit (or memory_mb) to at least {:.0} MiB{}",
            mib(per as f64),
            cost.why,
            match cost.outside_first_thread() {
                0 => String::new(),
                outside => format!(", and DuckDB holds about {} more outside memory_limit for row groups this large", mib(outside as f64)),
            },
            mib(budget as f64),
            (need as f64 / 1_048_576.0).ceil(),
            if cost.kind == ScanKind::Parquet {
                ", or rewrite the files with smaller row groups (COPY ... (FORMAT parquet, ROW_GROUP_SIZE 122880))"
            } else {
                ""
            }
        )));
    }
    Ok(choices)
}

/// The plan's `memory_note`: the source's scan, why the passes run with `chosen` threads and
/// the memory_limit they run with (`limit`, where the plan lowers it).
pub fn thread_note(cost: &ScanCost, chosen: u64, threads: u64, budget: u64, limit: Option<u64>) -> String {
    let threads_why = if chosen < threads.max(1) {
        format!(
            "{chosen} of the connection's {threads} threads: with the scans of more, the writers' room in the budget of {} \
             would need more passes than the threads save",
            mib(budget as f64)
        )
    } else {
        format!("{chosen} threads, the connection's")
    };
    // What the plan lowered the limit by, past the budget: the scans' part, then the reserve
    // thread_choices took from the margin (the rest of the way down to `limit`).
    let limit_why = limit.map_or_else(String::new, |l| {
        let mut held = Vec::new();
        if chosen > 1 {
            held.push(format!("about {} for each thread past the first", mib(cost.outside_per_extra_thread() as f64)));
        } else if cost.outside_first_thread() > 0 {
            held.push(format!("about {} for the scan of row groups this large", mib(cost.outside_first_thread() as f64)));
        }
        match cost.duckdb_limit(budget, chosen).saturating_sub(l) {
            0 => {}
            r => held.push(format!("{} with any scan (its allocator's cached pages, the Parquet writers' pages)", mib(r as f64))),
        }
        match held.is_empty() {
            true => format!("; memory_limit {} during the passes, the budget", mib(l as f64)),
            false => format!("; memory_limit {} during the passes, as DuckDB holds outside it {}", mib(l as f64), held.join(" and ")),
        }
    });
    format!("{}; {threads_why}{limit_why}", cost.why)
}

/// What [`facts_sql`] is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactsWanted {
    /// Only `row_bytes` (the manifests).
    RowBytes,
    /// Every column of [`ScanFacts`] (write_plan).
    All,
}

/// Pages of a Parquet column chunk, from `parquet_metadata()`'s `encoding_stats` (hosts that
/// have it); 1 elsewhere.
fn pages_sql(has_encoding_stats: bool) -> &'static str {
    if has_encoding_stats {
        "greatest(1, coalesce(list_sum(list_transform(list_filter(encoding_stats, lambda s: s.page_type LIKE 'DATA_PAGE%'), lambda s: s.count)), 1))"
    } else {
        "1"
    }
}

/// The in-memory bytes of a Parquet column chunk's values (`core::size`'s widths by physical
/// type; strings 16 bytes plus their length, less the 4-byte length prefix Parquet stores).
const PARQUET_VALUE_BYTES: &str = "num_values * CASE type WHEN 'BOOLEAN' THEN 1 WHEN 'INT32' THEN 4 WHEN 'FLOAT' THEN 4 \
     WHEN 'INT64' THEN 8 WHEN 'DOUBLE' THEN 8 WHEN 'INT96' THEN 8 WHEN 'FIXED_LEN_BYTE_ARRAY' THEN 16 \
     ELSE 16 + greatest(0, total_uncompressed_size / greatest(num_values, 1) - 4) END";

/// The query that measures a source's [`ScanFacts`] in one row (`kind`, `row_group_rows`,
/// `row_group_compressed`, `row_group_pages`, `row_bytes`, `columns`), or only `row_bytes`.
/// `from_sql` is the source's FROM text, `kind` what it is, `name` its parts when it is a name
/// (to look it up among the tables and views). Parquet facts come from the files' metadata;
/// the others' row size from the first [`SAMPLE_ROWS`] rows, whose sizes are averaged as they
/// stream, and their columns from the first row.
pub fn facts_sql(from_sql: &str, kind: ScanKind, name: &[String], wanted: FactsWanted, has_encoding_stats: bool) -> String {
    if kind == ScanKind::Parquet {
        let groups = format!(
            "SELECT file_name, row_group_id, any_value(row_group_num_rows) AS rg_rows, sum(total_compressed_size) AS rg_compressed, \
             sum(total_uncompressed_size / {}) AS rg_pages, sum({PARQUET_VALUE_BYTES}) AS rg_value_bytes, count(*) AS rg_columns \
             FROM parquet_metadata({from_sql}) GROUP BY file_name, row_group_id",
            pages_sql(has_encoding_stats)
        );
        let row_bytes = "coalesce(CAST(sum(rg_value_bytes) AS DOUBLE) / nullif(sum(rg_rows), 0), 0) AS row_bytes";
        return match wanted {
            FactsWanted::RowBytes => format!("SELECT {row_bytes} FROM ({groups})"),
            FactsWanted::All => format!(
                "SELECT 'parquet' AS kind, coalesce(max(rg_rows), 0) AS row_group_rows, coalesce(max(rg_compressed), 0) AS row_group_compressed, \
                 coalesce(max(rg_pages), 0) AS row_group_pages, {row_bytes}, coalesce(max(rg_columns), 0) AS columns FROM ({groups})"
            ),
        };
    }
    match wanted {
        FactsWanted::RowBytes => format!(
            "SELECT coalesce(avg(b), 0) AS row_bytes FROM (SELECT partext_row_bytes(partext_row) AS b \
             FROM (SELECT * FROM {from_sql} LIMIT {SAMPLE_LIMIT}) AS partext_row)"
        ),
        // The plan takes the row size from the manifest; here only the columns, from one row
        // (a second sample beside the manifest's would hold its rows too, when DuckDB keeps
        // insertion order).
        FactsWanted::All => format!(
            "SELECT {} AS kind, 0 AS row_group_rows, 0 AS row_group_compressed, 0 AS row_group_pages, \
             CAST(0 AS DOUBLE) AS row_bytes, coalesce(max(c), 0) AS columns \
             FROM (SELECT partext_row_columns(partext_row) AS c FROM (SELECT * FROM {from_sql} LIMIT 1) AS partext_row)",
            if name.is_empty() { quote_literal(kind.name()) } else { name_kind_sql(name) }
        ),
    }
}

/// SQL that says what a name is in the caller's session: `'table'` for a table (TEMP tables
/// included), `'frame'` for a registered DataFrame or Arrow frame (a temporary view over a
/// client scan) and for any name the catalog does not hold (a frame found by its variable's
/// name), `'view'` for other views. Names are compared ignoring case, as DuckDB does.
fn name_kind_sql(name: &[String]) -> String {
    let table = name.last().map(|s| s.as_str()).unwrap_or("");
    let mut conditions = vec![format!("lower(%_name) = lower({})", quote_literal(table))];
    match name.len() {
        2 => {
            conditions.push(format!("(lower(schema_name) = lower({q}) OR lower(database_name) = lower({q}))", q = quote_literal(&name[0])))
        }
        3 => {
            conditions.push(format!("lower(database_name) = lower({})", quote_literal(&name[0])));
            conditions.push(format!("lower(schema_name) = lower({})", quote_literal(&name[1])));
        }
        _ => {}
    }
    let cond = |column: &str| conditions.join(" AND ").replace("%_name", column);
    format!(
        "(SELECT CASE WHEN EXISTS (SELECT 1 FROM duckdb_tables() WHERE {}) THEN 'table' \
         WHEN EXISTS (SELECT 1 FROM duckdb_views() WHERE {} AND NOT (temporary AND (sql = '' OR sql LIKE '%pandas_scan(%' \
         OR sql LIKE '%arrow_scan(%' OR sql LIKE '%python_%'))) THEN 'view' ELSE 'frame' END)",
        cond("table_name"),
        cond("view_name")
    )
}

/// Checks that a local file source can be read before a plan writes anything: the path (or
/// every file of a glob) exists, is a file, and a Parquet source holds Parquet (`PAR1` at both
/// ends). Remote paths (`s3://`, `https://`, ...) are left to DuckDB. Cost: one directory
/// listing per glob component and 8 bytes read per Parquet file.
pub fn check_files(path: &str, kind: ScanKind) -> Result<()> {
    if path.contains("://") {
        return Ok(());
    }
    let files = crate::core::glob::expand(path);
    if crate::core::glob::is_glob(path) && files.is_empty() {
        return Err(Error::user(format!("no file matches '{path}'; check the path and the pattern")));
    }
    for file in &files {
        let meta = std::fs::metadata(file).map_err(|e| {
            Error::user(match e.kind() {
                std::io::ErrorKind::NotFound => format!("the file '{file}' does not exist; check the path, or pass a table name"),
                _ => format!("the file '{file}' cannot be read: {e}"),
            })
        })?;
        if meta.is_dir() {
            let ext = match kind {
                ScanKind::Csv => "csv",
                ScanKind::Json => "json",
                _ => "parquet",
            };
            return Err(Error::user(format!(
                "'{file}' is a directory; give the files in it, such as '{}/*.{ext}'",
                file.trim_end_matches('/')
            )));
        }
        if kind == ScanKind::Parquet && !is_parquet(file, meta.len()) {
            return Err(Error::user(format!(
                "'{file}' is not a Parquet file (it does not start and end with PAR1); check the path, or read it with its own reader: '(SELECT * FROM read_csv(...))'"
            )));
        }
    }
    Ok(())
}

/// Whether the file starts and ends with Parquet's magic bytes.
fn is_parquet(file: &str, len: u64) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(file) else { return false };
    let mut head = [0u8; 4];
    let mut tail = [0u8; 4];
    len >= 12
        && f.read_exact(&mut head).is_ok()
        && f.seek(SeekFrom::End(-4)).is_ok()
        && f.read_exact(&mut tail).is_ok()
        && &head == b"PAR1"
        && &tail == b"PAR1"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parquet(rows: u64, compressed_mib: f64, pages_mib: f64, row_bytes: f64) -> ScanFacts {
        ScanFacts {
            kind: ScanKind::Parquet,
            row_group_rows: rows,
            row_group_compressed: (compressed_mib * 1_048_576.0) as u64,
            row_group_pages: (pages_mib * 1_048_576.0) as u64,
            row_bytes,
            columns: 5,
        }
    }

    #[test]
    fn parquet_scans_follow_the_calibration() {
        // (facts, measured per-thread need in MiB on DuckDB 2.0.1: the smallest memory_limit
        // with two threads less the one with one): the model is at most 5% below and 60% above.
        let cases = [
            (parquet(30_720, 3.4, 3.9, 144.0), 14.0),
            (parquet(61_440, 6.8, 7.7, 144.0), 27.0),
            (parquet(122_880, 13.5, 15.5, 144.0), 52.0),
            (parquet(245_760, 27.1, 30.9, 144.0), 104.0),
            (parquet(491_520, 54.1, 61.9, 144.0), 209.0),
            (parquet(1_048_576, 116.5, 1.7, 144.0), 114.0),
            (parquet(30_720, 1.5, 2.1, 200.0), 7.0),
            (parquet(61_440, 2.9, 3.9, 200.0), 11.0),
            (parquet(122_880, 5.7, 7.6, 200.0), 22.0),
            (parquet(245_760, 11.4, 15.1, 200.0), 39.0),
            (parquet(491_520, 22.6, 30.1, 200.0), 63.0),
            (parquet(1_048_576, 49.3, 1.2, 200.0), 52.0),
        ];
        for (facts, measured) in cases {
            let model = scan_cost(&facts).per_thread as f64 / 1_048_576.0;
            assert!(model >= measured * 0.95 && model <= measured * 1.6, "{facts:?}: model {model:.1} MiB, measured {measured}");
        }
    }

    #[test]
    fn a_frame_with_several_threads_counts_two_buffers_a_thread() {
        let cost = |kind| ScanCost { kind, per_thread: 1 << 20, outside_first: 0, why: String::new() };
        assert_eq!(cost(ScanKind::Frame).buffers(1), 1);
        assert_eq!(cost(ScanKind::Frame).buffers(2), 4);
        for kind in [ScanKind::Table, ScanKind::Parquet, ScanKind::Csv, ScanKind::Query] {
            assert_eq!(cost(kind).buffers(2), 2);
        }
        let choices = thread_choices(256 << 20, 4, &cost(ScanKind::Frame)).unwrap();
        assert!(choices.iter().all(|c| c.buffers == if c.threads == 1 { 1 } else { 2 * c.threads }));
    }

    #[test]
    fn thread_choices_leave_room_for_a_writer_else_an_error_names_the_need() {
        let mib = |m: u64| m << 20;
        let events = scan_cost(&parquet(122_880, 13.5, 15.5, 144.0));
        // 64 MB (61 MiB): two scans would take 115 MiB; one leaves room for writers.
        let c = thread_choices(61 * (1 << 20), 2, &events).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].threads, 1);
        assert!(c[0].writer_room > 0 && c[0].writer_room < mib(4), "{}", c[0].writer_room);
        // Plenty of memory: every count, the rooms shrinking with the threads.
        let c = thread_choices(mib(4096), 8, &events).unwrap();
        assert_eq!(c.iter().map(|c| c.threads).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>());
        assert!(c.windows(2).all(|w| w[1].writer_room < w[0].writer_room));
        // 48 threads: past 8 only powers of two and the connection's own.
        let c = thread_choices(mib(1 << 20), 48, &events).unwrap();
        assert_eq!(c.iter().map(|c| c.threads).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 48]);
        // Row groups of 1,048,576 rows of 212 bytes written by pyarrow (1 MiB pages) at 64 MB:
        // a thread's scan takes 61 MiB (measured), an error.
        let big = scan_cost(&parquet(1_048_576, 49.3, 3.0, 212.0));
        let err = thread_choices(61 * (1 << 20), 2, &big).unwrap_err().to_string();
        // Its first thread holds more outside the limit than the allowance: the limit is lowered
        // by the rest even with one thread, and the need the error names counts it.
        let first = big.outside_first_thread();
        assert!(first > 0 && big.duckdb_limit(mib(160), 1) == mib(160) - first);
        assert_eq!(big.duckdb_limit(mib(160), 2), mib(160) - big.outside_per_extra_thread());
        assert_eq!(events.outside_first_thread(), 0);
        assert_eq!(events.duckdb_limit(mib(64), 1), mib(64));
        let need: f64 = err.split("at least ").nth(1).unwrap().split(" MiB").next().unwrap().parse().unwrap();
        let at = |m: f64| thread_choices((m * 1_048_576.0) as u64, 1, &big);
        assert!(at(need).is_ok() && at(need - 12.0).is_err(), "{err}");
        assert!(thread_note(&big, 1, 2, mib(160), Some(big.duckdb_limit(mib(160), 1))).contains("for the scan of row groups this large"));
        assert!(err.contains("1048576 rows x 212 bytes") && err.contains("raise memory_limit") && err.contains("ROW_GROUP_SIZE"), "{err}");
        // A table of 16 columns at 64 MiB can run 2 threads.
        let table = scan_cost(&ScanFacts { kind: ScanKind::Table, columns: 16, ..parquet(0, 0.0, 0.0, 200.0) });
        assert_eq!(thread_choices(mib(64), 2, &table).unwrap().len(), 2);
        assert!(thread_note(&table, 1, 2, mib(64), None).contains("1 of the connection's 2 threads"));
        assert!(thread_note(&table, 2, 2, mib(64), None).ends_with("2 threads, the connection's"));
        assert!(thread_note(&table, 1, 2, mib(24), Some(mib(24))).ends_with("memory_limit 24.0 MiB during the passes, the budget"));
        let lowered = thread_note(&table, 2, 2, mib(64), Some(mib(48)));
        assert!(
            lowered.ends_with(
                "memory_limit 48.0 MiB during the passes, as DuckDB holds outside it about 16.0 MiB for each thread past the first"
            ),
            "{lowered}"
        );
        // Where the scans leave room, the limit is lowered by the reserve for what DuckDB holds
        // outside it with any scan, from the margin, and the note says so; where they leave
        // little (the events' Parquet file at 61 MiB), by half of the margin. The writers' room
        // is half of what the scans leave either way.
        let c = thread_choices(mib(64), 2, &table).unwrap();
        assert_eq!(c[0].duckdb_limit, mib(64) - UNCOUNTED_RESERVE);
        assert_eq!(c[1].duckdb_limit, mib(64) - OUTSIDE_LIMIT_PER_EXTRA_THREAD - UNCOUNTED_RESERVE);
        assert_eq!(c[0].writer_room, (mib(64) - table.per_thread - RESERVE_PER_THREAD) / 2);
        assert!(thread_note(&table, 2, 2, mib(64), Some(c[1].duckdb_limit)).ends_with(
            "memory_limit 40.0 MiB during the passes, as DuckDB holds outside it about 16.0 MiB for each thread past the first and \
             8.0 MiB with any scan (its allocator's cached pages, the Parquet writers' pages)"
        ));
        // With one thread and only the reserve, the note does not call the lowered limit the budget.
        assert!(thread_note(&table, 1, 2, mib(64), Some(c[0].duckdb_limit)).ends_with(
            "memory_limit 56.0 MiB during the passes, as DuckDB holds outside it 8.0 MiB with any scan (its allocator's cached \
             pages, the Parquet writers' pages)"
        ));
        let tight = thread_choices(61 * (1 << 20), 2, &events).unwrap();
        let room = 61 * (1 << 20) - (events.per_thread + RESERVE_PER_THREAD);
        let margin = room - tight[0].writer_room;
        assert!(margin / 2 < UNCOUNTED_RESERVE && tight[0].duckdb_limit == 61 * (1 << 20) - margin / 2);
        // A frame is the client's; DuckDB's vectors of it count as a table's scan.
        let frame = scan_cost(&ScanFacts { kind: ScanKind::Frame, columns: 16, ..parquet(0, 0.0, 0.0, 0.0) });
        assert_eq!(frame.per_thread, scan_cost(&ScanFacts { kind: ScanKind::Table, columns: 16, ..parquet(0, 0.0, 0.0, 0.0) }).per_thread);
        // Absurd facts (a direct call can pass any) give an error, not an overflow.
        let huge = scan_cost(&ScanFacts { kind: ScanKind::Table, columns: u64::MAX, ..parquet(0, 0.0, 0.0, 0.0) });
        assert!(thread_choices(mib(64), u64::from(u16::MAX), &huge).is_err());
        assert!(frame.why.contains("outside DuckDB's memory_limit"));
    }

    #[test]
    fn facts_queries_read_metadata_or_a_bounded_sample() {
        let p = facts_sql("'d/*.parquet'", ScanKind::Parquet, &[], FactsWanted::All, true);
        assert!(p.contains("FROM parquet_metadata('d/*.parquet')") && p.contains("encoding_stats"), "{p}");
        assert!(!facts_sql("'x.parquet'", ScanKind::Parquet, &[], FactsWanted::RowBytes, false).contains("encoding_stats"));
        let csv = format!("read_csv('it''s.csv', buffer_size = {CSV_BUFFER})");
        let c = facts_sql(&csv, ScanKind::Csv, &[], FactsWanted::All, true);
        assert!(c.contains(&format!("FROM read_csv('it''s.csv', buffer_size = {CSV_BUFFER}) LIMIT 1")), "{c}");
        let r = facts_sql(&csv, ScanKind::Csv, &[], FactsWanted::RowBytes, true);
        assert!(r.contains(&format!("LIMIT {SAMPLE_LIMIT}")) && r.contains("partext_row_bytes"), "{r}");
        assert!(SAMPLE_LIMIT.contains(&SAMPLE_ROWS.to_string()));
        let t = facts_sql("\"s\".\"t\"", ScanKind::Table, &["s".into(), "it's".into()], FactsWanted::All, true);
        assert!(t.contains("lower(table_name) = lower('it''s')") && t.contains("lower(schema_name) = lower('s')"), "{t}");
        assert_eq!(ScanKind::of_file("A/B*.PARQUET"), ScanKind::Parquet);
        assert_eq!(ScanKind::of_file("x.csv.gz"), ScanKind::Csv);
        assert_eq!(ScanKind::parse("frame"), Some(ScanKind::Frame));
    }

    #[test]
    fn files_are_checked_before_anything_is_written() {
        let dir = std::env::temp_dir().join(format!("partext-scan-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let d = dir.to_string_lossy().into_owned();
        std::fs::write(dir.join("ok.parquet"), b"PAR1 some bytes PAR1").unwrap();
        std::fs::write(dir.join("bad.parquet"), b"a,b\n1,2\n").unwrap();
        assert!(check_files(&format!("{d}/ok.parquet"), ScanKind::Parquet).is_ok());
        let err = check_files(&format!("{d}/missing.parquet"), ScanKind::Parquet).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
        let err = check_files(&format!("{d}/sub"), ScanKind::File).unwrap_err().to_string();
        assert!(err.contains("is a directory") && err.contains("sub/*.parquet"), "{err}");
        let err = check_files(&format!("{d}/sub/*.parquet"), ScanKind::Parquet).unwrap_err().to_string();
        assert!(err.contains("no file matches"), "{err}");
        let err = check_files(&format!("{d}/*.parquet"), ScanKind::Parquet).unwrap_err().to_string();
        assert!(err.contains("bad.parquet' is not a Parquet file"), "{err}");
        assert!(check_files("s3://bucket/x.parquet", ScanKind::Parquet).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
