//! partition_advise: which strategy to use for a dataset of a given size.
//!
//! ```sql
//! SELECT rank, strategy, sql, expected_partitions, reason FROM partext.partition_advise('events');
//! ```
//!
//! Size tiers (of the estimated in-memory size, GiB = 2^30 bytes): under 1 GiB a single
//! partition or daily temporal partitions; 1–10 GiB weekly or monthly temporal, or hash; 10–100
//! GiB monthly temporal or range; over 100 GiB temporal combined with hash or range. Every
//! partition is capped so that `threads` of them fit in `memory_limit` together. Inputs come
//! from one pass of metadata-light queries (row count, sampled row size, the temporal column's
//! span, the key's approximate distinct count); the advice itself is arithmetic.

use crate::core::calendar::{Granularity, SECONDS_PER_DAY};
use crate::core::hash::is_bucketable;
use crate::core::sql::{quote_ident, quote_literal};
use crate::core::strategy::Strategy;
use crate::core::types::{ColumnType, TemporalType};

pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// What partition_advise knows about the dataset.
#[derive(Debug, Clone)]
pub struct AdviseInput {
    /// The `tbl` argument as the caller wrote it.
    pub tbl: String,
    pub rows: u64,
    pub bytes: f64,
    pub memory_limit: f64,
    pub threads: f64,
    /// A temporal column and the seconds between its first and last value.
    pub temporal: Option<(String, i64)>,
    /// A key column, its approximate distinct count, and whether Iceberg can bucket it.
    pub key: Option<(String, u64, bool)>,
    /// Whether chunk_plan can address the source's rows (a table or Parquet files).
    pub chunkable: bool,
    /// How the column was chosen, for the reasons.
    pub column_note: String,
}

/// One recommended plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub strategy: String,
    pub column: Option<String>,
    pub arguments: String,
    pub sql: String,
    pub partitions: u64,
    pub partition_bytes: u64,
    pub reason: String,
}

fn period_seconds(g: Granularity) -> f64 {
    match g {
        Granularity::Hour => 3600.0,
        Granularity::Day => SECONDS_PER_DAY as f64,
        Granularity::Week => 7.0 * SECONDS_PER_DAY as f64,
        Granularity::Month => 30.44 * SECONDS_PER_DAY as f64,
        Granularity::Quarter => 91.31 * SECONDS_PER_DAY as f64,
        Granularity::Year => 365.25 * SECONDS_PER_DAY as f64,
    }
}

/// A size for people: GiB, MiB or KiB with one decimal.
fn mib(bytes: f64) -> String {
    if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes / 1024.0)
    }
}

impl AdviseInput {
    /// The largest partition that lets `threads` partitions fit in memory_limit together.
    pub fn cap(&self) -> f64 {
        self.memory_limit / self.threads.max(1.0)
    }

    fn temporal_advice(&self, g: Granularity, why: &str) -> Option<Advice> {
        let (col, span) = self.temporal.as_ref()?;
        let periods = ((*span as f64 / period_seconds(g)).floor() as u64 + 1).max(1);
        let size = self.bytes / periods as f64;
        Some(Advice {
            strategy: Strategy::Temporal.name().into(),
            column: Some(col.clone()),
            arguments: format!("granularity := '{}'", g.name()),
            sql: format!(
                "SELECT * FROM partext.{}({}, {}, '{}')",
                Strategy::Temporal.function(),
                quote_literal(&self.tbl),
                quote_literal(col),
                g.name()
            ),
            partitions: periods,
            partition_bytes: size as u64,
            reason: format!("{why}; {} {}s of about {} each{}", periods, g.name(), mib(size), self.fit_note(size)),
        })
    }

