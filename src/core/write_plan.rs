//! Writing every partition within a memory budget: passes of COPY statements that each open
//! only as many partition writers as fit.
//!
//! ```sql
//! FROM partext.write_plan('events', 'out/events', 'hash', 'user_id', 64, memory_mb := 48);
//! -- one row per pass: pass_id, partition_ids, labels, estimated_rows, estimated_bytes,
//! -- buffer_bytes, row_group_size, settings, sql (a complete COPY statement)
//! ```
//!
//! A partitioned COPY keeps, for every partition it writes, one Parquet row group being built
//! (`row_group_size` rows) plus, in each thread, rows waiting to be flushed to it (up to
//! `partitioned_write_flush_threshold`, which each pass sets to its row group size and which
//! counts a thread's rows over all partitions). A pass therefore holds a row group of rows in
//! each thread (two over a frame with several threads: `core::scan::ScanCost::buffers`), and per partition `min(its rows, row group)` rows plus a writer's own
//! buffers (256 KiB). Besides the writers, each thread scans the source: `core::scan` says how
//! much that holds per source kind, chooses the threads of the passes and gives the writers
//! half of what the scans leave of the budget (the other half is the margin, for the boundary
//! is sharp). Calibration of the writers (DuckDB 2.0.1, 20M rows of 144 bytes from a table,
//! 64 hash buckets, `memory_limit = '64MB'`, 2 threads, row groups of 15,360): a pass of 20
//! buckets succeeded in one run and ran out of memory in another, of 24 failed; this model
//! puts 8 in a pass.
//!
//! The row group size is the largest of DuckDB's default (122,880) and its halves that gives
//! the fewest passes, not below 15,360 rows unless one partition alone does not fit, and never
//! below 2,048: a partition that does not fit even then is an
//! error that says how much memory it needs.
//!
//! Partitions are packed in key order (next fit), so that each pass reads one run of the key:
//! `col >= first lower AND col < last upper` for time and range keys, which DuckDB prunes with
//! zone maps, and `key BETWEEN first AND last bucket` for hash buckets, which DuckDB evaluates
//! inside its scan before it reads the other columns (an `IN` list of buckets becomes a join
//! instead: measured on 20M rows, a pass of 9 buckets takes 3.0 s with BETWEEN, 5.0 s with IN).
//! Empty partitions need no pass. Cost: O(p) for p partitions and at most 7 row group sizes
//! tried.

use crate::core::error::{Error, Result};
use crate::core::scan::ThreadChoice;
use crate::core::spec::{hive_path, PartitionSpec, PathStyle};
use crate::core::sql::{quote_ident, quote_literal};
use crate::core::strategy::Strategy;
use crate::core::types::ColumnType;

/// DuckDB's default Parquet row group size, the largest a plan uses.
pub const DEFAULT_ROW_GROUP: u64 = 122_880;
/// The smallest row group a plan prefers (an eighth of the default); below it only for a
/// partition that needs it.
pub const PREFERRED_MIN_ROW_GROUP: u64 = DEFAULT_ROW_GROUP / 8;
/// The row group sizes a plan tries, largest first.
const ROW_GROUPS: [u64; 7] =
    [DEFAULT_ROW_GROUP, DEFAULT_ROW_GROUP / 2, DEFAULT_ROW_GROUP / 4, PREFERRED_MIN_ROW_GROUP, 7_680, 4_096, MIN_ROW_GROUP];
/// The smallest row group a plan uses at all.
pub const MIN_ROW_GROUP: u64 = 2_048;
/// The largest row group size a user may ask for.
pub const MAX_ROW_GROUP: u64 = 1 << 30;

/// The output format of the COPY statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format> {
        match text {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            other => Err(Error::user(format!("unknown format '{other}'; use 'parquet' or 'csv'"))),
        }
    }
}

/// The codecs a user may ask the COPY statements to write with, per format (DuckDB's names).
const PARQUET_CODECS: [&str; 7] = ["uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4", "lz4_raw"];
const CSV_CODECS: [&str; 3] = ["none", "gzip", "zstd"];

impl Format {
    /// The COPY option `COMPRESSION <codec>` for `codec` (case ignored), one of DuckDB's names
    /// for this format; the text that reaches SQL is partext's own.
    pub fn compression(self, codec: &str) -> Result<&'static str> {
        let codecs: &[&'static str] = match self {
            Format::Parquet => &PARQUET_CODECS,
            Format::Csv => &CSV_CODECS,
        };
        codecs.iter().copied().find(|c| c.eq_ignore_ascii_case(codec.trim())).ok_or_else(|| {
            Error::user(format!(
                "unknown compression '{codec}' for format '{}'; use one of {}",
                match self {
                    Format::Parquet => "parquet",
                    Format::Csv => "csv",
                },
                codecs.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
            ))
        })
    }
}

/// zstd's compression levels, as DuckDB's `COMPRESSION_LEVEL` takes them: negative levels are
/// zstd's fast modes, 0 its default (3), 22 the smallest output.
pub const ZSTD_LEVELS: std::ops::RangeInclusive<i64> = -131_072..=22;

impl Format {
    /// The COPY option `COMPRESSION_LEVEL <level>`, for Parquet written with zstd (`codec`:
    /// what [`Format::compression`] returned, None where the user gave no codec).
    pub fn compression_level(self, codec: Option<&str>, level: i64) -> Result<i64> {
        if self != Format::Parquet {
            return Err(Error::user(format!("compression_level applies to format 'parquet' only, got {level} with format 'csv'; drop it")));
        }
        if codec != Some("zstd") {
            let given = codec.map_or("none (DuckDB's default, snappy)".to_string(), |c| format!("'{c}'"));
            return Err(Error::user(format!(
                "compression_level applies to compression 'zstd' only, got compression {given}; add compression := 'zstd'"
            )));
        }
        if !ZSTD_LEVELS.contains(&level) {
            return Err(Error::user(format!(
                "compression_level must be a zstd level from {} to {} (1: fastest of the usual levels, 3: DuckDB's default), got {level}",
                ZSTD_LEVELS.start(),
                ZSTD_LEVELS.end()
            )));
        }
        Ok(level)
    }
}

