//! A validating, allocation-free JSON scanner for one line of input.
//!
//! ```sql
//! SELECT count(*) FROM read_airbyte('sync.jsonl', stream := 'users');  -- every line goes through here
//! ```
//!
//! `read_airbyte` only needs a message's envelope (type, stream, emitted_at, ...) decoded and
//! each record field as its raw JSON text, converted later straight into its column. The scanner
//! walks the line once, checks the full JSON grammar (strings and their escapes, numbers,
//! literals, nesting up to [`MAX_DEPTH`]) and hands out slices of the line: nothing is copied
//! unless a string has escapes. Cost: one pass over the bytes, no allocation per value.

use std::borrow::Cow;

/// Deepest nesting of arrays and objects accepted (deeper input is refused, not recursed into).
pub const MAX_DEPTH: u32 = 128;

/// Bytes that end the fast part of a string scan: the closing quote, a backslash, and control
/// characters, which JSON does not allow unescaped.
const STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Whether any of the eight bytes in `word` is a [`STRING_STOP`] byte: a quote, a backslash
/// or below 0x20 (the classic "has zero byte" and "has byte less than" bit tricks).
#[inline]
fn has_string_stop(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    (has_zero(word ^ (ONES * b'"' as u64)) | has_zero(word ^ (ONES * b'\\' as u64)) | below_space) != 0
}

