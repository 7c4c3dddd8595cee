//! The InfluxDB 1.x response body: result model and a JSON writer that prints exactly what Go's
//! `encoding/json` prints for InfluxDB's types.
//!
//! Invariants:
//! 1. Key order is Go's struct order: response `results, error`; result `statement_id, series,
//!    messages, partial, error`; series `name, tags, columns, values, partial`; message `level, text`.
//!    Empty/absent members are omitted (`omitempty`); `statement_id` is always printed.
//! 2. Strings are escaped as Go does with HTML escaping on: `"` `\\` `\n` `\r` `\t`, other control
//!    characters as `\u00XX`, `<` `>` `&` as `\u003c` `\u003e` `\u0026`, U+2028/U+2029 as `\u2028`/`\u2029`.
//! 3. Floats print like `strconv.AppendFloat(f, 'f' or 'e', -1, 64)` with encoding/json's switch
//!    (exponent form when `|f| < 1e-6 || |f| >= 1e21`, exponent without leading zero: `1e-7`,
//!    `1e+21`); non-finite floats, which Go cannot encode, print as `null`.
//! 4. Tags print as a JSON object with keys sorted (a Go map).
//! 5. Times print as RFC3339Nano strings, or as integers divided by the `epoch` unit.
//! 6. `pretty` output matches `json.MarshalIndent(v, "", "    ")`; every body ends with `\n`.
//!
//! 7. `chunked=true` bodies are one response object per line per chunk (`chunk`); CSV bodies follow
//!    InfluxDB 1.6.7's `csvFormatter` (`csv`); line-protocol bodies (`line_protocol`) are an
//!    export for another server's `/write`.
//! 8. A sketch value prints as its readable summary in JSON and CSV, as `sketch:<base64url>` in
//!    line protocol.
//!
//! The writer appends into one `Vec<u8>` with no allocation per value.

mod chunk;
mod csv;
mod json;
mod line_protocol;
mod model;
mod number;

pub use chunk::{DEFAULT_CHUNK_SIZE, chunk_size_param, write_chunks};
pub use csv::{CsvWriter, write_csv_error};
pub use json::{JsonWriter, write_error_body, write_response};
pub use line_protocol::{write_line_protocol, write_line_protocol_error};
pub use model::{Message, QueryResponse, Series, StatementResult, TimeFormat, Value};
pub use number::write_go_float;
