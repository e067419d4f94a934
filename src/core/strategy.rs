//! The strategies partext partitions by, as one type for the manifest functions, write_plan
//! and partition_advise.
//!
//! ```sql
//! FROM partext.partition_hash('events', 'user_id', 16);                     -- Strategy::Hash
//! FROM partext.write_plan('events', 'out', 'hash', 'user_id', 16);          -- the same, by name
//! ```
//!
//! Each strategy knows its manifest function, its name and which key column types it takes
//! ([`Strategy::check_key`], checked before any row is read).

use crate::core::error::{Error, Result};

/// The most hash buckets or range partitions a manifest makes.
pub const MAX_COUNT: i64 = 65_536;

/// Checks a bucket or partition count, the argument called `name`: 1 ..= 65536.
pub fn check_count(name: &str, n: i64) -> Result<u32> {
    if (1..=MAX_COUNT).contains(&n) {
        Ok(n as u32)
    } else {
        Err(Error::user(format!("{name} must be between 1 and {MAX_COUNT}, got {n}")))
    }
}

/// A way to split a dataset: by calendar period, Iceberg hash bucket or value range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Temporal,
    Hash,
    Range,
}

impl Strategy {
    /// The strategy of a manifest function's name (`partition_hash`).
    pub fn from_function(function: &str) -> Option<Strategy> {
        match function {
            "partition_temporal" => Some(Strategy::Temporal),
            "partition_hash" => Some(Strategy::Hash),
            "partition_range" => Some(Strategy::Range),
            _ => None,
        }
    }

    /// The strategy as write_plan's `strategy` argument spells it: 'temporal', 'hash' or 'range'.
    pub fn parse(text: &str) -> Result<Strategy> {
        match text {
            "temporal" => Ok(Strategy::Temporal),
            "hash" => Ok(Strategy::Hash),
            "range" => Ok(Strategy::Range),
            other => Err(Error::user(format!("unknown strategy '{other}'; use 'temporal', 'hash' or 'range'"))),
        }
    }

    /// The name write_plan and partition_advise give the strategy.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Temporal => "temporal",
            Strategy::Hash => "hash",
            Strategy::Range => "range",
        }
    }

    /// The manifest function that lists this strategy's partitions.
    pub fn function(self) -> &'static str {
        match self {
            Strategy::Temporal => "partition_temporal",
            Strategy::Hash => "partition_hash",
            Strategy::Range => "partition_range",
        }
    }

    /// The name of the manifest function's third argument: 'granularity', 'buckets' or
    /// 'partitions'.
    pub fn argument(self) -> &'static str {
        match self {
            Strategy::Temporal => "granularity",
            Strategy::Hash => "buckets",
            Strategy::Range => "partitions",
        }
    }

    /// Checks that column `col`, of the DuckDB type spelled `type_text`, can be this strategy's
    /// key; the error names the column, its type, the supported types and the alternative.
    pub fn check_key(self, col: &str, type_text: &str) -> Result<()> {
        use crate::core::types::{ColumnType, TemporalType};
        let t = ColumnType::parse(type_text);
        let (ok, what, supported, instead) = match self {
            Strategy::Temporal => (
                TemporalType::from_column_type(&t).is_some(),
                "partitioned by time",
                TemporalType::SUPPORTED,
                "For other types use partition_hash or partition_range",
            ),
            Strategy::Hash => (
                crate::core::hash::is_bucketable(&t),
                "hash-bucketed (Iceberg buckets no FLOAT, DOUBLE or BOOLEAN)",
                crate::core::hash::SUPPORTED,
                "For floating-point columns use partition_range",
            ),
            Strategy::Range => (
                crate::core::range::RangeType::from_column_type(&t).is_some(),
                "split into ranges",
                crate::core::range::SUPPORTED,
                "For other types use partition_hash",
            ),
        };
        if ok {
            return Ok(());
        }
        if self == Strategy::Temporal && matches!(t, ColumnType::Varchar) {
            let c = crate::core::sql::quote_ident(col);
            return Err(Error::user(format!(
                "column {c} has type VARCHAR; if it holds dates or timestamps, cast it in a query source: \
                 '(SELECT * REPLACE (CAST({c} AS TIMESTAMP) AS {c}) FROM tbl)' (or strptime({c}, '<format>') for other formats)"
            ))
            .named(self.function()));
        }
        Err(Error::user(format!(
            "column {} has type {type_text}, which cannot be {what}; supported types: {supported}. {instead}",
            crate::core::sql::quote_ident(col)
        ))
        .named(self.function()))
    }
}

#[cfg(test)]
mod tests {
    use super::{check_count, Strategy};

    #[test]
    fn counts_are_checked_once_for_buckets_and_partitions() {
        assert_eq!(check_count("buckets", 1), Ok(1));
        assert_eq!(check_count("partitions", 65_536), Ok(65_536));
        assert_eq!(check_count("buckets", 0).unwrap_err().to_string(), "buckets must be between 1 and 65536, got 0");
        assert!(check_count("partitions", 65_537).unwrap_err().to_string().starts_with("partitions must be"));
        assert!(check_count("buckets", -3).is_err());
    }

    #[test]
    fn key_types_are_checked_per_strategy() {
        assert!(Strategy::Temporal.check_key("ts", "TIMESTAMP WITH TIME ZONE").is_ok());
        let text = Strategy::Temporal.check_key("day", "VARCHAR").unwrap_err().to_string();
        assert!(text.contains("has type VARCHAR; if it holds dates") && text.contains("CAST(\"day\" AS TIMESTAMP)"), "{text}");
        let e = Strategy::Temporal.check_key("id", "BIGINT").unwrap_err().to_string();
        assert!(e.starts_with("partition_temporal: column \"id\" has type BIGINT") && e.contains("partition_hash"), "{e}");
        assert!(Strategy::Hash.check_key("u", "UUID").is_ok());
        assert!(Strategy::Hash.check_key("x", "DOUBLE").unwrap_err().to_string().contains("use partition_range"));
        assert!(Strategy::Range.check_key("x", "DECIMAL(18,3)").is_ok());
        assert!(Strategy::Range.check_key("x", "INTEGER[]").unwrap_err().to_string().contains("split into ranges"));
        assert_eq!(Strategy::from_function("partition_hash"), Some(Strategy::Hash));
        for s in [Strategy::Temporal, Strategy::Hash, Strategy::Range] {
            assert_eq!(Strategy::parse(s.name()), Ok(s));
            assert_eq!(Strategy::from_function(s.function()), Some(s));
        }
        assert_eq!(Strategy::Hash.argument(), "buckets");
        assert!(Strategy::parse("chunk").unwrap_err().to_string().contains("use 'temporal', 'hash' or 'range'"));
    }
}
