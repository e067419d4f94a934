//! Rows per key, counted as a native aggregate streams over a column: the state behind
//! `partext_temporal_counts` and `partext_hash_counts`, which the manifest macros call once over
//! their source.
//!
//! ```sql
//! SELECT partext_temporal_counts(ts, ['month'], ['ts']) FROM events;  -- {keys: [19723, ...], rows: [24, ...], null_rows: 0}
//! SELECT partext_hash_counts(user_id, 16) FROM events;
//! ```
//!
//! Each thread's state counts keys in a hash map, with the last key and its slot cached, so
//! that sorted or clustered data (the usual case for time) costs one comparison per row; small
//! dense keys (bucket numbers) go straight to an array slot instead. The states of all threads
//! are merged at the end. Cost: O(rows) with no allocation per row, O(distinct keys) memory.

use ahash::AHashMap;

/// Rows per key, and rows whose key is NULL.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct KeyCounts {
    counts: AHashMap<i64, u64>,
    /// The last key counted and its pending rows, not yet in `counts`.
    run: Option<(i64, u64)>,
    /// Rows per small non-negative key, by index (`add_index`).
    dense: Vec<u64>,
    pub null_rows: u64,
}

impl KeyCounts {
    /// Counts one row with key `key`.
    #[inline]
    pub fn add(&mut self, key: i64) {
        match &mut self.run {
            Some((k, n)) if *k == key => *n += 1,
            _ => {
                self.flush();
                self.run = Some((key, 1));
            }
        }
    }

    /// Counts one row with the small non-negative key `index` (a bucket number): one array
    /// slot, no hashing.
    #[inline]
    pub fn add_index(&mut self, index: usize) {
        if index >= self.dense.len() {
            self.dense.resize(index + 1, 0);
        }
        self.dense[index] += 1;
    }

    fn flush(&mut self) {
        if let Some((k, n)) = self.run.take() {
            *self.counts.entry(k).or_insert(0) += n;
        }
    }

    /// Adds another state's counts to this one.
    pub fn merge(&mut self, mut other: KeyCounts) {
        other.flush();
        self.flush();
        for (k, n) in other.counts {
            *self.counts.entry(k).or_insert(0) += n;
        }
        if self.dense.len() < other.dense.len() {
            self.dense.resize(other.dense.len(), 0);
        }
        for (slot, n) in self.dense.iter_mut().zip(other.dense) {
            *slot += n;
        }
        self.null_rows += other.null_rows;
    }

    /// The counts sorted by key.
    pub fn sorted(&mut self) -> Vec<(i64, u64)> {
        self.flush();
        for (i, n) in std::mem::take(&mut self.dense).into_iter().enumerate() {
            if n > 0 {
                *self.counts.entry(i as i64).or_insert(0) += n;
            }
        }
        let mut out: Vec<(i64, u64)> = self.counts.iter().map(|(&k, &n)| (k, n)).collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_merges_count_every_row() {
        let mut a = KeyCounts::default();
        for k in [5, 5, 5, 7, 5, 9, 9] {
            a.add(k);
        }
        a.null_rows = 2;
        let mut b = KeyCounts::default();
        for k in [9, 1, 1] {
            b.add(k);
        }
        a.merge(b);
        assert_eq!(a.sorted(), vec![(1, 2), (5, 4), (7, 1), (9, 3)]);
        assert_eq!(a.null_rows, 2);
        assert_eq!(KeyCounts::default().sorted(), vec![]);
    }

    #[test]
    fn dense_keys_merge_with_each_other_and_with_hashed_keys() {
        let mut a = KeyCounts::default();
        for i in [3, 0, 3, 3] {
            a.add_index(i);
        }
        let mut b = KeyCounts::default();
        for i in [7, 0] {
            b.add_index(i);
        }
        b.add(3);
        b.null_rows = 1;
        a.merge(b);
        assert_eq!(a.sorted(), vec![(0, 2), (3, 4), (7, 1)]);
        assert_eq!(a.null_rows, 1);
    }
}
