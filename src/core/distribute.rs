//! The two-level write plan: distribute the rows into a few groups of consecutive partitions,
//! then split each group into its partitions by passes that read that group alone.
//!
//! ```sql
//! FROM partext.write_plan('order_lines', 'out', 'temporal', 'l_shipdate', 'day', memory_mb := 64);
//! -- pass 0: every row into one of G groups of consecutive days, as Parquet under
//! --         out.partext-tmp-<id>/partext_group=<g>/ (G writers that fit the budget)
//! -- pass 1..: some of one group's days, read from that group's files only; the last pass
//! --         removes the temporary files
//! ```
//!
//! A direct plan (`core::write_plan`) writes a few partitions per pass, and each pass reads the
//! source again: where the key is not clustered in the source (its row groups each hold most
//! partitions), every pass decodes the whole source, so the cost grows with the number of
//! partitions (order lines by ship day, 2,526 days at 64MB: 112 passes over the whole file).
//! A two-level plan reads the source once, writes it once more (the groups), and its later
//! passes read one group each: about three times the data, however many partitions there are.
//!
//! Costs are in units of writing every row once (`core::write_plan::plan_threads`'s model): a
//! direct plan costs `(1 + sum of each pass's share of a scan) / speedup`, where a pass's share
//! is the source's `pass_share` times the part of the source it reads (all of it unless the
//! key is clustered, see [`read_fraction`]); a two-level plan costs its distributing pass (one
//! write and one scan of the source) plus, per group, the group's share of the data times its
//! own direct plan's cost over the group's files. The cheaper plan wins, and a two-level plan
//! only by [`MARGIN`], since it writes every row twice. Cost: O(p × g) for p partitions and
//! at most [`MAX_GROUPS`] groups tried.

use crate::core::error::{Error, Result};
use crate::core::scan::ThreadChoice;
use crate::core::sql::{quote_ident, quote_literal};
use crate::core::strategy::Strategy;
use crate::core::write_plan::{plan_threads, speedup, Format, Keying, Pass, Plan, PlanPartition};

/// The most groups a distributing pass writes.
pub const MAX_GROUPS: usize = 64;
/// A two-level plan is chosen when its estimated cost is below this share of the direct
/// plan's: it writes every row twice, which the model prices, but its temporary files also
/// take disk space and time to remove.
pub const MARGIN: f64 = 0.8;
/// The smaller row group size the distributing pass may write its groups with, where its
/// writers do not fit with partext's usual choice. Not smaller: each open writer holds memory
/// DuckDB does not count (measured, DuckDB 2.0.1, 20M events from a Parquet file with row
/// groups of 122,880 rows, hash 64 at 64MB, one thread: 8 groups of 2,048-row groups peaked at
/// 178 MB RSS, 4 of 7,680 at 140-143 MB).
const DISTRIBUTE_ROW_GROUP: u64 = 7_680;
/// The column the distributing pass partitions its temporary files by.
pub const GROUP_COLUMN: &str = "partext_group";

/// How many of the source's rows one row group's worth of consecutive rows spreads over:
/// `spread` is the number of distinct partitions among the first rows of the source (a
/// sample about a row group long), `partitions` the plan's. A pass of `k` consecutive
/// partitions then reads about `(k + spread) / partitions` of a source whose row groups it can
/// skip by their key range (zone maps, Parquet statistics); None (unknown, or a key no row
/// group statistics can skip, such as a hash bucket): all of it.
pub fn read_fraction(k: usize, partitions: usize, spread: Option<u64>) -> f64 {
    match spread {
        Some(s) if partitions > 0 => ((k as f64 + s as f64) / partitions as f64).min(1.0),
        _ => 1.0,
    }
}

/// The estimated cost of a direct plan run with `threads` threads over a source whose pass
/// share is `share`.
pub fn direct_cost(plan: &Plan, threads: u64, share: f64, partitions: usize, spread: Option<u64>) -> f64 {
    let scans: f64 = plan.passes.iter().map(|p| share * read_fraction(p.partitions.len(), partitions, spread)).sum();
    (1.0 + scans) / speedup(threads)
}

