//! Property tests of the kernels that see user data: the Airbyte JSON scanner (random bytes and
//! random JSON against serde_json), Iceberg buckets (the fast divisor against `%`, the spec's
//! type equivalences), calendar periods and fine units, and range placement (binary search
//! against a linear count).
//!
//! ```sh
//! cargo test --release --lib property_                          # bounded: 2,000 cases each
//! PARTEXT_PROPERTY_CASES=2000000 cargo test --release --lib property_   # make fuzz
//! ```
//!
//! Every case comes from a seeded generator, so a failure prints the seed that reproduces it
//! (`PARTEXT_PROPERTY_SEED`).

#![cfg(test)]

use serde_json::{json, Map, Value};

use crate::core::airbyte::{parse_line, FieldIndex, Message};
use crate::core::calendar::Granularity;
use crate::core::hash::{bucket, hash_bytes, hash_decimal, hash_long, murmur3_32, BucketDivisor};
use crate::core::range::{range_index, RangeValue};
use crate::core::temporal::{fine_unit, fine_units};
use crate::core::types::TemporalType;

/// A small seeded generator (SplitMix64): no dependency, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// An i64 biased toward edges: 0, ±1, the type's limits, and values near them.
    fn edgy_i64(&mut self) -> i64 {
        match self.below(6) {
            0 => *self.pick(&[0, 1, -1, i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1, i32::MAX as i64, i32::MIN as i64]),
            1 => self.below(1_000) as i64 - 500,
            _ => self.next() as i64,
        }
    }
}

fn cases() -> u64 {
    std::env::var("PARTEXT_PROPERTY_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000)
}

/// Runs `case` over `cases()` seeded generators; a failure names the seed.
fn for_all(name: &str, case: impl Fn(&mut Rng)) {
    let base: u64 = std::env::var("PARTEXT_PROPERTY_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED);
    for i in 0..cases() {
        let seed = base.wrapping_add(i);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&mut Rng(seed))));
        if let Err(e) = result {
            let what = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{name}: case {i} failed (PARTEXT_PROPERTY_SEED={seed} PARTEXT_PROPERTY_CASES=1): {}", what.unwrap_or_default());
        }
    }
}

fn random_string(rng: &mut Rng) -> String {
    let alphabet = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u{0}', '\u{1f}', 'é', '☃', '😀', '{', '}', '[', ']', ':', ','];
    (0..rng.below(12)).map(|_| *rng.pick(&alphabet)).collect()
}

fn random_json(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 4 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => json!(rng.edgy_i64()),
        3 => json!((rng.next() as i64 as f64) / 1e6),
        4 => Value::String(random_string(rng)),
        5 => Value::Array((0..rng.below(4)).map(|_| random_json(rng, depth + 1)).collect()),
        _ => Value::Object((0..rng.below(4)).map(|_| (random_string(rng), random_json(rng, depth + 1))).collect()),
    }
}

