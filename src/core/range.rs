//! Range partitioning: equi-depth ranges of a column's values.
//!
//! ```sql
//! SELECT label, lower, upper, row_count FROM partext.partition_range('events', 'amount', 16);
//! SELECT partition_key_range(amount, [10, 20, 50]) FROM events;   -- 0 .. 3
//! ```
//!
//! Algorithm: pass 1 is DuckDB's seeded reservoir sample of the column ([`sample_size`] values:
//! bounded memory, no sort of the data, the same sample for the same data), handed to partext
//! as one list. [`equi_depth_cuts`] sorts only the sample: a value holding more
//! than one partition's share of it gets a partition of its own, and the remaining partitions
//! split the stretches between such values at their quantiles. Pass 2 counts the rows of each
//! range exactly with `partition_key_range`, and [`RangeSpec::plan`] merges computed ranges that
//! came out empty into a neighbour. `method := 'exact'` samples every value instead; custom
//! `bounds` skip pass 1. Cost: two scans of the column, O(sample) memory, O(s log s) for the sort.

use std::cmp::Ordering;

use crate::core::error::{Error, Result};
use crate::core::literal::{temporal_literal, time_text};
use crate::core::manifest::{index_label, ManifestRow, PartitionCounts};
use crate::core::sql::{quote_ident, quote_literal};
use crate::core::types::{ColumnType, TemporalType};

/// The most partitions one range manifest may ask for.
pub const MAX_PARTITIONS: i64 = 65_536;

/// The column types partition_range accepts, as listed in error messages.
pub const SUPPORTED: &str = "TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, \
     UHUGEINT, DECIMAL, FLOAT, DOUBLE, DATE, TIME, TIMESTAMP, TIMESTAMP_S, TIMESTAMP_MS, TIMESTAMP_NS, \
     TIMESTAMP WITH TIME ZONE, VARCHAR";

/// A value of a range key, comparable across the types of one family the way DuckDB compares
/// them: exact numbers by value whatever their scale, instants whatever their unit.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeValue {
    /// An integer or decimal: unscaled value and scale.
    Num(i128, u8),
    /// A FLOAT or DOUBLE; -0.0 is stored as 0.0 and every NaN as one NaN, greater than +inf.
    Float(f64),
    /// DATE or TIMESTAMP*: nanoseconds since the epoch.
    Instant(i128),
    /// TIME: microseconds since midnight.
    Time(i64),
    Text(Vec<u8>),
}