/// One partition of the manifest, as the plan sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPartition {
    pub id: i64,
    pub label: Option<String>,
    pub rows: u64,
    pub bytes: u64,
    /// Hash: the bucket. Time and range: the inclusive lower bound as a SQL literal (None: no
    /// lower bound, or the NULL partition).
    pub lower: Option<String>,
    /// Time and range: the exclusive upper bound as a SQL literal (None: no upper bound).
    pub upper: Option<String>,
    /// The partition of rows whose key is NULL (never one of a spec's: its NULLs are values
    /// of its fields).
    pub is_null: bool,
    /// A spec's partition: its fields' human strings (`core::spec`); empty otherwise.
    pub keys: Vec<Option<String>>,
}

/// One pass: the partitions one COPY writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    pub partitions: Vec<PlanPartition>,
    pub rows: u64,
    pub bytes: u64,
    /// Estimated writer memory of the pass, in bytes.
    pub buffer_bytes: u64,
}

/// A plan: the passes and the row group size they share.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub passes: Vec<Pass>,
    pub row_group: u64,
}

/// Memory of one open partition writer beyond its rows (file, column writers, page buffers).
pub const WRITER_OVERHEAD: u64 = 256 * 1024;

/// Estimated memory of one partition's writer at row group size `row_group`: for Parquet the
/// row group being built (at most all its rows), for CSV a buffer.
pub fn writer_bytes(p: &PlanPartition, row_group: u64, format: Format) -> u64 {
    let width = if p.rows == 0 { 0.0 } else { p.bytes as f64 / p.rows as f64 };
    let group = if format == Format::Parquet { p.rows.min(row_group) as f64 } else { 0.0 };
    (group * width).ceil() as u64 + WRITER_OVERHEAD
}

/// Memory every pass needs whatever its partitions: the rows its threads hold before they
/// flush them to the writers, `buffers` times `partitioned_write_flush_threshold` (set to the
/// row group size; it counts a thread's rows over all partitions): one per thread, two per
/// thread over a frame ([`crate::core::scan::ScanCost::buffers`]).
pub fn thread_buffers(partitions: &[PlanPartition], row_group: u64, buffers: u64) -> u64 {
    let rows: u64 = partitions.iter().map(|p| p.rows).sum();
    let bytes: u64 = partitions.iter().map(|p| p.bytes).sum();
    let width = if rows == 0 { 0.0 } else { bytes as f64 / rows as f64 };
    (rows.min(buffers.max(1).saturating_mul(row_group)) as f64 * width).ceil() as u64
}

/// Packs partitions into passes of at most `capacity` writer bytes each: next fit in key
/// order, so that each pass is one run of the key, and never across runs (`runs[i]`: the run
/// of partition `i`, see [`runs`]). The NULL partition joins whichever pass has room, else gets
/// one of its own.
fn pack(partitions: &[PlanPartition], runs: &[u64], cost: impl Fn(&PlanPartition) -> u64, capacity: u64) -> Vec<Vec<usize>> {
    let mut bins: Vec<(u64, Vec<usize>)> = Vec::new();
    for (i, p) in partitions.iter().enumerate().filter(|(_, p)| !p.is_null) {
        let c = cost(p);
        let same_run = |members: &Vec<usize>| members.last().is_some_and(|&j| runs[j] == runs[i]);
        match bins.last_mut() {
            Some((used, members)) if *used + c <= capacity && same_run(members) => {
                *used += c;
                members.push(i);
            }
            _ => bins.push((c, vec![i])),
        }
    }
    if let Some(i) = partitions.iter().position(|p| p.is_null) {
        let c = cost(&partitions[i]);
        match bins.iter_mut().find(|(used, _)| *used + c <= capacity) {
            Some((used, members)) => {
                *used += c;
                members.push(i);
            }
            None => bins.push((c, vec![i])),
        }
    }
    bins.into_iter().map(|(_, members)| members).collect()
}

/// The run of each partition: partitions with consecutive ids (a manifest's, empty ones
/// included) are one run of the key; a gap (partitions left out of the plan, see write_plan's
/// `partitions`) starts another, which no pass may span.
fn runs(partitions: &[PlanPartition]) -> Vec<u64> {
    let mut run = 0;
    partitions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i > 0 && !p.is_null && !partitions[i - 1].is_null && p.id != partitions[i - 1].id + 1 {
                run += 1;
            }
            run
        })
        .collect()
}

/// Plans the passes that write `partitions` with `writer_room` bytes for the writers and the
/// `buffers` flush thresholds of rows waiting in the threads ([`thread_buffers`]).
pub fn plan(partitions: &[PlanPartition], format: Format, writer_room: u64, buffers: u64) -> Result<Plan> {
    plan_row_groups(partitions, format, writer_room, buffers, None)
}

