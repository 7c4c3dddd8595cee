//! Go `encoding/json` float formatting.

use std::fmt::Write as _;

/// Appends `f` as Go's `encoding/json` does: shortest round-trip digits, plain decimal notation unless
/// `|f| < 1e-6` or `|f| >= 1e21`, then `d.ddde±x` with at least one exponent digit (`1e-7`, `1e+21`,
/// `1.5e-10`). `NaN`/`±Inf` (which Go refuses to encode) print as `null`.
pub fn write_go_float(out: &mut Vec<u8>, f: f64) {
    if !f.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    let abs = f.abs();
    let mut buf = StackBuf::default();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust's `{:e}` gives the shortest digits as `1.5e-7` / `1e21`; Go writes the exponent sign always.
        let _ = write!(buf, "{f:e}");
        let s = buf.as_bytes();
        match s.iter().position(|&c| c == b'e') {
            Some(e) => {
                out.extend_from_slice(&s[..=e]);
                let exp = &s[e + 1..];
                if exp.first() != Some(&b'-') {
                    out.push(b'+');
                }
                out.extend_from_slice(exp);
            }
            None => out.extend_from_slice(s),
        }
    } else {
        // Rust's `{}` gives the shortest round-trip digits in plain notation: `2`, `-0`, `0.0001`.
        let _ = write!(buf, "{f}");
        out.extend_from_slice(buf.as_bytes());
    }
}

/// A fixed buffer for one formatted float (plain notation of 1e21 - ε needs 22 digits + sign;
/// the smallest plain value, 1e-6 with 17 significant digits, needs 25).
struct StackBuf {
    buf: [u8; 64],
    len: usize,
}

impl Default for StackBuf {
    fn default() -> Self {
        StackBuf {
            buf: [0; 64],
            len: 0,
        }
    }
}

impl StackBuf {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(f: f64) -> String {
        let mut v = Vec::new();
        write_go_float(&mut v, f);
        String::from_utf8(v).unwrap_or_default()
    }

    /// Expected strings are what Go 1.x `json.Marshal(float64)` prints.
    #[test]
    fn matches_go_encoding_json() {
        let cases: &[(f64, &str)] = &[
            (2.0, "2"),
            (2.5, "2.5"),
            (-2.5, "-2.5"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (0.0001, "0.0001"),
            (1e-10, "1e-10"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-1.7976931348623157e308, "-1.7976931348623157e+308"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (10.7, "10.7"),
            (25.859190383164112, "25.859190383164112"),
            (66.66666666666667, "66.66666666666667"),
            (1e15, "1000000000000000"),
            (123456.789, "123456.789"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
        ];
        for &(f, want) in cases {
            assert_eq!(go(f), want, "{f:?}");
        }
    }

    #[test]
    fn round_trips() {
        for f in [
            0.1,
            1.0 / 3.0,
            2.0f64.powi(60),
            1e-300,
            9.999999999999999e20,
            1.0000000000000002,
        ] {
            let s = go(f);
            assert_eq!(s.parse::<f64>().ok(), Some(f), "{s}");
        }
    }
}
