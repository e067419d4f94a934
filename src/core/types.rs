//! DuckDB column types as partext sees them.
//!
//! ```sql
//! DESCRIBE SELECT * FROM events;   -- column_type strings such as 'STRUCT(a INTEGER, "b c" VARCHAR[])'
//! ```
//!
//! [`ColumnType::parse`] turns the type text DuckDB prints into a tree, in one pass over the
//! string. partext needs the tree for two things: which key columns a strategy accepts
//! ([`TemporalType`]) and how large a row is in memory (`core::size`).

use std::fmt;

/// A DuckDB logical type, parsed from its SQL spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnType {
    Boolean,
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    HugeInt,
    UTinyInt,
    USmallInt,
    UInteger,
    UBigInt,
    UHugeInt,
    Float,
    Double,
    Decimal {
        width: u8,
        scale: u8,
    },
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampS,
    TimestampMs,
    TimestampNs,
    TimestampTz,
    Interval,
    Uuid,
    Varchar,
    Blob,
    Bit,
    Enum(usize),
    List(Box<ColumnType>),
    Array(Box<ColumnType>, usize),
    Struct(Vec<(String, ColumnType)>),
    Map(Box<ColumnType>, Box<ColumnType>),
    Union(Vec<(String, ColumnType)>),
    /// Any other type (VARIANT, GEOMETRY, user types ...), kept by name.
    Other(String),
}

impl ColumnType {
    /// Parses DuckDB's spelling of a type, e.g. `DECIMAL(18,3)`, `INTEGER[][4]`, `MAP(VARCHAR, INTEGER)`.
    pub fn parse(text: &str) -> ColumnType {
        let mut p = TypeParser { s: text.as_bytes(), i: 0 };
        let t = p.parse_type();
        p.skip_ws();
        if p.i == p.s.len() {
            t
        } else {
            ColumnType::Other(text.trim().to_string())
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ColumnType::*;
        match self {
            Boolean => f.write_str("BOOLEAN"),
            TinyInt => f.write_str("TINYINT"),
            SmallInt => f.write_str("SMALLINT"),
            Integer => f.write_str("INTEGER"),
            BigInt => f.write_str("BIGINT"),
            HugeInt => f.write_str("HUGEINT"),
            UTinyInt => f.write_str("UTINYINT"),
            USmallInt => f.write_str("USMALLINT"),
            UInteger => f.write_str("UINTEGER"),
            UBigInt => f.write_str("UBIGINT"),
            UHugeInt => f.write_str("UHUGEINT"),
            Float => f.write_str("FLOAT"),
            Double => f.write_str("DOUBLE"),
            Decimal { width, scale } => write!(f, "DECIMAL({width},{scale})"),
            Date => f.write_str("DATE"),
            Time => f.write_str("TIME"),
            TimeTz => f.write_str("TIME WITH TIME ZONE"),
            Timestamp => f.write_str("TIMESTAMP"),
            TimestampS => f.write_str("TIMESTAMP_S"),
            TimestampMs => f.write_str("TIMESTAMP_MS"),
            TimestampNs => f.write_str("TIMESTAMP_NS"),
            TimestampTz => f.write_str("TIMESTAMP WITH TIME ZONE"),
            Interval => f.write_str("INTERVAL"),
            Uuid => f.write_str("UUID"),
            Varchar => f.write_str("VARCHAR"),
            Blob => f.write_str("BLOB"),
            Bit => f.write_str("BIT"),
            Enum(n) => write!(f, "ENUM({n} values)"),
            List(c) => write!(f, "{c}[]"),
            Array(c, n) => write!(f, "{c}[{n}]"),
            Struct(fields) => write_fields(f, "STRUCT", fields),
            Map(k, v) => write!(f, "MAP({k}, {v})"),
            Union(fields) => write_fields(f, "UNION", fields),
            Other(name) => f.write_str(name),
        }
    }
}

fn write_fields(f: &mut fmt::Formatter<'_>, kw: &str, fields: &[(String, ColumnType)]) -> fmt::Result {
    write!(f, "{kw}(")?;
    for (i, (name, t)) in fields.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{} {t}", crate::core::sql::quote_ident(name))?;
    }
    f.write_str(")")
}

/// A column type partition_temporal accepts as its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemporalType {
    Date,
    Timestamp,
    TimestampS,
    TimestampMs,
    TimestampNs,
    /// TIMESTAMP WITH TIME ZONE: partitioned on the UTC calendar.
    TimestampTz,
}

impl TemporalType {
    /// The key types partition_temporal supports, as listed in error messages.
    pub const SUPPORTED: &'static str = "DATE, TIMESTAMP, TIMESTAMP_S, TIMESTAMP_MS, TIMESTAMP_NS, TIMESTAMP WITH TIME ZONE";