/// A position in one line of JSON text.
pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// A syntax error at the current position.
    #[cold]
    fn error(&self, what: &str) -> String {
        match self.bytes().get(self.pos) {
            None => format!("{what} at the end of the line"),
            Some(_) => format!("{what} at column {}", self.pos + 1),
        }
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes().get(self.pos).copied()
    }

    /// Succeeds when only whitespace is left.
    pub fn finish(&mut self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("unexpected text after the JSON value")),
        }
    }

    #[inline]
    fn expect(&mut self, b: u8) -> Result<(), String> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.expected(b))
        }
    }

    #[cold]
    fn expected(&self, b: u8) -> String {
        self.error(&format!("expected '{}'", b as char))
    }

    /// Reads an object, calling `each` with every key; `each` must read the key's value.
    pub fn object(&mut self, mut each: impl FnMut(&mut Self, Cow<'a, str>) -> Result<(), String>) -> Result<(), String> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a field name"));
            }
            let key = self.string()?;
            self.expect(b':')?;
            each(self, key)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    /// Reads a string, borrowed from the line unless it has escapes.
    pub fn string(&mut self) -> Result<Cow<'a, str>, String> {
        let (raw, escaped) = self.raw_string()?;
        Ok(if escaped { unescape(raw) } else { Cow::Borrowed(&raw[1..raw.len() - 1]) })
    }

    /// Reads any value and returns its raw text.
    pub fn value(&mut self) -> Result<&'a str, String> {
        self.skip_ws();
        let start = self.pos;
        self.skip_value(0)?;
        Ok(&self.text[start..self.pos])
    }

    /// Reads a string; returns its raw text, quotes included, and whether it has escapes.
    fn raw_string(&mut self) -> Result<(&'a str, bool), String> {
        self.expect(b'"')?;
        let start = self.pos - 1;
        let bytes = self.bytes();
        let mut escaped = false;
        loop {
            // Fast path: eight plain bytes at a time, then one at a time up to a stop byte.
            while let Some(word) = bytes.get(self.pos..self.pos + 8) {
                if has_string_stop(u64::from_le_bytes(word.try_into().expect("eight bytes"))) {
                    break;
                }
                self.pos += 8;
            }
            while self.pos < bytes.len() && !STRING_STOP[bytes[self.pos] as usize] {
                self.pos += 1;
            }
            match bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok((&self.text[start..self.pos], escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 1;
                    match bytes.get(self.pos) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 1,
                        Some(b'u') => {
                            let hex = bytes.get(self.pos + 1..self.pos + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(self.error("invalid \\u escape"));
                            }
                            self.pos += 5;
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn skip_value(&mut self, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        match self.peek() {
            Some(b'"') => self.raw_string().map(|_| ()),
            Some(b'{') => self.object(|s, _| s.skip_value(depth + 1)),
            Some(b'[') => {
                self.pos += 1;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(self.error("expected ',' or ']'")),
                    }
                }
            }
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("expected a value")),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<(), String> {
        let bytes = self.bytes();
        let digits = |pos: &mut usize| {
            let start = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos - start
        };
        let mut pos = self.pos;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        match bytes.get(pos) {
            Some(b'0') => pos += 1,
            Some(b'1'..=b'9') => {
                digits(&mut pos);
            }
            _ => {
                self.pos = pos;
                return Err(self.error("invalid number"));
            }
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            if let Some(b'+' | b'-') = bytes.get(pos) {
                pos += 1;
            }
            if digits(&mut pos) == 0 {
                self.pos = pos;
                return Err(self.error("invalid number"));
            }
        }
        self.pos = pos;
        Ok(())
    }
}

/// The text of a raw JSON string literal (quotes included, already validated by [`Scanner`]),
/// borrowed when it has no escapes. A lone UTF-16 surrogate becomes U+FFFD.
pub fn unescape(raw: &str) -> Cow<'_, str> {
    let inner = &raw[1..raw.len() - 1];
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let esc = rest.as_bytes()[i + 1];
        rest = &rest[i + 2..];
        match esc {
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let unit = u32::from_str_radix(&rest[..4], 16).unwrap_or(0xFFFD);
                rest = &rest[4..];
                let c = if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate: combine with the low one that should follow.
                    let low = rest.strip_prefix("\\u").and_then(|r| u32::from_str_radix(r.get(..4)?, 16).ok());
                    match low {
                        Some(low @ 0xDC00..=0xDFFF) => {
                            rest = &rest[6..];
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        }
                        _ => None,
                    }
                } else {
                    char::from_u32(unit)
                };
                out.push(c.unwrap_or('\u{FFFD}'));
            }
            other => out.push(other as char),
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<&str, String> {
        let mut s = Scanner::new(text);
        let v = s.value()?;
        s.finish()?;
        Ok(v)
    }

    #[test]
    fn accepts_what_json_accepts() {
        for text in [
            "0",
            "-0",
            "12",
            "-1.5e+10",
            "1E5",
            "0.25",
            "true",
            "false",
            "null",
            r#""""#,
            r#""a\"b\\c\/\b\f\n\r\t\u00e9""#,
            "[]",
            "{}",
            "[1, [2, {}], {\"a\": [null]}]",
            " {\"k\" : \"v\" , \"n\":1} ",
            "\"naïve ☃\"",
        ] {
            assert!(check(text).is_ok(), "{text}: {:?}", check(text));
            // The scanner agrees with serde_json on every accepted text.
            assert!(serde_json::from_str::<serde_json::Value>(text).is_ok(), "{text}");
        }
        assert_eq!(check(" [1, 2] ").unwrap(), "[1, 2]");
    }

    #[test]
    fn refuses_what_json_refuses() {
        for text in [
            "",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "tru",
            "nul",
            "\"abc",
            "\"a\\x\"",
            "\"\\u12g4\"",
            "\"tab\there\"",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{a: 1}",
            "{\"a\":1,}",
            "{\"a\":1",
            "[",
            "1 2",
            "NaN",
            "Infinity",
        ] {
            assert!(check(text).is_err(), "accepted {text:?}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "serde_json accepts {text:?}");
        }
        let deep = "[".repeat(MAX_DEPTH as usize + 2) + &"]".repeat(MAX_DEPTH as usize + 2);
        assert!(check(&deep).unwrap_err().contains("nesting"));
        assert!(check("[1,").unwrap_err().contains("end of the line"));
        assert!(check("[1 2]").unwrap_err().contains("column 4"));
    }

    #[test]
    fn strings_unescape_like_serde_json() {
        for raw in [r#""plain""#, r#""a\"b""#, r#""\u00e9\n\t\\\/""#, r#""\ud83d\ude00 smile""#, r#""x\u0041y""#] {
            let want: String = serde_json::from_str(raw).unwrap();
            assert_eq!(unescape(raw), want, "{raw}");
        }
        assert!(matches!(unescape(r#""plain""#), Cow::Borrowed("plain")));
        let mut s = Scanner::new(r#""a long string with a \"quote\" after eight bytes""#);
        assert_eq!(s.string().unwrap(), "a long string with a \"quote\" after eight bytes");
        assert_eq!(unescape(r#""\ud83d alone""#), "\u{FFFD} alone");
    }

    #[test]
    fn word_check_finds_every_stop_byte() {
        for stop in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..8 {
                let mut word = *b"abcdefgh";
                word[at] = stop;
                assert!(has_string_stop(u64::from_le_bytes(word)), "{stop} at {at}");
            }
        }
        for plain in [*b"abcdefgh", *b"\x20!#[]~\x7f$", [0xC3, 0xA9, 0xE2, 0x98, 0x83, 0xF0, 0x9F, 0x98]] {
            assert!(!has_string_stop(u64::from_le_bytes(plain)), "{plain:?}");
        }
    }

    #[test]
    fn objects_hand_out_keys_and_raw_values() {
        let mut s = Scanner::new(r#"{"a": [1, 2], "b\u0063": {"x": "y"}, "d": "e"}"#);
        let mut seen = Vec::new();
        s.object(|s, k| {
            seen.push((k.into_owned(), s.value()?.to_string()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![("a".into(), "[1, 2]".into()), ("bc".into(), r#"{"x": "y"}"#.into()), ("d".into(), r#""e""#.into())]);
    }
}