/// One group of a two-level plan: consecutive partitions and their own direct plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's number: its directory is `partext_group=<index>` (None: the NULL
    /// partition's group, `__HIVE_DEFAULT_PARTITION__`).
    pub index: Option<usize>,
    pub partitions: Vec<PlanPartition>,
    pub plan: Plan,
    pub threads: ThreadChoice,
}

/// A two-level plan.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoLevel {
    /// The distributing pass: one pass whose "partitions" are the groups.
    pub distribute: Plan,
    pub distribute_threads: ThreadChoice,
    pub groups: Vec<Group>,
    pub cost: f64,
}

/// Splits `partitions` (key order, those with rows) into at most `g` runs of consecutive
/// partitions of about equal bytes; the NULL partition, if any, is a run of its own, last.
pub fn group_runs(partitions: &[PlanPartition], g: usize) -> Vec<Vec<PlanPartition>> {
    let keyed: Vec<&PlanPartition> = partitions.iter().filter(|p| !p.is_null && p.rows > 0).collect();
    let total: u64 = keyed.iter().map(|p| p.bytes.max(1)).sum();
    let mut runs: Vec<Vec<PlanPartition>> = Vec::new();
    let mut done = 0u64;
    for p in keyed {
        // A new run starts where the bytes so far pass the next g-th of the total.
        let target = total as f64 * (runs.len() as f64) / g.max(1) as f64;
        if runs.is_empty() || (done as f64 >= target && runs.len() < g) {
            runs.push(Vec::new());
        }
        runs.last_mut().expect("a run").push(p.clone());
        done += p.bytes.max(1);
    }
    if let Some(null) = partitions.iter().find(|p| p.is_null && p.rows > 0) {
        runs.push(vec![null.clone()]);
    }
    runs
}

/// A run as one partition of the distributing pass.
fn as_partition(i: usize, run: &[PlanPartition]) -> PlanPartition {
    PlanPartition {
        id: i as i64,
        label: (!run[0].is_null).then(|| i.to_string()),
        rows: run.iter().map(|p| p.rows).sum(),
        bytes: run.iter().map(|p| p.bytes).sum(),
        lower: run[0].lower.clone(),
        upper: run[run.len() - 1].upper.clone(),
        is_null: run[0].is_null,
        keys: Vec::new(),
    }
}

/// The cheapest two-level plan of `partitions`, if one fits: the distributing pass over the
/// source (`source`: its thread choices and pass share) as one pass of up to [`MAX_GROUPS`]
/// groups, and each group's direct plan over its temporary Parquet files, whose thread
/// choices and pass share `groups` gives for the row group size they are written with.
pub fn plan(
    partitions: &[PlanPartition],
    format: Format,
    source: (&[ThreadChoice], f64),
    groups: impl Fn(u64) -> Option<(Vec<ThreadChoice>, f64)>,
    asked_row_group: Option<u64>,
) -> Option<TwoLevel> {
    let keyed = partitions.iter().filter(|p| !p.is_null && p.rows > 0).count();
    let total: u64 = partitions.iter().map(|p| p.bytes).sum::<u64>().max(1);
    let mut best: Option<TwoLevel> = None;
    for g in (2..=MAX_GROUPS.min(keyed)).rev() {
        let runs = group_runs(partitions, g);
        let as_groups: Vec<PlanPartition> = runs.iter().enumerate().map(|(i, r)| as_partition(i, r)).collect();
        // The groups are written as Parquet whatever the output's format, in one pass: with
        // partext's row group size, else a smaller one (the files are read once, by the
        // group's passes).
        let one_pass = [None, Some(DISTRIBUTE_ROW_GROUP)]
            .into_iter()
            .filter_map(|rg| plan_threads(&as_groups, Format::Parquet, source.0, source.1, rg).ok())
            .find(|(p, _)| p.passes.len() == 1);
        let Some((distribute, distribute_threads)) = one_pass else { continue };
        let Some((group_choices, group_share)) = groups(distribute.row_group) else { continue };
        let mut cost = (1.0 + source.1) / speedup(distribute_threads.threads);
        let mut planned = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            let Ok((plan, threads)) = plan_threads(run, format, &group_choices, group_share, asked_row_group) else { break };
            let bytes: u64 = run.iter().map(|p| p.bytes).sum();
            cost += bytes as f64 / total as f64 * direct_cost(&plan, threads.threads, group_share, run.len(), None);
            planned.push(Group { index: (!run[0].is_null).then_some(i), partitions: run.clone(), plan, threads });
        }
        if planned.len() != runs.len() {
            continue;
        }
        if best.as_ref().is_none_or(|b| cost < b.cost) {
            best = Some(TwoLevel { distribute, distribute_threads, groups: planned, cost });
        }
        // Fewer groups only add passes once every group's plan is one pass.
        if best.as_ref().is_some_and(|b| b.groups.iter().all(|grp| grp.plan.passes.len() <= 1)) {
            break;
        }
    }
    best
}

