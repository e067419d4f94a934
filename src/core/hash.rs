//! Hash partitioning with Apache Iceberg's `bucket[N]` transform.
//!
//! ```sql
//! SELECT bucket, row_count FROM partext.partition_hash('events', 'user_id', 8);
//! COPY (SELECT *, partition_key_hash(user_id, 8) AS b FROM events) TO 'out' (FORMAT parquet, PARTITION_BY (b));
//! ```
//!
//! bucket = `(murmur3_x86_32(bytes, seed 0) & 0x7FFFFFFF) % N`, where `bytes` is Iceberg's
//! encoding of the value: integers, dates (days), times (µs since midnight) and timestamps (µs
//! since the epoch) as an 8-byte little-endian long; strings as UTF-8; decimals as the minimal
//! big-endian two's-complement bytes of the unscaled value; UUIDs as 16 big-endian bytes; blobs
//! raw. Unlike DuckDB's `hash()`, which changes between DuckDB versions, these buckets never
//! change and equal what Iceberg writers (Spark, Trino, PyIceberg) compute for `bucket(N, col)`.
//!
//! Types Iceberg lacks are widened first: unsigned integers and HUGEINT/UHUGEINT hash as a long
//! when the value fits in one, otherwise as Iceberg hashes a `decimal(38, 0)` holding it (minimal
//! big-endian two's-complement bytes). TIMESTAMP_S/_MS/_NS are converted to microseconds (ns
//! rounded down). Cost: one murmur3 over at most 17 bytes per value; one aggregate scan builds
//! the manifest.

use crate::core::manifest::{ManifestRow, PartitionCounts};
use crate::core::sql::quote_ident;
use crate::core::types::ColumnType;

/// The column types partition_hash accepts, as listed in error messages.
pub const SUPPORTED: &str = "TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT, UTINYINT, USMALLINT, UINTEGER, UBIGINT, \
     UHUGEINT, DECIMAL, DATE, TIME, TIMESTAMP, TIMESTAMP_S, TIMESTAMP_MS, TIMESTAMP_NS, TIMESTAMP WITH TIME ZONE, \
     VARCHAR, BLOB, UUID";

/// MurmurHash3 x86 32-bit, as Iceberg uses it (seed 0).
pub fn murmur3_32(data: &[u8], seed: u32) -> i32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k ^= u32::from(b) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h as i32
}

/// Iceberg's hash of an int, long, date, time or timestamp: the value as an 8-byte LE long.
pub fn hash_long(v: i64) -> i32 {
    murmur3_32(&v.to_le_bytes(), 0)
}

/// Iceberg's hash of a decimal's unscaled value: its minimal big-endian two's-complement bytes.
pub fn hash_decimal(unscaled: i128) -> i32 {
    let bytes = unscaled.to_be_bytes();
    // Drop leading bytes that only repeat the sign, keeping the sign bit of the first byte.
    let mut start = 0;
    while start < 15 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    murmur3_32(&bytes[start..], 0)
}

/// A signed integer of any width: a long when it fits, else a decimal(38, 0).
pub fn hash_wide(v: i128) -> i32 {
    match i64::try_from(v) {
        Ok(l) => hash_long(l),
        Err(_) => hash_decimal(v),
    }
}

/// An unsigned 128-bit integer: a long when it fits, else its minimal two's-complement bytes
/// (a leading zero byte when the top bit is set).
pub fn hash_unsigned(v: u128) -> i32 {
    if let Ok(s) = i128::try_from(v) {
        return hash_wide(s);
    }
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(&v.to_be_bytes());
    murmur3_32(&bytes, 0)
}

/// Iceberg's hash of a UUID given as its 128-bit big-endian value.
pub fn hash_uuid(v: u128) -> i32 {
    murmur3_32(&v.to_be_bytes(), 0)
}

/// Iceberg's hash of a string or binary value.
pub fn hash_bytes(b: &[u8]) -> i32 {
    murmur3_32(b, 0)
}

/// The bucket of a hash: `(hash & 0x7FFFFFFF) % buckets`.
pub fn bucket(hash: i32, buckets: u32) -> u32 {
    (hash as u32 & 0x7FFF_FFFF) % buckets
}

/// `bucket(hash, n)` for one `n` over many hashes, with the division replaced by two
/// multiplications (Lemire's fastmod): exact for every 32-bit value and divisor.
#[derive(Debug, Clone, Copy)]
pub struct BucketDivisor {
    buckets: u32,
    magic: u64,
}