impl RangeValue {
    pub fn float(f: f64) -> RangeValue {
        RangeValue::Float(if f.is_nan() {
            f64::NAN
        } else if f == 0.0 {
            0.0
        } else {
            f
        })
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            RangeValue::Num(v, s) => Some(*v as f64 / 10f64.powi(i32::from(*s))),
            RangeValue::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// DuckDB's order; None for values of different families (a string and a number).
    pub fn compare(&self, other: &RangeValue) -> Option<Ordering> {
        use RangeValue::*;
        match (self, other) {
            (Num(a, sa), Num(b, sb)) => {
                let s = (*sa).max(*sb);
                let scale = |v: i128, from: u8| 10i128.checked_pow(u32::from(s - from)).and_then(|m| v.checked_mul(m));
                match (scale(*a, *sa), scale(*b, *sb)) {
                    (Some(x), Some(y)) => Some(x.cmp(&y)),
                    _ => float_cmp(self.as_f64()?, other.as_f64()?),
                }
            }
            (Num(..) | Float(_), Num(..) | Float(_)) => float_cmp(self.as_f64()?, other.as_f64()?),
            (Instant(a), Instant(b)) => Some(a.cmp(b)),
            (Time(a), Time(b)) => Some(a.cmp(b)),
            (Text(a), Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    pub fn total_cmp(&self, other: &RangeValue) -> Ordering {
        self.compare(other).unwrap_or(Ordering::Equal)
    }
}

/// Floats as DuckDB orders them: NaN is equal to NaN and greater than everything else.
fn float_cmp(a: f64, b: f64) -> Option<Ordering> {
    Some(match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b)?,
    })
}

/// The index of the range holding `v` for sorted `bounds`: the number of bounds <= v.
pub fn range_index(v: &RangeValue, bounds: &[RangeValue]) -> Result<usize> {
    range_index_by(bounds, |bound| bound.compare(v))
}

/// [`range_index`] for a value known only through `bound_vs_value`, which orders a bound
/// against it (so a borrowed string needs no copy).
pub fn range_index_by(bounds: &[RangeValue], bound_vs_value: impl Fn(&RangeValue) -> Option<Ordering>) -> Result<usize> {
    let mut lo = 0;
    let mut hi = bounds.len();
    while lo < hi {
        let mid = (lo + hi) / 2;
        match bound_vs_value(&bounds[mid]) {
            Some(Ordering::Greater) => hi = mid,
            Some(_) => lo = mid + 1,
            None => return Err(Error::user("the bounds and the value are of incompatible types; cast the bounds to the value's type")),
        }
    }
    Ok(lo)
}

/// Checks that bounds are strictly increasing (and of one family).
pub fn check_bounds(bounds: &[RangeValue]) -> Result<()> {
    for w in bounds.windows(2) {
        match w[0].compare(&w[1]) {
            Some(Ordering::Less) => {}
            Some(_) => return Err(Error::user("bounds must be sorted in strictly increasing order, without duplicates")),
            None => return Err(Error::user("bounds must all be of one type")),
        }
    }
    Ok(())
}

/// A column type partition_range accepts, with what it takes to write its values back as SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeType {
    /// Any integer type (the ColumnType says which).
    Int(ColumnType),
    Decimal {
        width: u8,
        scale: u8,
    },
    Float,
    Double,
    Temporal(TemporalType),
    Time,
    Varchar,
}

impl RangeType {
    pub fn from_column_type(t: &ColumnType) -> Option<RangeType> {
        use ColumnType::*;
        Some(match t {
            TinyInt | SmallInt | Integer | BigInt | HugeInt | UTinyInt | USmallInt | UInteger | UBigInt | UHugeInt => {
                RangeType::Int(t.clone())
            }
            Decimal { width, scale } => RangeType::Decimal { width: *width, scale: *scale },
            Float => RangeType::Float,
            Double => RangeType::Double,
            Time => RangeType::Time,
            Varchar => RangeType::Varchar,
            other => RangeType::Temporal(TemporalType::from_column_type(other)?),
        })
    }

    /// A SQL literal of this type for `v`, or None when `v` is not of this type's family.
    pub fn literal(&self, v: &RangeValue) -> Option<String> {
        match (self, v) {
            (RangeType::Int(_), RangeValue::Num(n, 0)) => Some(n.to_string()),
            (RangeType::Decimal { width, scale }, RangeValue::Num(n, s)) if s == scale => {
                Some(format!("CAST('{}' AS DECIMAL({width},{scale}))", decimal_text(*n, *s)))
            }
            (RangeType::Float | RangeType::Double, RangeValue::Float(f)) => {
                let text = if f.is_nan() {
                    "NaN".to_string()
                } else if f.is_infinite() {
                    if *f > 0.0 {
                        "Infinity".into()
                    } else {
                        "-Infinity".into()
                    }
                } else if *self == RangeType::Float {
                    format!("{}", *f as f32)
                } else {
                    format!("{f}")
                };
                Some(format!("CAST('{text}' AS {})", if *self == RangeType::Float { "FLOAT" } else { "DOUBLE" }))
            }
            (RangeType::Temporal(t), RangeValue::Instant(ns)) => temporal_literal(*t, *ns),
            (RangeType::Time, RangeValue::Time(us)) => Some(format!("TIME '{}'", time_text(i128::from(*us) * 1_000))),
            (RangeType::Varchar, RangeValue::Text(b)) => Some(quote_literal(&String::from_utf8_lossy(b))),
            _ => None,
        }
    }
}

/// `unscaled / 10^scale` as exact decimal text.
pub fn decimal_text(unscaled: i128, scale: u8) -> String {
    if scale == 0 {
        return unscaled.to_string();
    }
    let digits = unscaled.unsigned_abs().to_string();
    let s = usize::from(scale);
    let padded = if digits.len() <= s { format!("{}{digits}", "0".repeat(s + 1 - digits.len())) } else { digits };
    let (int, frac) = padded.split_at(padded.len() - s);
    format!("{}{int}.{frac}", if unscaled < 0 { "-" } else { "" })
}

/// Parses DuckDB's text of a DECIMAL(_, scale) into its unscaled value.
pub fn parse_decimal(text: &str, scale: u8) -> Option<i128> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if frac.len() > usize::from(scale) {
        return None;
    }
    let digits = format!("{int}{frac}{}", "0".repeat(usize::from(scale) - frac.len()));
    let v: i128 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// The rows partition_range samples for `partitions` ranges: `max(100 × partitions, 100,000)`.
pub fn sample_size(partitions: usize) -> usize {
    (100 * partitions).max(100_000)
}

/// The seed of the reservoir sample: fixed, so that the same data gives the same bounds.
pub const SAMPLE_SEED: u32 = 7;

/// How partition_range samples its key column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplePolicy {
    /// DuckDB's seeded reservoir sample of [`sample_size`] rows (the default).
    Reservoir,
    /// Every value (`method := 'exact'`).
    Every,
    /// None: custom bounds were given.
    Nothing,
}