    fn count_advice(&self, strategy: Strategy, min_parts: u64, why: &str) -> Option<Advice> {
        let (col, distinct, bucketable) = self.key.as_ref()?;
        if strategy == Strategy::Hash && !bucketable {
            return None;
        }
        let parts = ((self.bytes / self.target()).ceil() as u64).clamp(min_parts.max(1), 65_536).min((*distinct).max(1));
        let size = self.bytes / parts as f64;
        let (function, arg) = (strategy.function(), strategy.argument());
        Some(Advice {
            strategy: strategy.name().into(),
            column: Some(col.clone()),
            arguments: format!("{arg} := {parts}"),
            sql: format!("SELECT * FROM partext.{function}({}, {}, {parts})", quote_literal(&self.tbl), quote_literal(col)),
            partitions: parts,
            partition_bytes: size as u64,
            reason: format!("{why}; {parts} partitions of about {} each{}", mib(size), self.fit_note(size)),
        })
    }

    /// The partition size to aim for: a quarter of the memory cap, at most 1 GiB.
    fn target(&self) -> f64 {
        (self.cap() / 4.0).clamp(1.0, GIB)
    }

    fn fit_note(&self, size: f64) -> String {
        if size <= self.cap() {
            let fit = (self.memory_limit / size.max(1.0)).floor();
            format!(", so about {fit:.0} of them fit in memory_limit {}", mib(self.memory_limit))
        } else {
            format!("; larger than memory_limit / threads = {}: split further", mib(self.cap()))
        }
    }

    /// The coarsest of `choices` whose average period fits the cap, else the finest.
    fn granularity_within(&self, choices: &[Granularity]) -> Option<Granularity> {
        let (_, span) = self.temporal.as_ref()?;
        choices
            .iter()
            .copied()
            .find(|&g| self.bytes / ((*span as f64 / period_seconds(g)).floor() + 1.0) <= self.cap())
            .or_else(|| choices.last().copied())
    }

    /// The recommendations, best first.
    pub fn advise(&self) -> Vec<Advice> {
        let total = self.bytes;
        let tier = if total < GIB {
            "under 1 GiB"
        } else if total < 10.0 * GIB {
            "1-10 GiB"
        } else if total < 100.0 * GIB {
            "10-100 GiB"
        } else {
            "over 100 GiB"
        };
        let size_note = format!("{} rows, about {} in memory ({tier}){}", self.rows, mib(total), self.column_note);
        let mut out = Vec::new();
        if total < GIB {
            if total <= self.cap() {
                out.push(Advice {
                    strategy: "single".into(),
                    column: None,
                    arguments: String::new(),
                    sql: format!("SELECT * FROM {}", source_sql(&self.tbl)),
                    partitions: 1,
                    partition_bytes: total as u64,
                    reason: format!("{size_note}: it fits in memory_limit / threads = {} as one partition", mib(self.cap())),
                });
            }
            out.extend(self.temporal_advice(Granularity::Day, &size_note));
        } else if total < 10.0 * GIB {
            if let Some(g) = self.granularity_within(&[Granularity::Month, Granularity::Week]) {
                out.extend(self.temporal_advice(g, &size_note));
            }
            out.extend(self.count_advice(Strategy::Hash, 2, &size_note));
        } else if total < 100.0 * GIB {
            if let Some(g) = self.granularity_within(&[Granularity::Month, Granularity::Week, Granularity::Day]) {
                out.extend(self.temporal_advice(g, &size_note));
            }
            out.extend(self.count_advice(Strategy::Range, 2, &size_note));
        } else {
            if let Some(mut t) = self.temporal_advice(Granularity::Month, &size_note) {
                let per_period = (t.partition_bytes as f64 / self.target()).ceil().max(2.0) as u64;
                t.strategy = "temporal+hash".into();
                t.arguments = format!("granularity := 'month', then buckets := {per_period} within each month");
                t.reason = format!(
                    "{size_note}; months of about {} are too large alone: split each month's query with partition_hash(..., {per_period})",
                    mib(t.partition_bytes as f64)
                );
                t.partitions *= per_period;
                t.partition_bytes /= per_period;
                out.push(t);
            }
            out.extend(self.count_advice(Strategy::Range, 2, &size_note));
        }
        if self.chunkable && total > self.target() {
            let parts = (total / self.target()).ceil() as u64;
            out.push(Advice {
                strategy: "chunks".into(),
                column: None,
                arguments: format!("target_mb := {:.0}", self.target() / (1024.0 * 1024.0)),
                sql: format!(
                    "SELECT * FROM partext.chunk_plan({}, {:.0})",
                    quote_literal(&self.tbl),
                    (self.target() / (1024.0 * 1024.0)).max(1.0)
                ),
                partitions: parts,
                partition_bytes: (total / parts as f64) as u64,
                reason: format!("{size_note}; consecutive row ranges, when no column matters for the split"),
            });
        }
        if out.is_empty() {
            out.extend(self.count_advice(Strategy::Hash, 2, &size_note));
        }
        out
    }
}