#[test]
fn property_json_scanner_never_panics_on_random_bytes() {
    let pieces: [&[u8]; 16] = [
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b",",
        b"\\",
        b"\\u00",
        b"\\ud83d",
        b"1e",
        b"-0.",
        b"true",
        b"null",
        b"\"type\":\"RECORD\"",
        b"\xff",
    ];
    for_all("random bytes", |rng| {
        let mut bytes = b"{\"type\":\"RECORD\",\"record\":{\"stream\":\"s\",\"data\":{".to_vec();
        bytes.truncate(rng.below(bytes.len() as u64 + 1) as usize);
        for _ in 0..rng.below(40) {
            if rng.below(3) == 0 {
                bytes.push(rng.next() as u8);
            } else {
                let piece: &&[u8] = rng.pick(&pieces);
                bytes.extend_from_slice(piece);
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = parse_line(text);
        }
    });
}

#[test]
fn property_json_scanner_agrees_with_serde_json() {
    for_all("random JSON", |rng| {
        let data: Map<String, Value> = (0..rng.below(6)).map(|_| (random_string(rng), random_json(rng, 0))).collect();
        let line = json!({"type": "RECORD", "record": {"stream": "s", "data": data, "emitted_at": 5}}).to_string();
        let Ok(Message::Record(r)) = parse_line(&line) else { panic!("a valid RECORD was refused: {line}") };
        let names: Vec<String> = data.keys().cloned().collect();
        let mut values = Vec::new();
        FieldIndex::new(names.clone()).values(&r.data, &mut values);
        for (name, raw) in names.iter().zip(values) {
            let raw = raw.unwrap_or_else(|| panic!("field {name:?} not found in {line}"));
            // The scanner hands out each value's text exactly as written.
            assert_eq!(raw, data[name].to_string(), "field {name:?} of {line}");
        }
        // Cut anywhere, the line is refused (or is still a whole message), never a panic.
        let cut = rng.below(line.len() as u64) as usize;
        if line.is_char_boundary(cut) {
            let _ = parse_line(&line[..cut]);
        }
    });
}

#[test]
fn property_deep_nesting_is_refused_not_recursed() {
    for depth in [200usize, 1_000, 100_000] {
        let line = format!(
            "{{\"type\":\"RECORD\",\"record\":{{\"stream\":\"s\",\"data\":{{\"a\":{}{}}}}}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = parse_line(&line).map(|_| ()).unwrap_err();
        assert!(err.contains("nesting deeper than"), "{err}");
    }
}

#[test]
fn property_buckets_fast_divisor_matches_modulo() {
    for_all("bucket divisor", |rng| {
        let n = match rng.below(3) {
            0 => 1 + rng.below(16) as u32,
            1 => *rng.pick(&[1u32, 2, 3, 7, 64, 1000, 65_536, u32::MAX, i32::MAX as u32]),
            _ => 1 + rng.below(u32::MAX as u64) as u32,
        };
        let divisor = BucketDivisor::new(n);
        for _ in 0..16 {
            let h = rng.next() as i32;
            let b = divisor.bucket(h);
            assert_eq!(b, bucket(h, n), "hash {h}, {n} buckets");
            assert!(b < n);
        }
    });
}

#[test]
fn property_iceberg_hash_equivalences() {
    for_all("Iceberg hashes", |rng| {
        // int, long, date and time all hash as an 8-byte little-endian long.
        let v = rng.edgy_i64();
        assert_eq!(hash_long(v), murmur3_32(&v.to_le_bytes(), 0));
        // A string hashes as its UTF-8 bytes (the same as binary).
        let s = random_string(rng);
        assert_eq!(hash_bytes(s.as_bytes()), murmur3_32(s.as_bytes(), 0));
        // A decimal hashes as its minimal big-endian two's-complement bytes, whatever width it
        // is stored in: a small unscaled value hashes the same as an i128 or an i64.
        let small = i128::from(rng.edgy_i64() >> rng.below(64));
        let mut bytes = small.to_be_bytes().to_vec();
        while bytes.len() > 1 && ((bytes[0] == 0 && bytes[1] & 0x80 == 0) || (bytes[0] == 0xFF && bytes[1] & 0x80 != 0)) {
            bytes.remove(0);
        }
        assert_eq!(hash_decimal(small), murmur3_32(&bytes, 0), "unscaled {small}");
    });
}

#[test]
fn property_calendar_periods_hold_their_instants() {
    let grains = [Granularity::Hour, Granularity::Day, Granularity::Week, Granularity::Month, Granularity::Quarter, Granularity::Year];
    for_all("calendar periods", |rng| {
        // Seconds within the calendar range partext labels (about ±262,000 years; beyond it
        // the key functions and manifests refuse the value).
        let second = (rng.next() as i64) % 8_200_000_000_000;
        let g = *rng.pick(&grains);
        let start = g.period_start(second).expect("a period in range");
        let next = g.next_start(start).expect("a next period in range");
        assert!(start <= second && second < next, "{g:?}: {start} <= {second} < {next}");
        assert_eq!(g.period_start(start), Some(start));
        assert_eq!(g.period_start(next - 1), Some(start));
        assert!(g.label(start).is_some_and(|l| !l.is_empty()));
        let later = second + rng.below(100_000_000) as i64;
        assert!(g.period_start(later).expect("in range") >= start, "periods are monotonic");
    });
}

#[test]
fn property_fine_units_match_floored_division() {
    let types = [
        (TemporalType::Date, 1i64),
        (TemporalType::Timestamp, 1_000_000),
        (TemporalType::TimestampS, 1),
        (TemporalType::TimestampMs, 1_000),
        (TemporalType::TimestampNs, 1_000_000_000),
        (TemporalType::TimestampTz, 1_000_000),
    ];
    for_all("fine units", |rng| {
        let (t, _) = *rng.pick(&types);
        let unit = *rng.pick(&[3_600i64, 86_400]);
        let raw: Vec<i64> = (0..rng.below(64)).map(|_| (rng.edgy_i64() / 3) >> rng.below(40)).collect();
        let raw: Vec<i64> = raw.into_iter().map(|r| if t == TemporalType::Date { r % (i32::MAX as i64) } else { r }).collect();
        let valid: Vec<bool> = raw.iter().map(|_| rng.below(8) != 0).collect();
        let mut out = vec![0; raw.len()];
        fine_units(t, &raw, unit, |i| valid[i], &mut out).expect("finite values");
        for (i, &r) in raw.iter().enumerate() {
            if !valid[i] {
                continue;
            }
            let expected = if t == TemporalType::Date && unit < 86_400 { r.saturating_mul(24) } else { fine_unit(t, r, unit) };
            assert_eq!(out[i], expected, "{t:?} raw {r} unit {unit}");
        }
    });
}

#[test]
fn property_range_index_is_the_count_of_bounds_at_or_below() {
    for_all("range placement", |rng| {
        let mut bounds: Vec<i128> = (0..rng.below(40)).map(|_| i128::from(rng.edgy_i64() >> rng.below(60))).collect();
        bounds.sort();
        bounds.dedup();
        let typed: Vec<RangeValue> = bounds.iter().map(|&b| RangeValue::Num(b, 0)).collect();
        for _ in 0..8 {
            let v = if !bounds.is_empty() && rng.below(3) == 0 { *rng.pick(&bounds) } else { i128::from(rng.edgy_i64() >> rng.below(60)) };
            let expected = bounds.iter().filter(|&&b| b <= v).count();
            assert_eq!(range_index(&RangeValue::Num(v, 0), &typed).unwrap(), expected, "value {v} bounds {bounds:?}");
        }
        // Floats: NaN sorts above +inf, -0.0 equals 0.0.
        let floats = [f64::NEG_INFINITY, -1.5, 0.0, 2.25, f64::INFINITY];
        let typed: Vec<RangeValue> = floats.iter().map(|&f| RangeValue::float(f)).collect();
        let v = *rng.pick(&[f64::NAN, -0.0, 0.0, -1e308, 1e308, 2.25, f64::NEG_INFINITY]);
        let expected = if v.is_nan() { floats.len() } else { floats.iter().filter(|&&b| b <= v).count() };
        assert_eq!(range_index(&RangeValue::float(v), &typed).unwrap(), expected, "float {v}");
    });
}