/// The directory of a plan's temporary files: beside the output (`<path>.partext-tmp-<id>`),
/// named after the partitions it writes, so that a plan of some of them (a pass replanned
/// with less memory) never shares it with the plan it came from.
pub fn temp_directory(path: &str, partitions: &[PlanPartition]) -> String {
    // FNV-1a over the ids: the same partitions give the same name in every process.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in partitions {
        for b in p.id.to_le_bytes().into_iter().chain([u8::from(p.is_null)]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{}.partext-tmp-{h:016x}", path.trim_end_matches('/'))
}

/// The group number of a row: a binary search of the key among the groups' first partitions
/// (`partition_key_range`), over the column for time keys (its partitions' lower bounds) and
/// over the key function's value for hash buckets and ranges (their bucket or index). NULL
/// keys get a NULL group. A spec's rows are compared with each group's last partition in
/// turn (`CASE`, at most [`MAX_GROUPS`] conditions).
pub fn group_key_sql(keying: &Keying, groups: &[Group]) -> Result<String> {
    let (strategy, column, key_sql) = match keying {
        Keying::Strategy { strategy, column, key_sql, .. } => (*strategy, *column, key_sql),
        Keying::Spec { spec, types, ranges } => {
            let mut cases = Vec::new();
            for (i, g) in groups.iter().enumerate().take(groups.len().saturating_sub(1)) {
                let last = g.partitions.last().ok_or_else(|| Error::internal("an empty group"))?;
                cases.push(format!("WHEN {} THEN {i}", spec.at_most_predicate(types, ranges, &last.keys)?));
            }
            let last = groups.len().saturating_sub(1);
            return Ok(if cases.is_empty() { "0".into() } else { format!("CASE {} ELSE {last} END", cases.join(" ")) });
        }
    };
    let starts: Vec<String> = groups
        .iter()
        .filter(|g| g.index.is_some())
        .skip(1)
        .filter_map(|g| match strategy {
            Strategy::Temporal => g.partitions[0].lower.clone(),
            Strategy::Hash => g.partitions[0].lower.clone(),
            Strategy::Range => Some(g.partitions[0].id.to_string()),
        })
        .collect();
    let value = match strategy {
        Strategy::Temporal => quote_ident(column),
        Strategy::Hash | Strategy::Range => key_sql.to_string(),
    };
    if starts.is_empty() {
        // One keyed group: 0 for every keyed row, NULL for the rest.
        return Ok(format!("CASE WHEN {value} IS NOT NULL THEN 0 END"));
    }
    Ok(format!("partition_key_range({value}, [{}])", starts.join(", ")))
}

/// The FROM text of one group's temporary files.
pub fn group_source_sql(temp: &str, group: &Group) -> String {
    let dir = match group.index {
        Some(i) => format!("{GROUP_COLUMN}={i}"),
        None => format!("{GROUP_COLUMN}=__HIVE_DEFAULT_PARTITION__"),
    };
    format!("read_parquet({}, hive_partitioning = false)", quote_literal(&format!("{temp}/{dir}/*.parquet")))
}

/// The distributing pass's COPY statement: the rows of `pass_predicate` into their groups.
pub fn distribute_sql(source_sql: &str, predicate: &str, group_key: &str, temp: &str, row_group: u64) -> String {
    format!(
        "COPY (SELECT *, {group_key} AS {GROUP_COLUMN} FROM {source_sql} WHERE {predicate}) TO {} \
         (FORMAT parquet, PARTITION_BY ({GROUP_COLUMN}), ROW_GROUP_SIZE {row_group}, OVERWRITE);",
        quote_literal(temp)
    )
}

/// The statement that removes a plan's temporary files (`partext_remove_temp`).
pub fn remove_sql(temp: &str) -> String {
    format!("SELECT partext_remove_temp({});", quote_literal(temp))
}

/// Whether `path`'s last component names a directory of partext's temporary files.
pub fn is_temp_directory(path: &str) -> bool {
    path.trim_end_matches('/').rsplit('/').next().is_some_and(|name| name.contains(".partext-tmp-"))
}

/// Removes a plan's temporary files: `path` must name one (`*.partext-tmp-*`) and hold only
/// `partext_group=*` directories of Parquet files, which are removed with it. Returns the
/// files removed; a path that does not exist (already removed) removes nothing.
pub fn remove_temp(path: &str) -> crate::core::error::Result<u64> {
    use crate::core::error::Error;
    if !is_temp_directory(path) {
        return Err(Error::user(format!("'{path}' is not a directory of partext's temporary files (*.partext-tmp-*); nothing removed")));
    }
    let root = std::path::Path::new(path);
    let Ok(entries) = std::fs::read_dir(root) else { return Ok(0) };
    let refuse = |what: &std::path::Path| {
        Error::user(format!("'{}' holds '{}', which partext did not write there; nothing removed", path, what.display()))
    };
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // symlink_metadata: a link is refused, never followed.
        let is_dir = std::fs::symlink_metadata(&p).map(|m| m.is_dir()).unwrap_or(false);
        if !is_dir || !name.starts_with(&format!("{GROUP_COLUMN}=")) {
            return Err(refuse(&p));
        }
        for file in std::fs::read_dir(&p).map_err(|e| Error::user(format!("'{}' cannot be read: {e}", p.display())))?.flatten() {
            let f = file.path();
            let plain = std::fs::symlink_metadata(&f).map(|m| m.is_file()).unwrap_or(false);
            if !plain || f.extension().is_none_or(|x| x != "parquet") {
                return Err(refuse(&f));
            }
            files.push(f);
        }
        dirs.push(p);
    }
    for f in &files {
        std::fs::remove_file(f).map_err(|e| Error::user(format!("'{}' cannot be removed: {e}", f.display())))?;
    }
    for d in dirs.iter().map(|d| d.as_path()).chain([root]) {
        std::fs::remove_dir(d).map_err(|e| Error::user(format!("'{}' cannot be removed: {e}", d.display())))?;
    }
    Ok(files.len() as u64)
}