/// The columns partition_advise considers: the temporal column (the one asked for, else the
/// first DATE/TIMESTAMP column) and the key candidates (the column asked for, else every
/// column Iceberg can bucket that is not a date or time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnChoice {
    pub temporal: Option<usize>,
    pub candidates: Vec<usize>,
    /// Set when the caller named the column.
    pub asked: Option<usize>,
}

pub fn choose_columns(columns: &[(String, ColumnType)], asked: Option<usize>) -> ColumnChoice {
    let is_temporal = |i: usize| TemporalType::from_column_type(&columns[i].1).is_some();
    let is_key = |t: &ColumnType| {
        is_bucketable(t) && TemporalType::from_column_type(t).is_none() && !matches!(t, ColumnType::Date | ColumnType::Time)
    };
    match asked {
        Some(i) if is_temporal(i) => ColumnChoice { temporal: Some(i), candidates: vec![], asked },
        Some(i) => ColumnChoice { temporal: None, candidates: vec![i], asked },
        None => ColumnChoice {
            temporal: (0..columns.len()).find(|&i| is_temporal(i)),
            candidates: (0..columns.len()).filter(|&i| is_key(&columns[i].1)).collect(),
            asked,
        },
    }
}

impl ColumnChoice {
    /// The key: the candidate with the most distinct values (the first on a tie), with its
    /// count and whether Iceberg can bucket it.
    pub fn key(&self, columns: &[(String, ColumnType)], distinct: impl Fn(usize) -> u64) -> Option<(String, u64, bool)> {
        self.candidates
            .iter()
            .map(|&i| (i, distinct(i)))
            .max_by_key(|&(i, d)| (d, std::cmp::Reverse(i)))
            .map(|(i, d)| (columns[i].0.clone(), d, is_bucketable(&columns[i].1)))
    }

    /// How the column was chosen, for the reasons.
    pub fn note(&self, columns: &[(String, ColumnType)], key: Option<&(String, u64, bool)>) -> String {
        match (self.asked, self.temporal, key) {
            (Some(i), _, _) => format!("; column {} as asked", quote_ident(&columns[i].0)),
            (None, Some(t), _) => format!("; temporal column {} chosen (the first DATE/TIMESTAMP column)", quote_ident(&columns[t].0)),
            (None, None, Some((k, d, _))) => format!("; key column {} chosen (most distinct values, about {d})", quote_ident(k)),
            _ => "; no temporal or key column found".to_string(),
        }
    }
}