impl BucketDivisor {
    pub fn new(buckets: u32) -> BucketDivisor {
        let buckets = buckets.max(1);
        BucketDivisor { buckets, magic: (u64::MAX / u64::from(buckets)).wrapping_add(1) }
    }

    pub fn buckets(self) -> u32 {
        self.buckets
    }

    /// The same as [`bucket`]`(hash, buckets)`.
    #[inline]
    pub fn bucket(self, hash: i32) -> u32 {
        let a = hash as u32 & 0x7FFF_FFFF;
        if self.buckets == 1 {
            return 0;
        }
        let low = self.magic.wrapping_mul(u64::from(a));
        ((u128::from(low) * u128::from(self.buckets)) >> 64) as u32
    }
}

/// Whether partition_hash can bucket a column of this type.
pub fn is_bucketable(t: &ColumnType) -> bool {
    use ColumnType::*;
    matches!(
        t,
        TinyInt
            | SmallInt
            | Integer
            | BigInt
            | HugeInt
            | UTinyInt
            | USmallInt
            | UInteger
            | UBigInt
            | UHugeInt
            | Decimal { .. }
            | Date
            | Time
            | Timestamp
            | TimestampS
            | TimestampMs
            | TimestampNs
            | TimestampTz
            | Varchar
            | Blob
            | Uuid
    )
}

/// What the caller asked partition_hash for.
#[derive(Debug, Clone)]
pub struct BucketSpec {
    pub column: String,
    pub buckets: u32,
}

/// One manifest row of partition_hash: the common columns plus `bucket`.
#[derive(Debug, Clone, PartialEq)]
pub struct HashRow {
    pub common: ManifestRow,
    pub bucket: Option<i32>,
}

impl BucketSpec {
    /// The key expression of the aggregate scan: the key function itself.
    pub fn key_sql(&self) -> String {
        format!("partition_key_hash({}, {})", quote_ident(&self.column), self.buckets)
    }

    /// All N buckets in order (row_count may be 0), then the NULL-key partition if any.
    pub fn plan(&self, counts: &PartitionCounts<i64>, source_sql: &str) -> Vec<HashRow> {
        let mut per_bucket = vec![(0u64, 0u64); self.buckets as usize];
        for &(b, rows, bytes) in &counts.keys {
            if let Some(slot) = usize::try_from(b).ok().and_then(|i| per_bucket.get_mut(i)) {
                slot.0 += rows;
                slot.1 += bytes;
            }
        }
        let key = self.key_sql();
        let mut out: Vec<HashRow> = per_bucket
            .iter()
            .enumerate()
            .map(|(b, &(rows, bytes))| HashRow {
                common: ManifestRow::new(b as i64, Some(b.to_string()), format!("{key} = {b}"), source_sql, rows, bytes),
                bucket: Some(b as i32),
            })
            .collect();
        if counts.null_rows > 0 {
            let predicate = format!("{} IS NULL", quote_ident(&self.column));
            out.push(HashRow {
                common: ManifestRow::new(out.len() as i64, None, predicate, source_sql, counts.null_rows, counts.null_bytes),
                bucket: None,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_divisor_equals_the_remainder() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for n in (1..=300).chain([1000, 4096, 65_535, 65_536]) {
            let d = BucketDivisor::new(n);
            for h in [0, 1, -1, i32::MAX, i32::MIN, i32::MIN + 1, n as i32, n as i32 - 1] {
                assert_eq!(d.bucket(h), bucket(h, n), "hash {h}, {n} buckets");
            }
            for _ in 0..2_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let h = x as i32;
                assert_eq!(d.bucket(h), bucket(h, n), "hash {h}, {n} buckets");
            }
        }
    }
    use crate::core::calendar::days_of;
    use chrono::NaiveDate;

    // The hash values published in the Iceberg table spec (Appendix B).
    #[test]
    fn iceberg_spec_hash_values() {
        assert_eq!(hash_long(34), 2017239379, "int 34");
        assert_eq!(hash_wide(34), 2017239379, "long 34");
        assert_eq!(hash_decimal(1420), -500754589, "decimal 14.20");
        let date = days_of(NaiveDate::from_ymd_opt(2017, 11, 16).unwrap()).unwrap();
        assert_eq!(hash_long(date), -653330422, "date 2017-11-16");
        let time_us = ((22 * 60 + 31) * 60 + 8) * 1_000_000i64;
        assert_eq!(hash_long(time_us), -662762989, "time 22:31:08");
        let ts_us = date * 86_400_000_000 + time_us;
        assert_eq!(hash_long(ts_us), -2047944441, "timestamp 2017-11-16T22:31:08");
        // timestamptz 2017-11-16T14:31:08-08:00 is the same instant.
        let tz_us = date * 86_400_000_000 + ((14 * 60 + 31) * 60 + 8) * 1_000_000i64 + 8 * 3_600_000_000;
        assert_eq!(hash_long(tz_us), -2047944441, "timestamptz 2017-11-16T14:31:08-08:00");
        assert_eq!(hash_long(ts_us + 1), -1207196810, "timestamp 2017-11-16T22:31:08.000001");
        assert_eq!(hash_bytes(b"iceberg"), 1210000089, "string iceberg");
        assert_eq!(hash_uuid(0xf79c3e09_677c_4bbd_a479_3f349cb785e7), 1488055340, "uuid");
        assert_eq!(hash_bytes(&[0, 1, 2, 3]), -188683207, "binary 00 01 02 03");
    }

    #[test]
    fn iceberg_bucket_example() {
        assert_eq!(bucket(hash_long(34), 100), 79);
        assert_eq!(BucketDivisor::new(100).bucket(hash_long(34)), 79);
    }

    #[test]
    fn murmur3_reference_values() {
        // Well-known MurmurHash3_x86_32 test values (seed 0 and others).
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"", 1) as u32, 0x514E_28B7);
        assert_eq!(murmur3_32(b"hello", 0) as u32, 0x248B_FA47);
        assert_eq!(murmur3_32(b"The quick brown fox jumps over the lazy dog", 0) as u32, 0x2E4F_F723);
    }