    pub fn from_column_type(t: &ColumnType) -> Option<TemporalType> {
        match t {
            ColumnType::Date => Some(TemporalType::Date),
            ColumnType::Timestamp => Some(TemporalType::Timestamp),
            ColumnType::TimestampS => Some(TemporalType::TimestampS),
            ColumnType::TimestampMs => Some(TemporalType::TimestampMs),
            ColumnType::TimestampNs => Some(TemporalType::TimestampNs),
            ColumnType::TimestampTz => Some(TemporalType::TimestampTz),
            _ => None,
        }
    }

    /// Number of raw storage units per second (DATE is stored in days and is handled apart).
    pub fn units_per_second(self) -> i64 {
        match self {
            TemporalType::Date => 1, // not used for storage: see `crate::core::calendar`
            TemporalType::TimestampS => 1,
            TemporalType::TimestampMs => 1_000,
            TemporalType::Timestamp | TemporalType::TimestampTz => 1_000_000,
            TemporalType::TimestampNs => 1_000_000_000,
        }
    }

    /// The SQL keyword used for literals of this type.
    pub fn literal_keyword(self) -> &'static str {
        match self {
            TemporalType::Date => "DATE",
            TemporalType::Timestamp => "TIMESTAMP",
            TemporalType::TimestampS => "TIMESTAMP_S",
            TemporalType::TimestampMs => "TIMESTAMP_MS",
            TemporalType::TimestampNs => "TIMESTAMP_NS",
            TemporalType::TimestampTz => "TIMESTAMPTZ",
        }
    }
}