/// The FROM text for a `tbl` argument as written (name, query or file).
fn source_sql(tbl: &str) -> String {
    let t = tbl.trim();
    if t.starts_with('(') || crate::core::source::parse_identifier_path(t).is_some() {
        t.to_string()
    } else {
        quote_literal(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: f64) -> AdviseInput {
        AdviseInput {
            tbl: "events".into(),
            rows: (bytes / 100.0) as u64,
            bytes,
            memory_limit: 16.0 * GIB,
            threads: 8.0,
            temporal: Some(("ts".into(), 3 * 365 * SECONDS_PER_DAY)),
            key: Some(("user_id".into(), 1_000_000, true)),
            chunkable: true,
            column_note: String::new(),
        }
    }

    #[test]
    fn the_reason_counts_the_partitions_that_fit() {
        // 500,000 rows of a year at memory_limit 16MB: 366 days of about 37 KiB each.
        let a = AdviseInput {
            memory_limit: 15.2 * 1024.0 * 1024.0,
            threads: 2.0,
            temporal: Some(("ts".into(), 365 * SECONDS_PER_DAY)),
            ..input(366.0 * 37.4 * 1024.0)
        };
        let day = a.temporal_advice(Granularity::Day, "x").unwrap();
        assert_eq!(day.partitions, 366);
        assert!(day.reason.contains("so about 416 of them fit in memory_limit 15.2 MiB"), "{}", day.reason);
    }

    #[test]
    fn tiers_follow_the_design() {
        let small = input(0.5 * GIB).advise();
        assert_eq!(small[0].strategy, "single");
        assert_eq!(small[1].arguments, "granularity := 'day'");
        let mid = input(5.0 * GIB).advise();
        assert_eq!(mid[0].arguments, "granularity := 'month'");
        assert!(mid.iter().any(|a| a.strategy == "hash"));
        let large = input(50.0 * GIB).advise();
        assert_eq!(large[0].arguments, "granularity := 'month'");
        assert!(large.iter().any(|a| a.strategy == "range"));
        let huge = input(500.0 * GIB).advise();
        assert_eq!(huge[0].strategy, "temporal+hash");
        assert!(huge[0].partition_bytes as f64 <= input(0.0).cap(), "capped so threads partitions fit");
    }

    #[test]
    fn partitions_are_capped_by_memory_per_thread() {
        let mut i = input(50.0 * GIB);
        i.memory_limit = 4.0 * GIB;
        i.threads = 8.0;
        let advice = i.advise();
        let range = advice.iter().find(|a| a.strategy == "range").unwrap();
        assert!(range.partition_bytes as f64 <= i.cap());
        assert!(advice[0].arguments.contains("'week'"), "months (1.4 GiB) exceed the 0.5 GiB cap: {:?}", advice[0]);
    }

    #[test]
    fn without_a_temporal_column_hash_or_range_lead() {
        let mut i = input(5.0 * GIB);
        i.temporal = None;
        assert_eq!(i.advise()[0].strategy, "hash");
        i.key = None;
        i.chunkable = true;
        assert_eq!(i.advise()[0].strategy, "chunks");
    }

    #[test]
    fn columns_are_chosen_by_type_and_distinct_values() {
        let cols: Vec<(String, ColumnType)> = [("id", "BIGINT"), ("ts", "TIMESTAMP"), ("d", "DATE"), ("x", "DOUBLE"), ("name", "VARCHAR")]
            .iter()
            .map(|(n, t)| (n.to_string(), ColumnType::parse(t)))
            .collect();
        let c = choose_columns(&cols, None);
        assert_eq!((c.temporal, c.candidates.clone()), (Some(1), vec![0, 4]));
        let key = c.key(&cols, |i| if i == 4 { 90 } else { 10 });
        assert_eq!(key, Some(("name".to_string(), 90, true)));
        assert!(c.note(&cols, key.as_ref()).contains("temporal column \"ts\" chosen"));
        let asked = choose_columns(&cols, Some(3));
        assert_eq!((asked.temporal, asked.candidates.clone()), (None, vec![3]));
        assert_eq!(asked.key(&cols, |_| 5), Some(("x".to_string(), 5, false)));
        assert_eq!(asked.note(&cols, None), "; column \"x\" as asked");
        let none = choose_columns(&cols[3..4], None);
        assert_eq!(none.note(&cols[3..4], None), "; no temporal or key column found");
    }
}
