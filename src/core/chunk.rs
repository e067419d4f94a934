//! Chunk planning: consecutive row ranges of a table or a Parquet file that fit a size target.
//!
//! ```sql
//! SELECT partition_id, row_count, estimated_bytes, predicate FROM partext.chunk_plan('events', 64);
//! ```
//!
//! Rows are addressed by position: a table's `rowid`, a Parquet file's `file_row_number`. One
//! cheap scan counts the live rows per *unit* (a power-of-two block of positions, at most 2048,
//! and at most a quarter of a chunk) — so the counts stay exact after deletes leave gaps — and
//! [`plan_chunks`] cuts greedily: a chunk closes when the next unit would push it past the row
//! budget (target ÷ bytes per row), at the last row-group boundary inside it when that keeps at
//! least half the budget. Every chunk is then ≤ target and, but for the last, ≥ 50% of it.
//! Position-range predicates let DuckDB skip whole row groups, so reading every chunk costs about
//! one scan, where LIMIT/OFFSET paging grows quadratically.

use crate::core::manifest::{index_label, ManifestRow};
use crate::core::size::estimate;
use crate::core::sql::quote_literal;

/// DuckDB's row-group size in rows (its default `ROW_GROUP_SIZE`).
pub const ROW_GROUP_ROWS: i64 = 122_880;
/// The largest unit: one DuckDB vector.
pub const MAX_UNIT: i64 = 2_048;

/// A block of row positions `[start, start + len)` holding `rows` live rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkUnit {
    pub start: i64,
    pub len: i64,
    pub rows: u64,
    /// Whether a row group starts at `start`.
    pub aligned: bool,
}

/// The units of a table with `rows` rows and no deleted row: positions `0..rows` in blocks of
/// `len`, every block full but the last. The same units a scan of `rowid // len` finds on such
/// a table, without the scan.
pub fn contiguous_units(rows: u64, len: i64) -> Vec<ChunkUnit> {
    let rows = rows as i64;
    (0..rows)
        .step_by(len.max(1) as usize)
        .map(|start| ChunkUnit { start, len, rows: len.min(rows - start) as u64, aligned: start % ROW_GROUP_ROWS == 0 })
        .collect()
}

/// A planned chunk: positions `[lower, upper)` with `rows` live rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub lower: i64,
    pub upper: i64,
    pub rows: u64,
    /// The first position of the overlap reaching back `overlap_rows` rows, if asked.
    pub overlap_lower: Option<i64>,
}

/// The most rows a chunk may hold: `target_bytes / bytes_per_row`, at least one.
pub fn row_budget(target_bytes: f64, bytes_per_row: f64) -> u64 {
    if bytes_per_row <= 0.0 {
        return u64::MAX / 4;
    }
    ((target_bytes / bytes_per_row).floor() as u64).max(1)
}

/// The unit length for a row budget: a power of two, at most [`MAX_UNIT`] and at most a quarter
/// of the budget, so that a greedy cut never leaves a chunk under half of it.
pub fn unit_len(budget: u64) -> i64 {
    let quarter = (budget / 4).max(1).min(MAX_UNIT as u64);
    1i64 << (63 - quarter.leading_zeros() as i64)
}

/// Cuts `units` (sorted, non-overlapping) into chunks of at most `budget` rows.
pub fn plan_chunks(units: &[ChunkUnit], budget: u64) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let Some(first) = units.first() else { return chunks };
    let mut lower = first.start;
    let mut rows = 0u64;
    // The last row-group boundary inside the open chunk, with the rows before it.
    let mut boundary: Option<(i64, u64)> = None;
    for u in units {
        if rows > 0 && rows + u.rows > budget {
            match boundary {
                Some((at, before)) if before >= budget / 2 => {
                    chunks.push(Chunk { lower, upper: at, rows: before, overlap_lower: None });
                    lower = at;
                    rows -= before;
                }
                _ => {
                    chunks.push(Chunk { lower, upper: u.start, rows, overlap_lower: None });
                    lower = u.start;
                    rows = 0;
                }
            }
            boundary = None;
        }
        if u.aligned && u.start > lower {
            boundary = Some((u.start, rows));
        }
        rows += u.rows;
    }
    let last = units[units.len() - 1];
    chunks.push(Chunk { lower, upper: last.start + last.len, rows, overlap_lower: None });
    chunks
}