impl SamplePolicy {
    /// The query over `from_sql` that yields the sample as one column `k`; `key` is the SQL
    /// expression that selects the key column.
    pub fn sample_sql(self, from_sql: &str, key: &str, partitions: usize) -> String {
        let tail = match self {
            SamplePolicy::Nothing => " LIMIT 0".to_string(),
            SamplePolicy::Every => String::new(),
            SamplePolicy::Reservoir => format!(" USING SAMPLE {} ROWS (reservoir, {SAMPLE_SEED})", sample_size(partitions)),
        };
        format!("SELECT {key} AS k FROM {from_sql}{tail}")
    }
}

/// Equi-depth bounds for `partitions` ranges from a sample (k bounds make k + 1 ranges). A value
/// holding more than a partition's share of the sample gets a range of its own; the other
/// partitions are shared among the stretches between such values by their size.
pub fn equi_depth_bounds(sample: Vec<RangeValue>, partitions: usize) -> Vec<RangeValue> {
    equi_depth_cuts(&sample, partitions).into_iter().map(|i| sample[i].clone()).collect()
}

/// [`equi_depth_bounds`] as positions in `sample` (in any order): the bound values are
/// `sample[i]` for the returned `i`, sorted ascending and distinct.
pub fn equi_depth_cuts(unsorted: &[RangeValue], partitions: usize) -> Vec<usize> {
    if unsorted.is_empty() || partitions <= 1 {
        return Vec::new();
    }
    let mut sorted_positions: Vec<usize> = (0..unsorted.len()).collect();
    sorted_positions.sort_by(|&a, &b| unsorted[a].total_cmp(&unsorted[b]));
    let sample: Vec<&RangeValue> = sorted_positions.iter().map(|&i| &unsorted[i]).collect();
    let n = sample.len();
    let share = n as f64 / partitions as f64;
    // Runs of equal values: (start, end) in the sorted sample.
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        if i == n || sample[i].total_cmp(sample[start]) != Ordering::Equal {
            runs.push((start, i));
            start = i;
        }
    }
    let heavy: Vec<(usize, usize)> = runs.iter().copied().filter(|&(s, e)| (e - s) as f64 > share).collect();
    // Stretches between heavy runs.
    let mut stretches = Vec::new();
    let mut from = 0;
    for &(s, e) in &heavy {
        if s > from {
            stretches.push((from, s));
        }
        from = e;
    }
    if from < n {
        stretches.push((from, n));
    }
    let budget = partitions.saturating_sub(heavy.len());
    let light: usize = stretches.iter().map(|&(s, e)| e - s).sum();
    // Largest-remainder allocation of the budget; a stretch may get none when partitions are
    // scarce, and then joins the heavy value before it (or after it, at the start).
    let mut alloc: Vec<(usize, f64)> = stretches
        .iter()
        .map(|&(s, e)| {
            let exact = if light == 0 { 0.0 } else { budget as f64 * (e - s) as f64 / light as f64 };
            (exact.floor() as usize, exact - exact.floor())
        })
        .collect();
    let mut left = budget.saturating_sub(alloc.iter().map(|a| a.0).sum());
    let mut order: Vec<usize> = (0..alloc.len()).collect();
    order.sort_by(|&a, &b| alloc[b].1.partial_cmp(&alloc[a].1).unwrap_or(Ordering::Equal).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        alloc[i].0 += 1;
        left -= 1;
    }

    // Segments in order: heavy runs (always their own range) and stretches with their share.
    let mut segments: Vec<(usize, usize, Option<usize>)> = heavy.iter().map(|&(s, e)| (s, e, None)).collect();
    segments.extend(stretches.iter().zip(&alloc).map(|(&(s, e), &(k, _))| (s, e, Some(k))));
    segments.sort_by_key(|seg| seg.0);
    // Cuts (indexes into the sample) where a new range starts.
    let mut cuts: Vec<usize> = segments.iter().skip(1).map(|seg| seg.0).collect();
    for (i, &(s, e, share)) in segments.iter().enumerate() {
        match share {
            Some(0) => {
                // A stretch without a range of its own joins one neighbour: the heavy value after
                // it, or the one before it when it is last.
                let joined = if i + 1 < segments.len() { e } else { s };
                cuts.retain(|&c| c != joined);
            }
            Some(k) => cuts.extend((1..k).map(|j| s + j * (e - s) / k)),
            None => {}
        }
    }
    cuts.sort_unstable();
    cuts.dedup_by(|a, b| sample[*a].total_cmp(sample[*b]) == Ordering::Equal);
    // A bound equal to the sample's minimum would only make an empty first range.
    cuts.retain(|&c| sample[c].total_cmp(sample[0]) == Ordering::Greater);
    cuts.into_iter().map(|c| sorted_positions[c]).collect()
}