/// [`plan`] with the row group size a user asked for (`asked`): that size wherever every
/// partition's writer fits beside the others' rows (more passes if need be), else the largest
/// of its halves that fits, down to [`MIN_ROW_GROUP`]; None: partext's choice.
pub fn plan_row_groups(partitions: &[PlanPartition], format: Format, writer_room: u64, buffers: u64, asked: Option<u64>) -> Result<Plan> {
    let buffers = buffers.max(1);
    let share = writer_room;
    let all_runs = runs(partitions);
    let (written, written_runs): (Vec<PlanPartition>, Vec<u64>) =
        partitions.iter().zip(&all_runs).filter(|(p, _)| p.rows > 0).map(|(p, &r)| (p.clone(), r)).unzip();
    if written.is_empty() {
        return Ok(Plan { passes: Vec::new(), row_group: DEFAULT_ROW_GROUP });
    }
    // Writer memory a pass may hold at row group `rg`, if every partition fits alone.
    let capacity = |rg: u64| {
        let room = share.saturating_sub(thread_buffers(&written, rg, buffers));
        written.iter().all(|p| writer_bytes(p, rg, format) <= room).then_some(room)
    };
    // The fewest passes, with row groups no smaller than the preferred minimum unless nothing
    // larger fits: more writers of smaller row groups would fit the model, but each open
    // writer also holds memory DuckDB does not count (measured: 18 writers of 7,680-row groups
    // in a pass at 64MB peak at 169 MB RSS, 9 of 15,360 at 158 MB).
    let mut best: Option<(usize, u64, Vec<Vec<usize>>)> = None;
    let halves: Vec<u64> = match asked {
        Some(r) => std::iter::successors(Some(r.max(MIN_ROW_GROUP)), |&r| (r / 2 >= MIN_ROW_GROUP).then_some(r / 2)).collect(),
        None => ROW_GROUPS.to_vec(),
    };
    for rg in halves {
        if best.is_some() && (asked.is_some() || rg < PREFERRED_MIN_ROW_GROUP) {
            break;
        }
        let Some(room) = capacity(rg) else { continue };
        let bins = pack(&written, &written_runs, |p| writer_bytes(p, rg, format), room);
        if best.as_ref().is_none_or(|(n, _, _)| bins.len() < *n) {
            best = Some((bins.len(), rg, bins));
        }
    }
    let Some((_, row_group, bins)) = best else {
        let biggest = written.iter().max_by_key(|p| writer_bytes(p, MIN_ROW_GROUP, format)).expect("a partition");
        let need = (writer_bytes(biggest, MIN_ROW_GROUP, format) + thread_buffers(&written, MIN_ROW_GROUP, buffers)) as f64;
        return Err(Error::user(format!(
            "partition {} ({}) needs about {:.1} MiB to write even with row groups of {MIN_ROW_GROUP} rows, more than the {:.1} MiB \
             the writers have (half of what the scans leave of the budget); raise memory_mb (or SET memory_limit), or lower threads",
            biggest.id,
            biggest.label.as_deref().unwrap_or("NULL"),
            need / 1_048_576.0,
            writer_room as f64 / 1_048_576.0
        )));
    };
    let base = thread_buffers(&written, row_group, buffers);
    let passes = bins
        .into_iter()
        .map(|members| {
            let parts: Vec<PlanPartition> = members.iter().map(|&i| written[i].clone()).collect();
            Pass {
                rows: parts.iter().map(|p| p.rows).sum(),
                bytes: parts.iter().map(|p| p.bytes).sum(),
                buffer_bytes: base + parts.iter().map(|p| writer_bytes(p, row_group, format)).sum::<u64>(),
                partitions: parts,
            }
        })
        .collect();
    Ok(Plan { passes, row_group })
}

/// The share of a pass that runs in parallel, for [`speedup`].
const PARALLEL_SHARE: f64 = 0.9;

/// How much faster a pass runs with `threads` threads than with one, by Amdahl's law with
/// [`PARALLEL_SHARE`] of the pass parallel (scanning, filtering, encoding; a pass also opens,
/// flushes and closes its files).
pub fn speedup(threads: u64) -> f64 {
    1.0 / ((1.0 - PARALLEL_SHARE) + PARALLEL_SHARE / threads.max(1) as f64)
}

/// Plans the passes with the thread count that takes the least time, `(1 + passes x
/// pass_share) / speedup`: every row is written once whatever the passes, and each pass scans
/// the source again, at `pass_share` of that writing (`core::scan::ScanCost`: little for a
/// table, much for a file whose key is unsorted); more threads do both faster. Of the
/// `choices` the source's scan allows (`core::scan::thread_choices`); more threads on a tie.
pub fn plan_threads(
    partitions: &[PlanPartition],
    format: Format,
    choices: &[ThreadChoice],
    pass_share: f64,
    asked_row_group: Option<u64>,
) -> Result<(Plan, ThreadChoice)> {
    let mut best: Option<(Plan, &ThreadChoice, f64)> = None;
    let mut last_err = Error::internal("no thread count leaves room for a writer");
    for c in choices {
        match plan_row_groups(partitions, format, c.writer_room, c.buffers, asked_row_group) {
            Ok(p) => {
                let cost = (1.0 + p.passes.len() as f64 * pass_share) / speedup(c.threads);
                if best.as_ref().is_none_or(|(_, _, b)| cost <= *b) {
                    best = Some((p, c, cost));
                }
            }
            Err(e) => last_err = e,
        }
    }
    best.map(|(p, c, _)| (p, c.clone())).ok_or(last_err)
}

/// What a plan's rows are written under.
#[derive(Debug, Clone)]
pub enum Keying<'a> {
    /// One strategy's key over one column, written as its equivalent spec field:
    /// `<path>/user_id_bucket=3/` ([`key_name`]).
    Strategy {
        strategy: Strategy,
        /// The key column, unquoted.
        column: &'a str,
        /// SQL of the key value every row is written under (the strategy's key function).
        key_sql: String,
        /// The name of the column the rows are written under ([`key_name`]).
        name: String,
    },
    /// The fields of an Iceberg partition spec, `<path>/ts_month=2024-01/user_id_bucket=3/`;
    /// `types` are the fields' key columns' types, `ranges` the range fields' bounds
    /// (`core::spec::PartitionSpec::split_ranges`).
    Spec { spec: &'a PartitionSpec, types: &'a [ColumnType], ranges: &'a [Vec<String>] },
}

/// What the statements of a plan need to know besides the passes.
#[derive(Debug, Clone)]
pub struct CopyTarget<'a> {
    /// FROM text of the source (`core::source::from_sql`).
    pub source_sql: &'a str,
    pub keying: Keying<'a>,
    /// The output directory.
    pub path: &'a str,
    pub format: Format,
    /// Every pass appends, the first included: a plan of some of the partitions, written into
    /// an output that holds others.
    pub append: bool,
    /// The codec the user asked for ([`Format::compression`]); None: DuckDB's default.
    pub compression: Option<&'static str>,
    /// The zstd level asked for ([`Format::compression_level`]); None: DuckDB's default.
    pub compression_level: Option<i64>,
}