/// All the passes of a two-level plan after the distributing one, in order, with their group.
pub fn split_passes(plan: &TwoLevel) -> Vec<(&Group, &Pass)> {
    plan.groups.iter().flat_map(|g| g.plan.passes.iter().map(move |p| (g, p))).collect()
}

/// Whether a two-level plan applies at all: Parquet output (a CSV output would read its rows
/// back from Parquet, whose types may differ from the source's), and more than one keyed
/// partition to write.
pub fn applies(format: Format, partitions: &[PlanPartition]) -> bool {
    format == Format::Parquet && partitions.iter().filter(|p| !p.is_null && p.rows > 0).count() > 1
}

/// Picks the plan: the two-level one where it costs less than [`MARGIN`] of the direct one.
pub fn cheaper(direct: f64, two_level: Option<TwoLevel>) -> Option<TwoLevel> {
    two_level.filter(|t| t.cost < direct * MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(id: i64, rows: u64) -> PlanPartition {
        PlanPartition {
            id,
            label: Some(format!("p{id}")),
            rows,
            bytes: rows * 100,
            lower: Some(format!("{id}")),
            upper: Some(format!("{}", id + 1)),
            is_null: false,
            keys: Vec::new(),
        }
    }

    fn choice(room: u64) -> ThreadChoice {
        ThreadChoice { threads: 1, writer_room: room, buffers: 1, duckdb_limit: room * 4 }
    }

    #[test]
    fn runs_are_consecutive_balanced_and_keep_every_partition() {
        let mut parts: Vec<PlanPartition> = (0..100).map(|i| part(i, 10 + (i as u64 % 7) * 5)).collect();
        parts.push(PlanPartition { is_null: true, label: None, lower: None, upper: None, ..part(100, 40) });
        for g in 1..=12 {
            let runs = group_runs(&parts, g);
            assert!(runs.len() <= g + 1, "{g}: {} runs", runs.len());
            let ids: Vec<i64> = runs.iter().flatten().map(|p| p.id).collect();
            assert_eq!(ids, (0..=100).collect::<Vec<_>>(), "every partition once, in order");
            assert!(runs.last().unwrap()[0].is_null && runs.last().unwrap().len() == 1);
            let keyed: Vec<u64> = runs.iter().filter(|r| !r[0].is_null).map(|r| r.iter().map(|p| p.bytes).sum()).collect();
            let (lo, hi) = (*keyed.iter().min().unwrap(), *keyed.iter().max().unwrap());
            assert!(g == 1 || hi <= 2 * lo + 3_500, "{g}: unbalanced {keyed:?}");
        }
    }

    #[test]
    fn clustered_keys_read_their_share_unclustered_all() {
        assert_eq!(read_fraction(10, 100, None), 1.0);
        assert_eq!(read_fraction(10, 100, Some(100)), 1.0);
        assert!((read_fraction(10, 100, Some(2)) - 0.12).abs() < 1e-9);
    }

    #[test]
    fn many_small_partitions_of_an_unclustered_source_are_distributed_first() {
        // 2,000 partitions of 4,000 rows of 100 bytes; writers room for about 30 at a time.
        let parts: Vec<PlanPartition> = (0..2000).map(|i| part(i, 4_000)).collect();
        let room = 30 * (4_000 * 100 + crate::core::write_plan::WRITER_OVERHEAD);
        let choices = [choice(room)];
        let (direct, threads) = plan_threads(&parts, Format::Parquet, &choices, 0.3, None).unwrap();
        let unclustered = direct_cost(&direct, threads.threads, 0.3, parts.len(), None);
        let two = plan(&parts, Format::Parquet, (&choices, 0.3), |_| Some((choices.to_vec(), 0.3)), None).expect("a two-level plan fits");
        assert!(two.cost < unclustered * MARGIN, "two-level {} against direct {unclustered}", two.cost);
        assert_eq!(two.distribute.passes.len(), 1);
        let written: Vec<i64> = split_passes(&two).iter().flat_map(|(_, p)| p.partitions.iter().map(|x| x.id)).collect();
        assert_eq!(written, (0..2000).collect::<Vec<_>>(), "every partition written once, in order");
        // The same partitions clustered in the source: the direct plan reads each row group
        // about once, and stays.
        let clustered = direct_cost(&direct, threads.threads, 0.3, parts.len(), Some(2));
        assert!(cheaper(clustered, Some(two)).is_none());
    }

    #[test]
    fn a_scan_that_leaves_little_room_distributes_with_smaller_row_groups() {
        // A Parquet source whose scan leaves the writers 6.3 MiB (measured: 20M events, row
        // groups of 122,880 rows, at 64MB): one 15,360-row group writer fits at a time, so
        // the groups are written with smaller row groups.
        let parts: Vec<PlanPartition> =
            (0..64).map(|i| PlanPartition { upper: None, lower: Some(i.to_string()), bytes: 312_500 * 144, ..part(i, 312_500) }).collect();
        let choices = [choice(6_642_992)];
        let two = plan(&parts, Format::Parquet, (&choices, 0.3), |_| Some((vec![choice(20 << 20)], 0.3)), None).expect("a two-level plan");
        assert!(
            two.groups.len() >= 2 && two.distribute.row_group < 15_360,
            "{} groups of {} rows",
            two.groups.len(),
            two.distribute.row_group
        );
    }

    #[test]
    fn group_keys_search_the_groups_first_partitions() {
        let parts: Vec<PlanPartition> = (0..6).map(|i| part(i, 100)).collect();
        let choices = [choice(1 << 30)];
        let groups: Vec<Group> = group_runs(&parts, 3)
            .into_iter()
            .enumerate()
            .map(|(i, run)| {
                let (plan, threads) = plan_threads(&run, Format::Parquet, &choices, 0.3, None).unwrap();
                Group { index: Some(i), partitions: run, plan, threads }
            })
            .collect();
        assert_eq!(
            group_key_sql(
                &Keying::Strategy { strategy: Strategy::Temporal, column: "t s", key_sql: "unused".into(), name: String::new() },
                &groups
            )
            .unwrap(),
            "partition_key_range(\"t s\", [2, 4])"
        );
        assert_eq!(
            group_key_sql(
                &Keying::Strategy {
                    strategy: Strategy::Range,
                    column: "v",
                    key_sql: "partition_key_range(\"v\", [1, 2])".into(),
                    name: String::new()
                },
                &groups
            )
            .unwrap(),
            "partition_key_range(partition_key_range(\"v\", [1, 2]), [2, 4])"
        );
        assert_eq!(
            group_key_sql(
                &Keying::Strategy {
                    strategy: Strategy::Hash,
                    column: "u",
                    key_sql: "partition_key_hash(\"u\", 6)".into(),
                    name: String::new()
                },
                &groups[..1]
            )
            .unwrap(),
            "CASE WHEN partition_key_hash(\"u\", 6) IS NOT NULL THEN 0 END"
        );
        assert!(group_source_sql("o.partext-tmp-1", &groups[1]).contains("'o.partext-tmp-1/partext_group=1/*.parquet'"));
        let t = temp_directory("out/x/", &parts);
        assert!(t.starts_with("out/x.partext-tmp-") && is_temp_directory(&t) && !is_temp_directory("out/x"));
        assert_ne!(t, temp_directory("out/x", &parts[1..]));
    }

    #[test]
    fn only_partext_temporary_files_are_removed() {
        let base = std::env::temp_dir().join(format!("partext-remove-{}", std::process::id()));
        let temp = format!("{}/out.partext-tmp-00ff", base.display());
        std::fs::create_dir_all(format!("{temp}/partext_group=0")).unwrap();
        std::fs::create_dir_all(format!("{temp}/partext_group=__HIVE_DEFAULT_PARTITION__")).unwrap();
        std::fs::write(format!("{temp}/partext_group=0/data_0.parquet"), b"x").unwrap();
        std::fs::write(format!("{temp}/partext_group=0/data_1.parquet"), b"x").unwrap();
        // A file partext did not write: nothing is removed.
        std::fs::write(format!("{temp}/partext_group=0/notes.txt"), b"x").unwrap();
        assert!(remove_temp(&temp).unwrap_err().to_string().contains("notes.txt"));
        assert!(std::path::Path::new(&format!("{temp}/partext_group=0/data_0.parquet")).exists());
        std::fs::remove_file(format!("{temp}/partext_group=0/notes.txt")).unwrap();
        assert_eq!(remove_temp(&temp).unwrap(), 2);
        assert!(!std::path::Path::new(&temp).exists());
        assert_eq!(remove_temp(&temp).unwrap(), 0, "already removed");
        assert!(remove_temp(&format!("{}", base.display())).is_err(), "not a temporary directory");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