/// How the bounds are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum BoundsMethod {
    Sampled,
    Exact,
    Custom(Vec<RangeValue>),
}

/// What the caller asked partition_range for.
#[derive(Debug, Clone)]
pub struct RangeSpec {
    pub column: String,
    pub range_type: RangeType,
    pub partitions: usize,
    pub method: BoundsMethod,
}

/// One manifest row of partition_range: the common columns plus `lower` and `upper`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeRow {
    pub common: ManifestRow,
    pub lower: Option<RangeValue>,
    pub upper: Option<RangeValue>,
}

impl RangeSpec {
    /// The list literal of `bounds`, for the counting scan and for users.
    pub fn bounds_sql(&self, bounds: &[RangeValue]) -> Result<String> {
        let items: Option<Vec<String>> = bounds.iter().map(|b| self.range_type.literal(b)).collect();
        let items = items.ok_or_else(|| Error::internal("a bound cannot be written as a literal of the column's type"))?;
        Ok(format!("[{}]", items.join(", ")))
    }

    /// The key expression of the counting scan.
    pub fn key_sql(&self, bounds: &[RangeValue]) -> Result<String> {
        Ok(format!("partition_key_range({}, {})", quote_ident(&self.column), self.bounds_sql(bounds)?))
    }

    /// The manifest for `bounds` given exact counts per range index. Computed ranges that came
    /// out empty are merged into a neighbour; custom bounds are kept as given.
    pub fn plan(&self, bounds: &[RangeValue], counts: &PartitionCounts<i64>, source_sql: &str) -> Result<Vec<RangeRow>> {
        let mut ranges: Vec<(u64, u64)> = vec![(0, 0); bounds.len() + 1];
        for &(i, rows, bytes) in &counts.keys {
            if let Some(r) = usize::try_from(i).ok().and_then(|i| ranges.get_mut(i)) {
                r.0 += rows;
                r.1 += bytes;
            }
        }
        let mut bounds: Vec<RangeValue> = bounds.to_vec();
        let custom = matches!(self.method, BoundsMethod::Custom(_));
        if !custom {
            if ranges.iter().all(|r| r.0 == 0) {
                ranges.clear();
                bounds.clear();
            }
            // Merge every empty range into a neighbour by dropping the bound between them.
            while ranges.len() > 1 {
                let Some(i) = ranges.iter().position(|r| r.0 == 0) else { break };
                let drop = if i < bounds.len() { i } else { i - 1 };
                let (rows, bytes) = ranges.remove(i);
                let keep = if i < ranges.len() { i } else { i - 1 };
                ranges[keep].0 += rows;
                ranges[keep].1 += bytes;
                bounds.remove(drop);
            }
        }
        let col = quote_ident(&self.column);
        let lit = |v: &RangeValue| {
            self.range_type.literal(v).ok_or_else(|| Error::internal("a bound cannot be written as a literal of the column's type"))
        };
        let mut rows = Vec::with_capacity(ranges.len() + 1);
        for (i, &(row_count, bytes)) in ranges.iter().enumerate() {
            let lower = if i == 0 { None } else { Some(bounds[i - 1].clone()) };
            let upper = bounds.get(i).cloned();
            let predicate = match (&lower, &upper) {
                (None, None) => format!("{col} IS NOT NULL"),
                (None, Some(u)) => format!("{col} < {}", lit(u)?),
                (Some(l), None) => format!("{col} >= {}", lit(l)?),
                (Some(l), Some(u)) => format!("{col} >= {} AND {col} < {}", lit(l)?, lit(u)?),
            };
            rows.push(RangeRow {
                common: ManifestRow::new(i as i64, Some(index_label(i, ranges.len())), predicate, source_sql, row_count, bytes),
                lower,
                upper,
            });
        }
        if counts.null_rows > 0 {
            rows.push(RangeRow {
                common: ManifestRow::new(
                    rows.len() as i64,
                    None,
                    format!("{col} IS NULL"),
                    source_sql,
                    counts.null_rows,
                    counts.null_bytes,
                ),
                lower: None,
                upper: None,
            });
        }
        Ok(rows)
    }
}

