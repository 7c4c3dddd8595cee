//! A small JSON reader for the `params` request parameter whose errors read like Go's
//! `encoding/json` `Decoder` (InfluxDB 1.6.7 decodes `params` with one, `UseNumber` on): only the
//! first JSON value is read (trailing text is ignored), numbers keep their text.

use std::fmt;

/// A decoded JSON value; numbers keep their source text (Go's `json.Number`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Entries in source order; a repeated key keeps the last value (as Go's map does).
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The JSON kind as Go names it in `cannot unmarshal X into …`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// A syntax error, worded as Go's `encoding/json` words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Input ended inside the value (`unexpected EOF`), or held only whitespace (`EOF`).
    Eof { inside: bool },
    /// `invalid character 'x' <context>`.
    Invalid { ch: char, context: String },
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Eof { inside: true } => f.write_str("unexpected EOF"),
            JsonError::Eof { inside: false } => f.write_str("EOF"),
            JsonError::Invalid { ch, context } => {
                let quoted = match ch {
                    '\'' => "'\\''".to_owned(),
                    '"' => "'\"'".to_owned(),
                    c if c.is_control() => format!("{:?}", c),
                    c => format!("'{c}'"),
                };
                write!(f, "invalid character {quoted} {context}")
            }
        }
    }
}

/// Reads the first JSON value of `s`.
pub(crate) fn parse_json(s: &str) -> Result<Json, JsonError> {
    let mut r = Reader { s, pos: 0 };
    r.skip_ws();
    if r.peek().is_none() {
        return Err(JsonError::Eof { inside: false });
    }
    r.value("looking for beginning of value")
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    fn invalid<T>(&self, ch: char, context: &str) -> Result<T, JsonError> {
        Err(JsonError::Invalid {
            ch,
            context: context.to_owned(),
        })
    }

    /// The next character, or `unexpected EOF`.
    fn next_char(&mut self) -> Result<char, JsonError> {
        self.bump().ok_or(JsonError::Eof { inside: true })
    }

    fn value(&mut self, context: &str) -> Result<Json, JsonError> {
        self.skip_ws();
        let c = self.next_char()?;
        match c {
            '{' => self.object(),
            '[' => self.array(),
            '"' => self.string().map(Json::String),
            't' => self.literal("true", Json::Bool(true)),
            'f' => self.literal("false", Json::Bool(false)),
            'n' => self.literal("null", Json::Null),
            '-' | '0'..='9' => self.number(c),
            c => self.invalid(c, context),
        }
    }

    fn literal(&mut self, word: &'static str, v: Json) -> Result<Json, JsonError> {
        for expect in word.chars().skip(1) {
            let c = self.next_char()?;
            if c != expect {
                return self.invalid(c, &format!("in literal {word} (expecting '{expect}')"));
            }
        }
        Ok(v)
    }

    fn number(&mut self, first: char) -> Result<Json, JsonError> {
        let start = self.pos - first.len_utf8();
        let digits = |r: &mut Self| {
            let mut n = 0;
            while matches!(r.peek(), Some('0'..='9')) {
                r.pos += 1;
                n += 1;
            }
            n
        };
        if first == '-' {
            match self.next_char()? {
                '0' => {}
                '1'..='9' => {
                    digits(self);
                }
                c => return self.invalid(c, "in numeric literal"),
            }
        } else if first != '0' {
            digits(self);
        }
        if self.peek() == Some('.') {
            self.pos += 1;
            match self.next_char()? {
                '0'..='9' => {
                    digits(self);
                }
                c => return self.invalid(c, "after decimal point in numeric literal"),
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            match self.next_char()? {
                '0'..='9' => {
                    digits(self);
                }
                c => return self.invalid(c, "in exponent of numeric literal"),
            }
        }
        Ok(Json::Number(
            self.s.get(start..self.pos).unwrap_or("").to_owned(),
        ))
    }

    /// A string body, entered after the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        let mut out = String::new();
        loop {
            match self.next_char()? {
                '"' => return Ok(out),
                '\\' => match self.next_char()? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let hi = self.hex4()?;
                        let c = if (0xD800..0xDC00).contains(&hi)
                            && self.s.get(self.pos..).is_some_and(|r| r.starts_with("\\u"))
                        {
                            let save = self.pos;
                            self.pos += 2;
                            let lo = self.hex4()?;
                            if (0xDC00..0xE000).contains(&lo) {
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                self.pos = save;
                                None
                            }
                        } else {
                            char::from_u32(hi)
                        };
                        out.push(c.unwrap_or('\u{FFFD}'));
                    }
                    c => return self.invalid(c, "in string escape code"),
                },
                c if (c as u32) < 0x20 => return self.invalid(c, "in string literal"),
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0;
        for _ in 0..4 {
            let c = self.next_char()?;
            match c.to_digit(16) {
                Some(d) => v = v * 16 + d,
                None => return self.invalid(c, "in \\u hexadecimal character escape"),
            }
        }
        Ok(v)
    }

    fn array(&mut self) -> Result<Json, JsonError> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value("looking for beginning of value")?);
            self.skip_ws();
            match self.next_char()? {
                ',' => {}
                ']' => return Ok(Json::Array(items)),
                c => return self.invalid(c, "after array element"),
            }
        }
    }

    fn object(&mut self) -> Result<Json, JsonError> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some('}') {
            self.pos += 1;
            return Ok(Json::Object(entries));
        }
        loop {
            self.skip_ws();
            match self.next_char()? {
                '"' => {}
                c => return self.invalid(c, "looking for beginning of object key string"),
            }
            let key = self.string()?;
            self.skip_ws();
            match self.next_char()? {
                ':' => {}
                c => return self.invalid(c, "after object key"),
            }
            let v = self.value("looking for beginning of value")?;
            entries.retain(|(k, _)| *k != key);
            entries.push((key, v));
            self.skip_ws();
            match self.next_char()? {
                ',' => {}
                '}' => return Ok(Json::Object(entries)),
                c => return self.invalid(c, "after object key:value pair"),
            }
        }
    }
}
