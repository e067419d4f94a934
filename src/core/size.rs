//! Row size: the uncompressed in-memory size of a row, for `estimated_bytes`.
//!
//! ```sql
//! SELECT label, row_count, estimated_bytes FROM partext.partition_temporal('events', 'ts', 'day');
//! ```
//!
//! Fixed-width columns count at their physical width (INTEGER 4, TIMESTAMP 8, DECIMAL(18,3) 8,
//! UUID 16 ...). VARCHAR and BLOB count 16 bytes (DuckDB's string header) plus their length;
//! LIST and MAP 16 bytes plus their elements; STRUCT the sum of its fields; fixed-size ARRAY
//! n times its element. The DuckDB layer (`partext_row_bytes`) walks the values of the
//! variable-width columns of a sample with [`fixed_width`]; a partition's estimate is its row
//! count times the sample's average ([`estimate`]).

use crate::core::types::ColumnType;

/// The estimated size of `rows` rows of `bytes_per_row` each.
pub fn estimate(rows: u64, bytes_per_row: f64) -> u64 {
    (rows as f64 * bytes_per_row).round() as u64
}

/// The physical width of a fixed-width type, or None for variable-width types.
pub fn fixed_width(t: &ColumnType) -> Option<u64> {
    use ColumnType::*;
    Some(match t {
        Boolean | TinyInt | UTinyInt => 1,
        SmallInt | USmallInt => 2,
        Integer | UInteger | Float | Date => 4,
        BigInt | UBigInt | Double | Time | TimeTz | Timestamp | TimestampS | TimestampMs | TimestampNs | TimestampTz => 8,
        HugeInt | UHugeInt | Interval | Uuid => 16,
        Decimal { width, .. } => match width {
            0..=4 => 2,
            5..=9 => 4,
            10..=18 => 8,
            _ => 16,
        },
        Enum(n) => match n {
            0..=255 => 1,
            256..=65_535 => 2,
            _ => 4,
        },
        Array(child, n) => fixed_width(child)? * (*n as u64),
        Struct(fields) => {
            let mut sum = 0;
            for (_, f) in fields {
                sum += fixed_width(f)?;
            }
            sum
        }
        Varchar | Blob | Bit | List(_) | Map(_, _) | Union(_) | Other(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_duckdbs_physical_types() {
        assert_eq!(fixed_width(&ColumnType::parse("DECIMAL(18,3)")), Some(8));
        assert_eq!(fixed_width(&ColumnType::parse("DECIMAL(38,0)")), Some(16));
        assert_eq!(fixed_width(&ColumnType::parse("STRUCT(a INTEGER, b DOUBLE[2])")), Some(20));
        assert_eq!(fixed_width(&ColumnType::parse("STRUCT(a INTEGER, b VARCHAR)")), None);
        assert_eq!(fixed_width(&ColumnType::parse("INTEGER[]")), None);
        assert_eq!(estimate(3, 10.4), 31);
    }
}