/// Sets each chunk's `overlap_lower` to reach at least `k` live rows before it (the first
/// chunk's is its own lower bound).
pub fn add_overlap(chunks: &mut [Chunk], units: &[ChunkUnit], k: u64) {
    for c in chunks.iter_mut() {
        let mut reach = c.lower;
        let mut covered = 0u64;
        for u in units.iter().rev().filter(|u| u.start < c.lower) {
            if covered >= k {
                break;
            }
            covered += u.rows;
            reach = u.start;
        }
        c.overlap_lower = Some(reach);
    }
}

/// Splits Parquet row groups `(first row, rows)` into units of at most `len` rows; row-group
/// starts are aligned.
pub fn parquet_units(groups: &[(i64, i64)], len: i64) -> Vec<ChunkUnit> {
    let mut units = Vec::new();
    for &(start, n) in groups {
        let mut at = start;
        while at < start + n {
            let l = len.min(start + n - at);
            units.push(ChunkUnit { start: at, len: l, rows: l as u64, aligned: at == start });
            at += l;
        }
    }
    units
}

/// A table's units from counts of live rows per block of `len` positions `(block start, rows)`.
pub fn table_units(blocks: &[(i64, u64)], len: i64) -> Vec<ChunkUnit> {
    let mut units: Vec<ChunkUnit> =
        blocks.iter().map(|&(start, rows)| ChunkUnit { start, len, rows, aligned: start % ROW_GROUP_ROWS == 0 }).collect();
    units.sort_by_key(|u| u.start);
    units
}

/// Chunks of `n` row positions each (`[k·n, (k+1)·n)`), from units whose length divides `n`.
pub fn fixed_chunks(units: &[ChunkUnit], n: i64) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    for u in units {
        let lower = u.start.div_euclid(n) * n;
        match chunks.last_mut() {
            Some(c) if c.lower == lower => c.rows += u.rows,
            _ => chunks.push(Chunk { lower, upper: lower + n, rows: u.rows, overlap_lower: None }),
        }
    }
    chunks
}

/// The unit length for fixed chunks of `n` rows: the largest power of two dividing `n`, at most
/// one vector, so that chunk boundaries fall on unit boundaries.
pub fn fixed_unit_len(n: u64) -> i64 {
    (1i64 << n.trailing_zeros().min(11)).min(MAX_UNIT)
}

/// What the caller asked chunk_plan for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkRequest {
    /// Rows per chunk: the budget from the size target, or `rows := N`.
    pub budget: u64,
    pub fixed_rows: Option<u64>,
    pub overlap_rows: Option<u64>,
}

impl ChunkRequest {
    /// The unit length the counting scan groups positions by.
    pub fn unit_len(&self) -> i64 {
        match self.fixed_rows {
            Some(n) => fixed_unit_len(n),
            None => unit_len(self.budget),
        }
    }

    /// The manifest for the units of each part: a table (`None`, addressed by `rowid`) or
    /// Parquet files (addressed by `file_row_number` within `filename`). Empty chunks are left
    /// out.
    pub fn plan(&self, parts: &[(Option<String>, Vec<ChunkUnit>)], bytes_per_row: f64, source_sql: &str) -> Vec<ChunkRow> {
        let mut all: Vec<(String, &'static str, Chunk)> = Vec::new();
        for (file, units) in parts {
            let (prefix, column) = match file {
                None => (String::new(), "\"rowid\""),
                Some(f) => (format!("\"filename\" = {} AND ", quote_literal(f)), "\"file_row_number\""),
            };
            let mut chunks = match self.fixed_rows {
                Some(n) => fixed_chunks(units, n as i64),
                None => plan_chunks(units, self.budget),
            };
            if let Some(k) = self.overlap_rows {
                add_overlap(&mut chunks, units, k);
            }
            all.extend(chunks.into_iter().filter(|c| c.rows > 0).map(|c| (prefix.clone(), column, c)));
        }
        let count = all.len();
        all.into_iter()
            .enumerate()
            .map(|(i, (prefix, column, c))| ChunkRow {
                common: ManifestRow::new(
                    i as i64,
                    Some(index_label(i, count)),
                    format!("{prefix}{column} >= {} AND {column} < {}", c.lower, c.upper),
                    source_sql,
                    c.rows,
                    estimate(c.rows, bytes_per_row),
                ),
                lower: c.lower,
                upper: c.upper,
                overlap_predicate: c.overlap_lower.map(|o| format!("{prefix}{column} >= {o} AND {column} < {}", c.upper)),
            })
            .collect()
    }
}

/// One manifest row of chunk_plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkRow {
    pub common: ManifestRow,
    pub lower: i64,
    pub upper: i64,
    pub overlap_predicate: Option<String>,
}