/// The most rows a manifest holds, whatever the strategy (custom bounds may make more
/// partitions than `partitions` allows, up to this).
pub const MAX_MANIFEST_ROWS: usize = crate::core::temporal::MAX_PARTITIONS;

/// Checks that custom bounds make at most [`MAX_MANIFEST_ROWS`] partitions.
pub fn check_bounds_count(bounds: usize) -> Result<()> {
    if bounds >= MAX_MANIFEST_ROWS {
        return Err(Error::user(format!(
            "bounds := [...] holds {bounds} values, which would make {} partitions; a manifest has at most {MAX_MANIFEST_ROWS} \
             (so at most {} bounds)",
            bounds + 1,
            MAX_MANIFEST_ROWS - 1
        )));
    }
    Ok(())
}

/// Checks a partition count: 1 ..= 65536.
pub fn check_partitions(n: i64) -> Result<usize> {
    if (1..=MAX_PARTITIONS).contains(&n) {
        Ok(n as usize)
    } else {
        Err(Error::user(format!("partitions must be between 1 and {MAX_PARTITIONS}, got {n}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn custom_bounds_are_capped_at_a_million_partitions() {
        assert!(super::check_bounds_count(999_999).is_ok());
        let err = super::check_bounds_count(3_000_000).unwrap_err().to_string();
        assert!(err.contains("3000000 values") && err.contains("at most 999999 bounds"), "{err}");
    }

    use super::*;

    fn nums(v: &[i128]) -> Vec<RangeValue> {
        v.iter().map(|&x| RangeValue::Num(x, 0)).collect()
    }

    /// Sizes of the ranges `bounds` make over `values`.
    fn range_sizes(values: &[RangeValue], bounds: &[RangeValue]) -> Vec<usize> {
        let mut sizes = vec![0; bounds.len() + 1];
        for v in values {
            sizes[range_index(v, bounds).unwrap()] += 1;
        }
        sizes
    }

    fn lcg(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 11
        }
    }

    #[test]
    fn comparisons_follow_duckdb() {
        assert_eq!(RangeValue::Num(1420, 2).compare(&RangeValue::Num(142, 1)), Some(Ordering::Equal));
        assert_eq!(RangeValue::Num(5, 0).compare(&RangeValue::Float(4.5)), Some(Ordering::Greater));
        assert_eq!(RangeValue::float(f64::NAN).compare(&RangeValue::float(f64::INFINITY)), Some(Ordering::Greater));
        assert_eq!(RangeValue::float(-0.0), RangeValue::float(0.0));
        assert_eq!(RangeValue::Text(b"a".to_vec()).compare(&RangeValue::Num(1, 0)), None);
        assert_eq!(RangeValue::Text(b"B".to_vec()).compare(&RangeValue::Text(b"a".to_vec())), Some(Ordering::Less));
    }

    #[test]
    fn range_index_counts_bounds_at_or_below() {
        let b = nums(&[10, 20, 30]);
        let idx = |v| range_index(&RangeValue::Num(v, 0), &b).unwrap();
        assert_eq!((idx(-5), idx(10), idx(19), idx(20), idx(30), idx(99)), (0, 1, 1, 2, 3, 3));
        assert!(check_bounds(&nums(&[1, 2, 2])).is_err());
        assert!(check_bounds(&nums(&[3, 2])).is_err());
        assert!(check_bounds(&nums(&[1, 2, 3])).is_ok());
    }

    #[test]
    fn cuts_do_not_depend_on_the_sample_order() {
        let mut next = lcg(7);
        let values: Vec<RangeValue> = (0..20_000).map(|_| RangeValue::Num(i128::from(next() % 1_000_000), 0)).collect();
        let mut reversed = values.clone();
        reversed.reverse();
        let a: Vec<RangeValue> = equi_depth_cuts(&values, 16).into_iter().map(|i| values[i].clone()).collect();
        let b: Vec<RangeValue> = equi_depth_cuts(&reversed, 16).into_iter().map(|i| reversed[i].clone()).collect();
        assert_eq!(a, b);
        assert_eq!(a, equi_depth_bounds(values, 16));
        assert_eq!(a.len(), 15);
    }

    #[test]
    fn quality_on_continuous_data() {
        // 1M distinct-ish values: the largest of p ranges holds at most 1.25 x rows/p.
        let mut next = lcg(99);
        let values: Vec<RangeValue> = (0..1_000_000).map(|_| RangeValue::float(next() as f64 / 3.0)).collect();
        for p in [2usize, 7, 16, 64] {
            let step = values.len() / sample_size(p);
            let sample: Vec<RangeValue> = values.iter().step_by(step.max(1)).cloned().collect();
            let bounds = equi_depth_bounds(sample, p);
            let sizes = range_sizes(&values, &bounds);
            assert_eq!(sizes.len(), p);
            let largest = *sizes.iter().max().unwrap() as f64;
            assert!(largest <= 1.25 * values.len() as f64 / p as f64, "p={p}: largest {largest}");
        }
    }

    #[test]
    fn heavy_hitters_get_their_own_range() {
        // 50% of the values are 500; the rest are spread over 0..1000.
        let mut values = Vec::new();
        let mut next = lcg(3);
        for i in 0..20_000 {
            values.push(RangeValue::Num(if i % 2 == 0 { 500 } else { i128::from(next() % 1000) }, 0));
        }
        let bounds = equi_depth_bounds(values.clone(), 8);
        assert!(bounds.len() < 8, "never more ranges than asked");
        let at = range_index(&RangeValue::Num(500, 0), &bounds).unwrap();
        assert_eq!(bounds[at - 1], RangeValue::Num(500, 0), "the heavy value starts its range");
        let sizes = range_sizes(&values, &bounds);
        assert!(sizes[at] >= 10_000 && sizes[at] < 10_100, "the heavy value's range is (almost) only it: {sizes:?}");
        assert!(sizes.iter().all(|&s| s > 0), "no empty range: {sizes:?}");
    }

    #[test]
    fn never_more_ranges_than_asked_and_none_empty() {
        // Generated skewed samples: a few hot values among a long tail, at every partition count.
        let mut next = lcg(11);
        for case in 0..200 {
            let hot: Vec<i128> = (0..(case % 4)).map(|_| i128::from(next() % 1000)).collect();
            let n = 50 + (next() % 3000) as usize;
            let values: Vec<RangeValue> = (0..n)
                .map(|_| {
                    let r = next() % 100;
                    let v = if (r as usize) < hot.len() * 20 { hot[r as usize % hot.len()] } else { i128::from(next() % 1000) };
                    RangeValue::Num(v, 0)
                })
                .collect();
            for p in 1..=20 {
                let bounds = equi_depth_bounds(values.clone(), p);
                assert!(bounds.len() < p.max(1), "case {case} p={p}: {} ranges", bounds.len() + 1);
                assert!(check_bounds(&bounds).is_ok());
                assert!(range_sizes(&values, &bounds).iter().all(|&s| s > 0), "case {case} p={p}: an empty range");
            }
        }
    }

    #[test]
    fn one_distinct_value_is_one_range() {
        assert!(equi_depth_bounds(nums(&[7; 500]), 16).is_empty());
        assert!(equi_depth_bounds(Vec::new(), 16).is_empty());
    }

    #[test]
    fn plan_merges_empty_computed_ranges() {
        let spec =
            RangeSpec { column: "x".into(), range_type: RangeType::Int(ColumnType::Integer), partitions: 4, method: BoundsMethod::Sampled };
        let bounds = nums(&[10, 20, 30]);
        let counts = PartitionCounts { keys: vec![(0, 5, 50), (2, 7, 70), (3, 1, 10)], null_rows: 2, null_bytes: 20 };
        let rows = spec.plan(&bounds, &counts, "t").unwrap();
        let got: Vec<_> = rows.iter().map(|r| (r.common.label.clone(), r.common.predicate.clone(), r.common.row_count)).collect();
        assert_eq!(
            got,
            vec![
                (Some("000".into()), "\"x\" < 10".into(), 5),
                (Some("001".into()), "\"x\" >= 10 AND \"x\" < 30".into(), 7),
                (Some("002".into()), "\"x\" >= 30".into(), 1),
                (None, "\"x\" IS NULL".into(), 2),
            ]
        );
        let custom = RangeSpec { method: BoundsMethod::Custom(bounds.clone()), ..spec };
        assert_eq!(custom.plan(&bounds, &counts, "t").unwrap().len(), 5, "custom bounds keep empty ranges");
    }

    #[test]
    fn literals_and_decimal_text() {
        assert_eq!(decimal_text(1420, 2), "14.20");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(parse_decimal("-0.005", 3), Some(-5));
        assert_eq!(parse_decimal("14.2", 2), Some(1420));
        let d = RangeType::Decimal { width: 10, scale: 2 };
        assert_eq!(d.literal(&RangeValue::Num(1420, 2)).unwrap(), "CAST('14.20' AS DECIMAL(10,2))");
        assert_eq!(RangeType::Double.literal(&RangeValue::float(0.1)).unwrap(), "CAST('0.1' AS DOUBLE)");
        assert_eq!(RangeType::Float.literal(&RangeValue::float(0.1f32 as f64)).unwrap(), "CAST('0.1' AS FLOAT)");
        assert_eq!(RangeType::Double.literal(&RangeValue::float(f64::NAN)).unwrap(), "CAST('NaN' AS DOUBLE)");
        assert_eq!(RangeType::Varchar.literal(&RangeValue::Text(b"it's".to_vec())).unwrap(), "'it''s'");
        assert_eq!(RangeType::Time.literal(&RangeValue::Time(1)).unwrap(), "TIME '00:00:00.000001'");
    }

    #[test]
    fn sample_queries_follow_the_policy() {
        assert_eq!(
            SamplePolicy::Reservoir.sample_sql("\"t\"", "\"v\"", 16),
            "SELECT \"v\" AS k FROM \"t\" USING SAMPLE 100000 ROWS (reservoir, 7)"
        );
        assert!(SamplePolicy::Reservoir.sample_sql("t", "v", 2000).contains("SAMPLE 200000 ROWS"));
        assert_eq!(SamplePolicy::Every.sample_sql("t", "v", 4), "SELECT v AS k FROM t");
        assert_eq!(SamplePolicy::Nothing.sample_sql("t", "v", 4), "SELECT v AS k FROM t LIMIT 0");
    }
}