    #[test]
    fn decimal_bytes_are_minimal_twos_complement() {
        // BigInteger.toByteArray(): 0 -> [00], 127 -> [7F], 128 -> [00 80], -1 -> [FF], -129 -> [FF 7F]
        assert_eq!(hash_decimal(0), murmur3_32(&[0x00], 0));
        assert_eq!(hash_decimal(127), murmur3_32(&[0x7F], 0));
        assert_eq!(hash_decimal(128), murmur3_32(&[0x00, 0x80], 0));
        assert_eq!(hash_decimal(-1), murmur3_32(&[0xFF], 0));
        assert_eq!(hash_decimal(-128), murmur3_32(&[0x80], 0));
        assert_eq!(hash_decimal(-129), murmur3_32(&[0xFF, 0x7F], 0));
        assert_eq!(hash_decimal(1420), murmur3_32(&[0x05, 0x8C], 0));
    }

    #[test]
    fn wide_integers_hash_as_long_when_they_fit() {
        assert_eq!(hash_wide(-5), hash_long(-5));
        assert_eq!(hash_unsigned(u64::MAX as u128 >> 1), hash_long(i64::MAX));
        assert_eq!(hash_wide(i64::MAX as i128 + 1), hash_decimal(i64::MAX as i128 + 1));
        let mut top = vec![0u8];
        top.extend_from_slice(&u128::MAX.to_be_bytes());
        assert_eq!(hash_unsigned(u128::MAX), murmur3_32(&top, 0));
    }

    #[test]
    fn manifest_lists_every_bucket_then_nulls() {
        let spec = BucketSpec { column: "user id".into(), buckets: 4 };
        let counts = PartitionCounts { keys: vec![(2, 5, 50), (0, 1, 10)], null_rows: 3, null_bytes: 30 };
        let rows = spec.plan(&counts, "t");
        let summary: Vec<_> = rows.iter().map(|r| (r.common.label.clone(), r.common.row_count, r.bucket)).collect();
        assert_eq!(
            summary,
            vec![
                (Some("0".into()), 1, Some(0)),
                (Some("1".into()), 0, Some(1)),
                (Some("2".into()), 5, Some(2)),
                (Some("3".into()), 0, Some(3)),
                (None, 3, None),
            ]
        );
        assert_eq!(rows[2].common.predicate, "partition_key_hash(\"user id\", 4) = 2");
        assert_eq!(rows[4].common.predicate, "\"user id\" IS NULL");
    }
}
