use std::borrow::Cow;

/// Appends `name` escaped as a measurement (`,` and space get a backslash).
pub fn escape_measurement_into(name: &str, out: &mut String) {
    for c in name.chars() {
        if c == ',' || c == ' ' {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Appends `s` escaped as a tag key or value (`,`, space and `=` get a backslash).
pub fn escape_tag_into(s: &str, out: &mut String) {
    for c in s.chars() {
        if c == ',' || c == ' ' || c == '=' {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Writes the canonical series key of `measurement` and `tags` (already sorted by key) into `out`,
/// replacing its contents: `m,k1=v1,k2=v2`, escaped as InfluxDB prints it in `SHOW SERIES`.
pub fn series_key_into<K: AsRef<str>, V: AsRef<str>>(
    measurement: &str,
    tags: &[(K, V)],
    out: &mut String,
) {
    out.clear();
    push_series_key(measurement, tags, out);
}

/// Appends the canonical series key of `measurement` and `tags` (sorted by key) to `out`.
pub fn push_series_key<K: AsRef<str>, V: AsRef<str>>(
    measurement: &str,
    tags: &[(K, V)],
    out: &mut String,
) {
    escape_measurement_into(measurement, out);
    for (k, v) in tags {
        out.push(',');
        escape_tag_into(k.as_ref(), out);
        out.push('=');
        escape_tag_into(v.as_ref(), out);
    }
}

/// The canonical series key as a new string; see [`series_key_into`].
pub fn series_key<K: AsRef<str>, V: AsRef<str>>(measurement: &str, tags: &[(K, V)]) -> String {
    let mut s = String::new();
    series_key_into(measurement, tags, &mut s);
    s
}

/// Splits a canonical series key back into its unescaped measurement and tags.
/// Returns `None` when the key is malformed (a tag without `=`).
pub fn parse_series_key(key: &str) -> Option<(String, Vec<(String, String)>)> {
    let parts = split_unescaped(key, b',');
    let mut it = parts.into_iter();
    let measurement = unescape(it.next()?);
    let mut tags = Vec::new();
    for part in it {
        let kv = split_unescaped(part, b'=');
        if kv.len() != 2 {
            return None;
        }
        tags.push((unescape(kv[0]), unescape(kv[1])));
    }
    Some((measurement, tags))
}

fn split_unescaped(s: &str, sep: u8) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() && matches!(b[i + 1], b',' | b' ' | b'=') {
            i += 2;
            continue;
        }
        if b[i] == sep {
            out.push(&s[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    out.push(&s[start..]);
    out
}

fn unescape(s: &str) -> String {
    let cow: Cow<'_, str> = if s.contains('\\') {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && i + 1 < b.len() && matches!(b[i + 1], b',' | b' ' | b'=') {
                out.push(b[i + 1] as char);
                i += 2;
            } else {
                let ch_len = utf8_len(b[i]);
                out.push_str(&s[i..i + ch_len]);
                i += ch_len;
            }
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    };
    cow.into_owned()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_round_trips_with_escapes() {
        let tags = vec![
            ("t k,=1".to_string(), "v a,b=c".to_string()),
            ("z".into(), "é".into()),
        ];
        let key = series_key("esc m,x", &tags);
        assert_eq!(key, r"esc\ m\,x,t\ k\,\=1=v\ a\,b\=c,z=é");
        let (m, t) = parse_series_key(&key).unwrap();
        assert_eq!(m, "esc m,x");
        assert_eq!(t, tags);
    }

    #[test]
    fn measurement_keeps_equals_and_backslash_literal() {
        let key = series_key::<&str, &str>(r"a=b\\c", &[]);
        assert_eq!(key, r"a=b\\c");
        assert_eq!(parse_series_key(&key).unwrap().0, r"a=b\\c");
    }
}