/// The name of the column a strategy's rows are written under, and so of its directories:
/// the name Iceberg gives the field of the equivalent spec, `<col>_bucket` for hash buckets
/// (`bucket(N, col)`), `<col>_<granularity>` for time (`day(col)`: `ts_day`; a quarter, which
/// Iceberg lacks, `ts_quarter`) and `<col>_range` for ranges (partext's `range(N, col)`).
pub fn key_name(strategy: Strategy, column: &str, arg: &str) -> String {
    match strategy {
        Strategy::Hash => format!("{column}_bucket"),
        Strategy::Range => format!("{column}_range"),
        Strategy::Temporal => format!("{column}_{}", arg.trim().to_ascii_lowercase()),
    }
}

/// A period's label as its directory writes it: Iceberg's human string, which is the label
/// but for an hour (`2024-01-15-10`, the label `2024-01-15T10`).
fn period_directory_value(label: &str) -> String {
    label.replace('T', "-")
}

/// The directory, under the plan's path, that a partition's files are written to, as DuckDB's
/// partitioned COPY names it: the key column's name and value (the bucket, the period's
/// label, the range's index; `__HIVE_DEFAULT_PARTITION__` for NULL keys), or for a spec one
/// level per field, escaped as DuckDB escapes them (`core::spec::PathStyle`).
pub fn partition_directory(keying: &Keying, p: &PlanPartition) -> String {
    let (strategy, name) = match keying {
        Keying::Strategy { strategy, name, .. } => (*strategy, name),
        Keying::Spec { spec, .. } => {
            let humans: Vec<Option<&str>> = p.keys.iter().map(Option::as_deref).collect();
            return hive_path(&spec.names(), &humans, PathStyle::DuckDb);
        }
    };
    let value = match (&p.label, strategy) {
        (None, _) => None,
        (Some(_), Strategy::Range) => Some(p.id.to_string()),
        (Some(label), Strategy::Temporal) => Some(period_directory_value(label)),
        (Some(label), Strategy::Hash) => Some(label.clone()),
    };
    hive_path(std::slice::from_ref(name), &[value.as_deref()], PathStyle::DuckDb)
}

/// The settings every pass needs, as SQL (they stay set in the session that runs them):
/// `memory_limit` and `threads` where the plan lowers them (`Some`; bytes and count), the row
/// group as the flush threshold, and no insertion order to keep.
pub fn settings_sql(row_group: u64, memory_limit: Option<u64>, threads: Option<u64>) -> String {
    let limit = memory_limit.map(|b| format!("SET memory_limit = '{}KiB'; ", b / 1024)).unwrap_or_default();
    let threads = threads.map(|t| format!("SET threads = {t}; ")).unwrap_or_default();
    format!("{limit}{threads}SET preserve_insertion_order = false; SET partitioned_write_flush_threshold = {row_group};")
}

/// What the plan's last statement ends with: the connection's `memory_limit` (bytes) and
/// `threads` set back where the passes changed them (`Some`), each after a space.
pub fn restore_sql(memory_limit: Option<u64>, threads: Option<u64>) -> String {
    let limit = memory_limit.map(|b| format!(" SET memory_limit = '{b}B';")).unwrap_or_default();
    let threads = threads.map(|t| format!(" SET threads = {t};")).unwrap_or_default();
    format!("{limit}{threads}")
}

/// The WHERE condition selecting the rows of a pass's partitions: one run of the key (see
/// [`plan`]); a spec's run is bounded by its first and last partitions' values
/// (`core::spec::PartitionSpec::run_predicate`).
pub fn pass_predicate(pass: &Pass, target: &CopyTarget) -> Result<String> {
    let (strategy, column, key_sql) = match &target.keying {
        Keying::Strategy { strategy, column, key_sql, .. } => (*strategy, *column, key_sql),
        Keying::Spec { spec, types, ranges } => {
            let (Some(first), Some(last)) = (pass.partitions.first(), pass.partitions.last()) else {
                return Ok("FALSE".into());
            };
            return spec.run_predicate(types, ranges, &first.keys, &last.keys);
        }
    };
    let col = quote_ident(column);
    let null = pass.partitions.iter().any(|p| p.is_null);
    let keyed: Vec<&PlanPartition> = pass.partitions.iter().filter(|p| !p.is_null).collect();
    let mut terms = Vec::new();
    if !keyed.is_empty() {
        match strategy {
            Strategy::Hash => {
                // Key order: the pass is one run of buckets (empty ones between hold no rows).
                let first = keyed[0].lower.as_deref().unwrap_or("NULL");
                let last = keyed[keyed.len() - 1].lower.as_deref().unwrap_or("NULL");
                terms.push(if first == last { format!("{key_sql} = {first}") } else { format!("{key_sql} BETWEEN {first} AND {last}") });
            }
            Strategy::Temporal | Strategy::Range => {
                // Key order: the pass is one run from the first lower to the last upper.
                let mut bounds = Vec::new();
                if let Some(lower) = &keyed[0].lower {
                    bounds.push(format!("{col} >= {lower}"));
                }
                if let Some(upper) = &keyed[keyed.len() - 1].upper {
                    bounds.push(format!("{col} < {upper}"));
                }
                if bounds.is_empty() {
                    bounds.push(format!("{col} IS NOT NULL"));
                }
                terms.push(format!("({})", bounds.join(" AND ")));
            }
        }
    }
    if null {
        terms.push(format!("{col} IS NULL"));
    }
    Ok(terms.join(" OR "))
}

/// The select list of a COPY statement and its `PARTITION_BY` columns.
pub fn copy_columns(keying: &Keying) -> (String, String) {
    match keying {
        Keying::Strategy { key_sql, name, .. } => (format!("*, {key_sql} AS {}", quote_ident(name)), quote_ident(name)),
        Keying::Spec { spec, types, ranges } => spec.copy_columns(types, ranges),
    }
}