struct TypeParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl TypeParser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// A bare word (letters, digits, `_`) or a double-quoted identifier.
    fn word(&mut self) -> String {
        self.skip_ws();
        if self.s.get(self.i) == Some(&b'"') {
            self.i += 1;
            let mut out = Vec::new();
            while self.i < self.s.len() {
                let c = self.s[self.i];
                self.i += 1;
                if c == b'"' {
                    if self.s.get(self.i) == Some(&b'"') {
                        out.push(b'"');
                        self.i += 1;
                    } else {
                        break;
                    }
                } else {
                    out.push(c);
                }
            }
            return String::from_utf8_lossy(&out).into_owned();
        }
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_' || self.s[self.i] >= 0x80) {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn number(&mut self) -> usize {
        self.skip_ws();
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).ok().and_then(|d| d.parse().ok()).unwrap_or(0)
    }

    /// Skips a balanced parenthesized group, counting top-level comma-separated items.
    fn skip_group(&mut self) -> usize {
        let mut depth = 0usize;
        let mut items = 1usize;
        let mut in_str = false;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            self.i += 1;
            if in_str {
                if c == b'\'' {
                    in_str = false;
                }
                continue;
            }
            match c {
                b'\'' => in_str = true,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return items;
                    }
                }
                b',' if depth == 1 => items += 1,
                _ => {}
            }
        }
        items
    }

    fn fields(&mut self) -> Vec<(String, ColumnType)> {
        let mut out = Vec::new();
        if !self.eat(b'(') {
            return out;
        }
        loop {
            if self.eat(b')') {
                break;
            }
            let name = self.word();
            let t = self.parse_type();
            out.push((name, t));
            if !self.eat(b',') {
                self.eat(b')');
                break;
            }
        }
        out
    }

    fn parse_type(&mut self) -> ColumnType {
        let start = self.i;
        let name = self.word().to_ascii_uppercase();
        let mut t = match name.as_str() {
            "BOOLEAN" | "BOOL" | "LOGICAL" => ColumnType::Boolean,
            "TINYINT" | "INT1" => ColumnType::TinyInt,
            "SMALLINT" | "INT2" | "SHORT" => ColumnType::SmallInt,
            "INTEGER" | "INT4" | "INT" | "SIGNED" => ColumnType::Integer,
            "BIGINT" | "INT8" | "LONG" => ColumnType::BigInt,
            "HUGEINT" | "INT128" => ColumnType::HugeInt,
            "UTINYINT" => ColumnType::UTinyInt,
            "USMALLINT" => ColumnType::USmallInt,
            "UINTEGER" => ColumnType::UInteger,
            "UBIGINT" => ColumnType::UBigInt,
            "UHUGEINT" => ColumnType::UHugeInt,
            "FLOAT" | "FLOAT4" | "REAL" => ColumnType::Float,
            "DOUBLE" | "FLOAT8" => ColumnType::Double,
            "DECIMAL" | "NUMERIC" => {
                let (mut width, mut scale) = (18, 3);
                if self.eat(b'(') {
                    width = self.number() as u8;
                    scale = if self.eat(b',') { self.number() as u8 } else { 0 };
                    self.eat(b')');
                }
                ColumnType::Decimal { width, scale }
            }
            "DATE" => ColumnType::Date,
            "TIME" => {
                if self.with_time_zone() {
                    ColumnType::TimeTz
                } else {
                    ColumnType::Time
                }
            }
            "TIMETZ" => ColumnType::TimeTz,
            "TIMESTAMP" | "DATETIME" => {
                if self.with_time_zone() {
                    ColumnType::TimestampTz
                } else {
                    ColumnType::Timestamp
                }
            }
            "TIMESTAMP_US" => ColumnType::Timestamp,
            "TIMESTAMP_S" => ColumnType::TimestampS,
            "TIMESTAMP_MS" => ColumnType::TimestampMs,
            "TIMESTAMP_NS" => ColumnType::TimestampNs,
            "TIMESTAMPTZ" => ColumnType::TimestampTz,
            "INTERVAL" => ColumnType::Interval,
            "UUID" => ColumnType::Uuid,
            "VARCHAR" | "TEXT" | "STRING" | "CHAR" | "BPCHAR" | "JSON" => {
                if self.peek() == Some(b'(') {
                    self.skip_group();
                }
                ColumnType::Varchar
            }
            "BLOB" | "BYTEA" | "BINARY" | "VARBINARY" => ColumnType::Blob,
            "BIT" | "BITSTRING" => ColumnType::Bit,
            "ENUM" => {
                let n = if self.peek() == Some(b'(') { self.skip_group() } else { 0 };
                ColumnType::Enum(n)
            }
            "STRUCT" | "ROW" => ColumnType::Struct(self.fields()),
            "UNION" => ColumnType::Union(self.fields()),
            "MAP" => {
                self.eat(b'(');
                let k = self.parse_type();
                self.eat(b',');
                let v = self.parse_type();
                self.eat(b')');
                ColumnType::Map(Box::new(k), Box::new(v))
            }
            _ => {
                if self.peek() == Some(b'(') {
                    self.skip_group();
                }
                let end = self.i;
                ColumnType::Other(String::from_utf8_lossy(&self.s[start..end]).trim().to_string())
            }
        };
        // Array and list suffixes: T[] and T[n], possibly repeated.
        while self.peek() == Some(b'[') {
            self.i += 1;
            if self.eat(b']') {
                t = ColumnType::List(Box::new(t));
            } else {
                let n = self.number();
                self.eat(b']');
                t = ColumnType::Array(Box::new(t), n);
            }
        }
        t
    }

    /// Consumes `WITH TIME ZONE` if it follows.
    fn with_time_zone(&mut self) -> bool {
        let save = self.i;
        if self.word().eq_ignore_ascii_case("WITH") && self.word().eq_ignore_ascii_case("TIME") && self.word().eq_ignore_ascii_case("ZONE")
        {
            return true;
        }
        self.i = save;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_duckdb_type_spellings() {
        use ColumnType::*;
        assert_eq!(ColumnType::parse("INTEGER"), Integer);
        assert_eq!(ColumnType::parse("TIMESTAMP WITH TIME ZONE"), TimestampTz);
        assert_eq!(ColumnType::parse("TIMESTAMP_NS"), TimestampNs);
        assert_eq!(ColumnType::parse("DECIMAL(10,2)"), Decimal { width: 10, scale: 2 });
        assert_eq!(ColumnType::parse("INTEGER[3]"), Array(Box::new(Integer), 3));
        assert_eq!(ColumnType::parse("VARCHAR[][]"), List(Box::new(List(Box::new(Varchar)))));
        assert_eq!(ColumnType::parse("MAP(VARCHAR, INTEGER)"), Map(Box::new(Varchar), Box::new(Integer)));
        assert_eq!(ColumnType::parse("ENUM('a', 'b,c')"), Enum(2));
        assert_eq!(
            ColumnType::parse(r#"STRUCT(x INTEGER, "y ""z" VARCHAR[])"#),
            Struct(vec![("x".into(), Integer), ("y \"z".into(), List(Box::new(Varchar)))])
        );
        assert_eq!(ColumnType::parse("GEOMETRY"), Other("GEOMETRY".into()));
    }

    #[test]
    fn display_round_trips_through_parse() {
        for text in ["STRUCT(a INTEGER, \"b c\" VARCHAR[])", "MAP(VARCHAR, DOUBLE[2])", "DECIMAL(38,10)", "TIMESTAMP WITH TIME ZONE"] {
            let t = ColumnType::parse(text);
            assert_eq!(ColumnType::parse(&t.to_string()), t, "{text}");
        }
    }

    #[test]
    fn temporal_types_are_recognized() {
        assert_eq!(TemporalType::from_column_type(&ColumnType::Date), Some(TemporalType::Date));
        assert_eq!(TemporalType::from_column_type(&ColumnType::TimestampTz), Some(TemporalType::TimestampTz));
        assert_eq!(TemporalType::from_column_type(&ColumnType::Varchar), None);
    }
}