/// Parses a DuckDB memory setting such as `18.8 GiB`, `500 MB` or `1024 bytes` into bytes.
pub fn parse_memory(text: &str) -> Option<f64> {
    let (number, factor) = memory_parts(text)?;
    Some(number.parse::<f64>().ok()? * factor)
}

/// A memory setting's number, as written, and its unit in bytes.
fn memory_parts(text: &str) -> Option<(&str, f64)> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let unit = t[split..].trim().to_ascii_lowercase();
    let factor = match unit.as_str() {
        "" | "b" | "byte" | "bytes" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0f64.powi(4),
        _ => return None,
    };
    Some((t[..split].trim(), factor))
}

/// The bytes to set a memory setting back to from the text DuckDB shows for it
/// (`current_setting('memory_limit')`: to a tenth of its unit, rounded down, as `244.1 MiB` for
/// `'256MB'`): the middle of that last digit's step, whose text is the same again (setting
/// `244.1 MiB` itself would show `244.0 MiB`). Text without a fraction is taken as it is.
pub fn shown_memory_bytes(text: &str) -> Option<u64> {
    let (number, factor) = memory_parts(text)?;
    let value: f64 = number.parse().ok()?;
    let half_step = match number.find('.') {
        Some(dot) => 0.5 * 10f64.powi(-((number.len() - dot - 1) as i32)),
        None => 0.0,
    };
    Some(((value + half_step) * factor).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_memory_setting_comes_back_as_shown() {
        // DuckDB's display: a tenth of the unit, rounded down.
        let shown = |bytes: u64| {
            let units = [("KiB", 1u64 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40)];
            let (name, size) = units.iter().rev().find(|(_, s)| bytes >= *s).copied().unwrap_or(("bytes", 1));
            if size == 1 {
                format!("{bytes} bytes")
            } else {
                format!("{:.1} {name}", ((bytes as f64 / size as f64) * 10.0).floor() / 10.0)
            }
        };
        for set in [64_000_000u64, 256_000_000, 1_500_000_000, 63_963_136, 4_000_000_000, 24 << 20, 1 << 30, 19_300_000_000] {
            let text = shown(set);
            let back = shown_memory_bytes(&text).unwrap();
            assert_eq!(shown(back), text, "{set} shown as {text}, set back as {back}");
            assert!((back as f64 - set as f64).abs() <= 0.05 * parse_memory(&text).unwrap(), "{set}: {back}");
        }
        assert_eq!(shown_memory_bytes("1000 bytes"), Some(1000));
        assert_eq!(shown_memory_bytes("nonsense"), None);
    }

    /// Units of a table of `n` rowids with every `gap`-th row deleted (gap 0: none).
    fn units(n: i64, len: i64, gap: i64) -> Vec<ChunkUnit> {
        (0..n)
            .step_by(len as usize)
            .map(|start| {
                let end = (start + len).min(n);
                let deleted = if gap == 0 { 0 } else { (start..end).filter(|r| r % gap == 0).count() as u64 };
                ChunkUnit { start, len: end - start, rows: (end - start) as u64 - deleted, aligned: start % ROW_GROUP_ROWS == 0 }
            })
            .filter(|u| u.rows > 0)
            .collect()
    }

    #[test]
    fn contiguous_units_match_a_scan_of_a_table_without_deletes() {
        for (n, len) in [(0, 4), (1, 4), (4, 4), (5, 4), (1_000_003, 2048), (245_760, 16_384)] {
            // What `SELECT rowid // len, count(*) ... GROUP BY 1` reports, as table_units builds it.
            let scanned: Vec<ChunkUnit> = (0..n)
                .step_by(len as usize)
                .map(|start| ChunkUnit { start, len, rows: len.min(n - start) as u64, aligned: start % ROW_GROUP_ROWS == 0 })
                .collect();
            assert_eq!(contiguous_units(n as u64, len), scanned, "{n} rows, units of {len}");
            let rows: u64 = contiguous_units(n as u64, len).iter().map(|u| u.rows).sum();
            assert_eq!(rows, n as u64);
        }
    }

    fn check(chunks: &[Chunk], units: &[ChunkUnit], budget: u64) {
        let total: u64 = units.iter().map(|u| u.rows).sum();
        assert_eq!(chunks.iter().map(|c| c.rows).sum::<u64>(), total, "every row in a chunk");
        for w in chunks.windows(2) {
            assert_eq!(w[0].upper, w[1].lower, "chunks are consecutive");
        }
        for (i, c) in chunks.iter().enumerate() {
            assert!(c.rows <= budget, "chunk {i} over budget: {c:?}");
            if i + 1 < chunks.len() {
                assert!(c.rows * 2 >= budget, "chunk {i} under half the budget: {} of {budget}", c.rows);
            }
            let live: u64 = units.iter().filter(|u| u.start >= c.lower && u.start < c.upper).map(|u| u.rows).sum();
            assert_eq!(live, c.rows, "row count of chunk {i} is exact");
        }
    }

    #[test]
    fn chunks_fit_the_budget_with_and_without_deletes() {
        for (n, budget, gap) in
            [(1_000_000, 300_000, 0), (1_000_000, 50_000, 7), (2_000_000, 122_880, 0), (500, 7, 3), (10, 1, 0), (5_000_000, 1_000_000, 2)]
        {
            let len = unit_len(budget);
            let us = units(n, len, gap);
            let chunks = plan_chunks(&us, budget);
            check(&chunks, &us, budget);
        }
    }

    #[test]
    fn boundaries_follow_row_groups_when_they_can() {
        // A budget of 2.5 row groups: chunks end on row-group boundaries (2 groups each).
        let budget = (ROW_GROUP_ROWS as f64 * 2.5) as u64;
        let us = units(ROW_GROUP_ROWS * 10, unit_len(budget), 0);
        let chunks = plan_chunks(&us, budget);
        check(&chunks, &us, budget);
        assert!(chunks.iter().all(|c| c.lower % ROW_GROUP_ROWS == 0), "{chunks:?}");
        assert_eq!(chunks.len(), 5);
    }

    #[test]
    fn overlap_reaches_back_k_rows() {
        let us = units(10_000, 64, 0);
        let mut chunks = plan_chunks(&us, 1000);
        add_overlap(&mut chunks, &us, 100);
        assert_eq!(chunks[0].overlap_lower, Some(chunks[0].lower));
        for c in &chunks[1..] {
            let reach = c.overlap_lower.unwrap();
            assert!(c.lower - reach >= 100 && c.lower - reach < 100 + 64, "{c:?}");
        }
    }

    #[test]
    fn unit_lengths_are_powers_of_two() {
        assert_eq!(unit_len(1), 1);
        assert_eq!(unit_len(7), 1);
        assert_eq!(unit_len(100), 16);
        assert_eq!(unit_len(1_000_000), 2048);
        assert_eq!(row_budget(64.0 * 1024.0 * 1024.0, 32.0), 2_097_152);
    }

    #[test]
    fn memory_settings_parse() {
        assert_eq!(parse_memory("18.8 GiB"), Some(18.8 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_memory("500 MB"), Some(500e6));
        assert_eq!(parse_memory("1024 bytes"), Some(1024.0));
        assert_eq!(parse_memory("lots"), None);
    }

    #[test]
    fn manifests_address_tables_and_files() {
        let request = ChunkRequest { budget: 4, fixed_rows: None, overlap_rows: Some(1) };
        let table = (None, table_units(&[(4, 2), (0, 4)], 4));
        let file = (Some("a'b.parquet".to_string()), parquet_units(&[(0, 3)], 2));
        let rows = request.plan(&[table, file], 10.0, "src");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].common.predicate, "\"rowid\" >= 0 AND \"rowid\" < 4");
        assert_eq!(rows[1].overlap_predicate.as_deref(), Some("\"rowid\" >= 0 AND \"rowid\" < 8"));
        assert_eq!(rows[2].common.predicate, "\"filename\" = 'a''b.parquet' AND \"file_row_number\" >= 0 AND \"file_row_number\" < 3");
        assert_eq!(rows.iter().map(|r| r.common.row_count).sum::<u64>(), 9);
        assert_eq!(rows[2].common.estimated_bytes, 30);
        assert_eq!(fixed_unit_len(1000), 8);
        let fixed = ChunkRequest { budget: 3, fixed_rows: Some(3), overlap_rows: None };
        assert_eq!(fixed.plan(&[(None, table_units(&[(0, 1), (1, 1), (2, 1), (3, 1)], 1))], 1.0, "s").len(), 2);
    }
}