/// The COPY statement of pass `index`: the first refuses a directory that already has files
/// (as the one-pass COPY does) unless the target appends, later ones append to it.
pub fn copy_sql(pass: &Pass, index: usize, row_group: u64, target: &CopyTarget) -> Result<String> {
    let (select, partition_by) = copy_columns(&target.keying);
    let mut options = vec![
        match target.format {
            Format::Parquet => "FORMAT parquet".to_string(),
            Format::Csv => "FORMAT csv".to_string(),
        },
        format!("PARTITION_BY ({partition_by})"),
    ];
    if index > 0 || target.append {
        options.push("APPEND".into());
    }
    if let Some(codec) = target.compression {
        options.push(format!("COMPRESSION {codec}"));
    }
    if let Some(level) = target.compression_level {
        options.push(format!("COMPRESSION_LEVEL {level}"));
    }
    if target.format == Format::Parquet {
        options.push(format!("ROW_GROUP_SIZE {row_group}"));
    }
    Ok(format!(
        "COPY (SELECT {select} FROM {} WHERE {}) TO {} ({});",
        target.source_sql,
        pass_predicate(pass, target)?,
        quote_literal(target.path),
        options.join(", ")
    ))
}

/// The query that lists the partitions of `strategy` over `tbl` for a plan: the strategy's
/// manifest macro called with the arguments as quoted literals, each partition's bounds as text
/// (the bucket for hash) and the key's type.
pub fn manifest_sql(tbl: &str, strategy: &str, col: &str, arg: &str, range: &RangeOptions) -> Result<String> {
    let strategy = Strategy::parse(strategy)?;
    let call_arg = match strategy {
        Strategy::Temporal if arg == "auto" => {
            return Err(Error::user("a plan needs a fixed granularity ('hour', 'day', 'week', 'month', 'quarter' or 'year'), not 'auto'"))
        }
        Strategy::Temporal => format!("{}, include_empty := false", quote_literal(arg)),
        Strategy::Hash | Strategy::Range => arg.trim().parse::<i64>().map(|n| n.to_string()).map_err(|_| {
            Error::user(format!("arg must be a whole number of {} for strategy '{}', got '{arg}'", strategy.argument(), strategy.name()))
        })?,
    };
    let named = match strategy {
        Strategy::Range => range.sql()?,
        _ if range.method.is_some() || range.bounds.is_some() => {
            return Err(Error::user(format!("method and bounds apply to strategy 'range' only, not '{}'; drop them", strategy.name())))
        }
        _ => String::new(),
    };
    let bounds = match strategy {
        Strategy::Hash => "CAST(bucket AS VARCHAR) AS lower_text, CAST(NULL AS VARCHAR) AS upper_text, CAST(NULL AS VARCHAR) AS key_type",
        _ => "CAST(lower AS VARCHAR) AS lower_text, CAST(upper AS VARCHAR) AS upper_text, typeof(lower) AS key_type",
    };
    Ok(format!(
        "SELECT partition_id, label, row_count, estimated_bytes, {bounds} FROM partext.{}({}, {}, {call_arg}{named})",
        strategy.function(),
        quote_literal(tbl),
        quote_literal(col)
    ))
}

/// write_plan's named parameters that pass through to `partition_range`.
#[derive(Debug, Clone, Default)]
pub struct RangeOptions {
    /// `method := ...`, as given.
    pub method: Option<String>,
    /// `bounds := [...]`: each value as text (`CAST(b AS VARCHAR)`) and the list's type
    /// (`typeof(bounds)`), from which the list is rebuilt exactly as given.
    pub bounds: Option<(Vec<Option<String>>, String)>,
}

impl RangeOptions {
    /// The named arguments as SQL text (`, method := 'exact', bounds := CAST([...] AS INTEGER[])`).
    fn sql(&self) -> Result<String> {
        let mut out = String::new();
        if let Some(method) = &self.method {
            out.push_str(&format!(", method := {}", quote_literal(method)));
        }
        if let Some((values, type_name)) = &self.bounds {
            let list = format!(
                "[{}]",
                values.iter().map(|v| v.as_deref().map_or("NULL".to_string(), quote_literal)).collect::<Vec<_>>().join(", ")
            );
            // A list of only NULLs (or none) has DuckDB's type "NULL"[]: it is passed untyped, as
            // written. Any other type must be a plain type name, so it cannot change what the
            // text does.
            let typed = match type_name.strip_suffix("[]") {
                Some("\"NULL\"") => list,
                Some(t) if is_plain_type_name(t) => format!("CAST({list} AS {t}[])"),
                None => return Err(Error::user(format!("bounds must be a list such as [10, 20], got a value of type {type_name}"))),
                _ => {
                    return Err(Error::user(format!(
                        "bounds of type {type_name} cannot be passed on to partition_range; give a list of the key column's type"
                    )))
                }
            };
            out.push_str(&format!(", bounds := {typed}"));
        }
        Ok(out)
    }
}

/// A type name of words and at most one `(p)` or `(p,s)` at its end: `INTEGER`,
/// `TIMESTAMP WITH TIME ZONE`, `DECIMAL(18,3)`, an enum's plain name.
fn is_plain_type_name(t: &str) -> bool {
    let (words, params) = match t.split_once('(') {
        Some((w, rest)) => match rest.strip_suffix(')') {
            Some(p) => (w, Some(p)),
            None => return false,
        },
        None => (t, None),
    };
    let word_ok = !words.trim().is_empty() && words.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ');
    let params_ok = params.is_none_or(|p| {
        let parts: Vec<&str> = p.split(',').map(str::trim).collect();
        parts.len() <= 2 && parts.iter().all(|x| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit()))
    });
    word_ok && params_ok
}

