//! SQL text that partext writes: quoted identifiers and literals.
//!
//! ```sql
//! SELECT * FROM "my ""odd"" schema"."events" WHERE "ts" >= TIMESTAMP '2024-01-01 00:00:00'
//! ```
//!
//! Every identifier that reaches SQL text goes through [`quote_ident`] and every string through
//! [`quote_literal`], so a hostile table or column name is data, never syntax.

/// Quotes an identifier for DuckDB: `a"b` becomes `"a""b"`. Always quotes, so keywords,
/// spaces and unicode are safe.
pub fn quote_ident(name: &str) -> String {
    quote_with(name, '"')
}

/// Quotes a string literal for DuckDB: `it's` becomes `'it''s'`.
pub fn quote_literal(value: &str) -> String {
    quote_with(value, '\'')
}

/// Wraps `text` in `quote`, doubling every `quote` inside it.
fn quote_with(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// Joins identifier parts into a qualified name: `"db"."schema"."table"`.
pub fn qualified_name(parts: &[String]) -> String {
    parts.iter().map(|p| quote_ident(p)).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_double_their_quotes() {
        assert_eq!(quote_ident("ts"), "\"ts\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("x\"; DROP TABLE t; --"), "\"x\"\"; DROP TABLE t; --\"");
        assert_eq!(quote_ident("zeit stempel ⏱"), "\"zeit stempel ⏱\"");
    }

    #[test]
    fn literals_double_their_quotes() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("'); DROP TABLE t; --"), "'''); DROP TABLE t; --'");
    }

    #[test]
    fn qualified_names_quote_each_part() {
        assert_eq!(qualified_name(&["db".into(), "s p".into(), "t\"".into()]), "\"db\".\"s p\".\"t\"\"\"");
    }
}