/// The key every row is written under: the strategy's key function, the same value the
/// manifest's partitions were counted by. Range bounds are the partitions' lower bounds.
pub fn key_sql(strategy: Strategy, col: &str, arg: &str, partitions: &[PlanPartition], key_type: Option<&str>) -> Result<String> {
    let col = quote_ident(col);
    Ok(match strategy {
        Strategy::Hash => format!("partition_key_hash({col}, {})", arg.trim()),
        Strategy::Temporal if arg.trim().eq_ignore_ascii_case("hour") => {
            format!("replace(partition_key_temporal({col}, {}), 'T', '-')", quote_literal(arg))
        }
        Strategy::Temporal => format!("partition_key_temporal({col}, {})", quote_literal(arg)),
        Strategy::Range => {
            let bounds: Vec<&str> = partitions.iter().filter(|p| !p.is_null).skip(1).filter_map(|p| p.lower.as_deref()).collect();
            let list = match (bounds.is_empty(), key_type) {
                (false, _) => format!("[{}]", bounds.join(", ")),
                (true, Some(t)) => format!("CAST([] AS {t}[])"),
                (true, None) => return Err(Error::user("the range manifest has no key type")),
            };
            format!("partition_key_range({col}, {list})")
        }
    })
}

/// A literal of a value given as text and its DuckDB type name.
pub fn typed_literal(text: &str, type_name: &str) -> String {
    format!("CAST({} AS {type_name})", quote_literal(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(id: i64, rows: u64, width: u64) -> PlanPartition {
        PlanPartition {
            id,
            label: Some(id.to_string()),
            rows,
            bytes: rows * width,
            lower: Some(id.to_string()),
            upper: None,
            is_null: false,
            keys: Vec::new(),
        }
    }

    fn ordered(id: i64, rows: u64, width: u64) -> PlanPartition {
        PlanPartition { lower: Some(format!("{}", id * 10)), upper: Some(format!("{}", id * 10 + 10)), ..part(id, rows, width) }
    }

    #[test]
    fn range_options_pass_through_as_literals_of_the_given_type() {
        let none = RangeOptions::default();
        assert!(manifest_sql("t", "range", "k", "4", &none).unwrap().ends_with("partition_range('t', 'k', 4)"));
        let given = RangeOptions {
            method: Some("exact".into()),
            bounds: Some((vec![Some("10".into()), Some("it's".into()), None], "DECIMAL(18,3)[]".into())),
        };
        let sql = manifest_sql("t", "range", "k", "4", &given).unwrap();
        assert!(
            sql.ends_with("partition_range('t', 'k', 4, method := 'exact', bounds := CAST(['10', 'it''s', NULL] AS DECIMAL(18,3)[]))"),
            "{sql}"
        );
        let tz = RangeOptions { bounds: Some((vec![], "TIMESTAMP WITH TIME ZONE[]".into())), ..Default::default() };
        assert!(manifest_sql("t", "range", "k", "4", &tz).unwrap().ends_with("bounds := CAST([] AS TIMESTAMP WITH TIME ZONE[]))"));
        let nulls = RangeOptions { bounds: Some((vec![None], "\"NULL\"[]".into())), ..Default::default() };
        assert!(manifest_sql("t", "range", "k", "4", &nulls).unwrap().ends_with("bounds := [NULL])"));
        let scalar = RangeOptions { bounds: Some((vec![], "INTEGER".into())), ..Default::default() };
        let err = manifest_sql("t", "range", "k", "4", &scalar).unwrap_err().to_string();
        assert!(err.contains("bounds must be a list such as [10, 20], got a value of type INTEGER"), "{err}");
        for hostile in ["STRUCT(\"a b\" INTEGER)[]", "INTEGER) , (1[]", "INTEGER[]; DROP TABLE t; --[]", "(1)[]", "DECIMAL(1,2,3)[]"] {
            let o = RangeOptions { bounds: Some((vec![Some("1".into())], hostile.into())), ..Default::default() };
            let err = manifest_sql("t", "range", "k", "4", &o).unwrap_err().to_string();
            assert!(err.contains("cannot be passed on"), "{hostile}: {err}");
        }
        let err = manifest_sql("t", "hash", "k", "4", &given).unwrap_err().to_string();
        assert!(err.contains("apply to strategy 'range' only"), "{err}");
    }

    #[test]
    fn the_thread_count_with_the_least_time_wins() {
        let parts: Vec<_> = (0..64).map(|i| part(i, 25_000, 200)).collect();
        let choice = |threads: u64, writer_room: u64| ThreadChoice { threads, writer_room, buffers: threads, duckdb_limit: 64 << 20 };
        let choices = [choice(1, 10 << 20), choice(2, 5 << 20)];
        let one = plan(&parts, Format::Parquet, 10 << 20, 1).unwrap().passes.len() as f64;
        let two = plan(&parts, Format::Parquet, 5 << 20, 2).unwrap().passes.len() as f64;
        assert!(two > one * 1.5, "{one} passes with 1 thread, {two} with 2");
        for share in [0.0, 0.02, 0.3, 1.0] {
            let (chosen, c) = plan_threads(&parts, Format::Parquet, &choices, share, None).unwrap();
            let time = |passes: f64, t: u64| (1.0 + passes * share) / speedup(t);
            let expect = if time(one, 1) < time(two, 2) { 1 } else { 2 };
            assert_eq!(c.threads, expect, "share {share}: {one} passes with 1 thread, {two} with 2");
            assert_eq!(chosen.passes.len() as f64, if expect == 1 { one } else { two });
        }
        // Passes over a table cost little beside the writing: more threads; over an unsorted
        // file each pass is a scan: fewer passes.
        assert_eq!(plan_threads(&parts, Format::Parquet, &choices, 0.02, None).unwrap().1.threads, 2);
        assert_eq!(plan_threads(&parts, Format::Parquet, &choices, 1.0, None).unwrap().1.threads, 1);
        assert!((speedup(2) - 1.818).abs() < 0.01 && speedup(1) == 1.0);
        let plenty = [choice(1, 1 << 30), choice(2, 1 << 29)];
        assert_eq!(plan_threads(&parts, Format::Parquet, &plenty, 0.3, None).unwrap().1.threads, 2, "one pass either way: more threads");
    }

    #[test]
    fn everything_fits_in_one_pass() {
        let parts: Vec<_> = (0..8).map(|i| part(i, 1_000, 100)).collect();
        let plan = plan(&parts, Format::Parquet, 1 << 29, 2).unwrap();
        assert_eq!((plan.passes.len(), plan.row_group), (1, DEFAULT_ROW_GROUP));
        assert_eq!(plan.passes[0].rows, 8_000);
    }

    #[test]
    fn passes_respect_the_budget_and_cover_every_partition_once() {
        // 64 buckets of 300,000 rows of 140 bytes, 64 MiB, 2 threads.
        let parts: Vec<_> = (0..64).map(|i| part(i, 300_000 + i as u64 * 1_000, 140)).collect();
        let budget = 64 << 20;
        let plan_of = plan;
        let plan = plan(&parts, Format::Parquet, budget / 2, 2).unwrap();
        assert!(plan.passes.len() > 1 && plan.passes.len() < 64, "{} passes", plan.passes.len());
        let mut seen: Vec<i64> = plan.passes.iter().flat_map(|p| p.partitions.iter().map(|q| q.id)).collect();
        seen.sort();
        assert_eq!(seen, (0..64).collect::<Vec<_>>());
        let target = CopyTarget {
            source_sql: "\"t\"",
            keying: Keying::Strategy {
                strategy: Strategy::Hash,
                column: "user_id",
                key_sql: "k".into(),
                name: key_name(Strategy::Hash, "user_id", "day"),
            },
            path: "out",
            format: Format::Parquet,
            append: false,
            compression: None,
            compression_level: None,
        };
        for p in &plan.passes {
            assert!(p.buffer_bytes <= budget / 2, "{} > the writers' room", p.buffer_bytes);
            // One run of buckets, read with one BETWEEN that DuckDB evaluates in its scan.
            let ids: Vec<i64> = p.partitions.iter().map(|q| q.id).collect();
            assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "a run of buckets: {ids:?}");
            assert_eq!(pass_predicate(p, &target).unwrap(), format!("k BETWEEN {} AND {}", ids[0], ids[ids.len() - 1]));
        }
        // A smaller row group never gives more passes than a larger one would.
        let room = (budget / 2).saturating_sub(thread_buffers(&parts, DEFAULT_ROW_GROUP, 2));
        let at_default = pack(&parts, &vec![0; parts.len()], |p| writer_bytes(p, DEFAULT_ROW_GROUP, Format::Parquet), room).len();
        assert!(plan.passes.len() <= at_default);
        assert!(plan.row_group >= PREFERRED_MIN_ROW_GROUP);
        // Some of the buckets (a writer resuming or splitting a pass): no pass spans a bucket
        // left out, so every pass's BETWEEN selects its own buckets alone, and every pass appends.
        let some: Vec<_> = parts.iter().filter(|p| ![3, 4, 40].contains(&p.id)).cloned().collect();
        let plan = plan_of(&some, Format::Parquet, 1 << 40, 2).unwrap();
        let runs: Vec<Vec<i64>> = plan.passes.iter().map(|p| p.partitions.iter().map(|q| q.id).collect()).collect();
        assert_eq!(runs, vec![vec![0, 1, 2], (5..40).collect(), (41..64).collect()]);
        let appending = CopyTarget { append: true, ..target };
        let named = |label: Option<&str>| PlanPartition { label: label.map(String::from), ..part(7, 1, 1) };
        let by = |strategy| Keying::Strategy { strategy, column: "k", key_sql: String::new(), name: key_name(strategy, "k", "hour") };
        assert_eq!(partition_directory(&by(Strategy::Hash), &named(Some("7"))), "k_bucket=7");
        assert_eq!(partition_directory(&by(Strategy::Range), &named(Some("007"))), "k_range=7");
        assert_eq!(partition_directory(&by(Strategy::Temporal), &named(Some("2024-01-01T05"))), "k_hour=2024-01-01-05");
        assert_eq!(partition_directory(&by(Strategy::Range), &named(None)), "k_range=__HIVE_DEFAULT_PARTITION__");
        let hostile = Keying::Strategy {
            strategy: Strategy::Hash,
            column: "a b/c",
            key_sql: String::new(),
            name: key_name(Strategy::Hash, "a b/c", ""),
        };
        assert_eq!(partition_directory(&hostile, &named(Some("7"))), "a%20b%2Fc_bucket=7");
        assert_eq!(key_name(Strategy::Temporal, "ts", " Day "), "ts_day");
        assert!(copy_sql(&plan.passes[0], 0, 4096, &appending).unwrap().contains("APPEND"));
        assert!(!copy_sql(&plan.passes[0], 0, 4096, &CopyTarget { append: false, ..appending.clone() }).unwrap().contains("APPEND"));
        // The codec a user asks for, by DuckDB's name only.
        let zstd = CopyTarget { compression: Some(Format::Parquet.compression("ZSTD").unwrap()), ..appending };
        assert!(copy_sql(&plan.passes[0], 0, 4096, &zstd).unwrap().ends_with("APPEND, COMPRESSION zstd, ROW_GROUP_SIZE 4096);"));
        let err = Format::Parquet.compression("zstd); DROP TABLE t; --").unwrap_err().to_string();
        assert!(err.starts_with("unknown compression 'zstd); DROP TABLE t; --' for format 'parquet'; use one of 'uncompressed'"), "{err}");
        assert_eq!(Format::Csv.compression("gzip").unwrap(), "gzip");
        assert!(Format::Csv.compression("snappy").is_err());
        // A zstd level: with zstd into Parquet only, within zstd's levels.
        let level = Format::Parquet.compression_level(zstd.compression, 1).unwrap();
        let fast = CopyTarget { compression_level: Some(level), ..zstd.clone() };
        assert!(copy_sql(&plan.passes[0], 0, 4096, &fast)
            .unwrap()
            .ends_with("APPEND, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 4096);"));
        assert_eq!(Format::Parquet.compression_level(Some("zstd"), -5).unwrap(), -5);
        let err = |r: Result<i64>| r.unwrap_err().to_string();
        assert!(err(Format::Parquet.compression_level(None, 1))
            .contains("got compression none (DuckDB's default, snappy); add compression := 'zstd'"));
        assert!(err(Format::Parquet.compression_level(Some("gzip"), 1)).contains("got compression 'gzip'"));
        assert!(err(Format::Parquet.compression_level(Some("zstd"), 23)).contains("from -131072 to 22"));
        assert!(err(Format::Csv.compression_level(Some("zstd"), 1)).starts_with("compression_level applies to format 'parquet' only"));
        // A row group size asked for: kept where every writer fits, halved where not.
        let big: Vec<_> = (0..8).map(|i| part(i, 2_000_000, 100)).collect();
        let kept = plan_row_groups(&big, Format::Parquet, 1 << 40, 2, Some(1 << 20)).unwrap();
        assert_eq!((kept.row_group, kept.passes.len()), (1 << 20, 1));
        let halved = plan_row_groups(&big, Format::Parquet, 300 << 20, 2, Some(1 << 20)).unwrap();
        assert!(halved.row_group < 1 << 20 && halved.row_group >= (1 << 20) / 8, "{}", halved.row_group);
        assert!(halved.passes.iter().all(|p| p.buffer_bytes <= 300 << 20));
        assert_eq!(plan_row_groups(&big, Format::Parquet, 300 << 20, 2, Some(10)).unwrap().row_group, MIN_ROW_GROUP);
    }

    #[test]
    fn the_threads_buffers_count_each_flush_threshold_up_to_the_rows() {
        let parts: Vec<_> = (0..4).map(|i| part(i, 1_000_000, 100)).collect();
        assert_eq!(thread_buffers(&parts, 15_360, 1), 15_360 * 100);
        assert_eq!(thread_buffers(&parts, 15_360, 4), 4 * 15_360 * 100);
        assert_eq!(thread_buffers(&parts, 15_360, 0), 15_360 * 100);
        // Never more than the rows there are.
        assert_eq!(thread_buffers(&parts[..1], DEFAULT_ROW_GROUP, 32), 1_000_000 * 100);
    }

    #[test]
    fn ordered_keys_pack_runs_and_null_joins_a_pass_with_room() {
        let mut parts: Vec<_> = (0..10).map(|i| ordered(i, 200_000, 100)).collect();
        parts.push(PlanPartition { id: 10, label: None, lower: None, upper: None, is_null: true, ..part(10, 5, 100) });
        let plan = plan(&parts, Format::Parquet, 12 << 20, 2).unwrap();
        assert!(plan.passes.len() > 1);
        for pass in &plan.passes {
            let ids: Vec<i64> = pass.partitions.iter().filter(|p| !p.is_null).map(|p| p.id).collect();
            assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "a run of the key: {ids:?}");
        }
        let target = CopyTarget {
            source_sql: "\"t\"",
            keying: Keying::Strategy {
                strategy: Strategy::Temporal,
                column: "ts",
                key_sql: "k".into(),
                name: key_name(Strategy::Temporal, "ts", "day"),
            },
            path: "out",
            format: Format::Parquet,
            append: false,
            compression: None,
            compression_level: None,
        };
        let first = &plan.passes[0];
        let last_id = first.partitions.iter().filter(|p| !p.is_null).map(|p| p.id).max().unwrap();
        let pred = pass_predicate(first, &target).unwrap();
        assert!(pred.starts_with(&format!("(\"ts\" >= 0 AND \"ts\" < {})", last_id * 10 + 10)), "{pred}");
        let with_null = plan.passes.iter().find(|p| p.partitions.iter().any(|q| q.is_null)).unwrap();
        assert!(pass_predicate(with_null, &target).unwrap().ends_with("OR \"ts\" IS NULL"));
    }

    #[test]
    fn a_partition_too_big_for_the_budget_gets_a_small_row_group_or_an_error() {
        // 4,000,000 rows of 10 KB: (2 threads + 1) × 122,880 rows × 10 KB ≈ 3.7 GB at full size.
        let parts = vec![part(0, 4_000_000, 10_000)];
        let plan = plan(&parts, Format::Parquet, 256 << 20, 2).unwrap();
        assert!(plan.row_group < PREFERRED_MIN_ROW_GROUP && plan.row_group >= MIN_ROW_GROUP, "{}", plan.row_group);
        let err = super::plan(&parts, Format::Parquet, 8 << 20, 2).unwrap_err().to_string();
        assert!(err.contains("partition 0 (0) needs about") && err.contains("raise memory_mb"), "{err}");
    }

    #[test]
    fn empty_partitions_need_no_pass_and_statements_append_after_the_first() {
        let parts = vec![part(0, 0, 100), part(1, 10, 100), part(2, 0, 100)];
        let plan = plan(&parts, Format::Parquet, 1 << 29, 2).unwrap();
        assert_eq!(plan.passes.len(), 1);
        assert_eq!(plan.passes[0].partitions.iter().map(|p| p.id).collect::<Vec<_>>(), vec![1]);
        let target = CopyTarget {
            source_sql: "\"my t\"",
            keying: Keying::Strategy {
                strategy: Strategy::Hash,
                column: "user_id",
                key_sql: "partition_key_hash(\"user_id\", 3)".into(),
                name: key_name(Strategy::Hash, "user_id", "day"),
            },
            path: "o'ut",
            format: Format::Parquet,
            append: false,
            compression: None,
            compression_level: None,
        };
        let sql = copy_sql(&plan.passes[0], 0, plan.row_group, &target).unwrap();
        assert_eq!(
            sql,
            "COPY (SELECT *, partition_key_hash(\"user_id\", 3) AS \"user_id_bucket\" FROM \"my t\" WHERE partition_key_hash(\"user_id\", 3) = 1) \
             TO 'o''ut' (FORMAT parquet, PARTITION_BY (\"user_id_bucket\"), ROW_GROUP_SIZE 122880);"
        );
        assert!(copy_sql(&plan.passes[0], 1, 4096, &target)
            .unwrap()
            .ends_with("PARTITION_BY (\"user_id_bucket\"), APPEND, ROW_GROUP_SIZE 4096);"));
        assert!(super::plan(&[part(0, 0, 1)], Format::Csv, 1, 1).unwrap().passes.is_empty());
    }
}
