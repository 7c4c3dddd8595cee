//! Bound parameters: binding kinds, 1.6.7's error texts (recorded against InfluxDB 1.6.7) and the
//! Go-worded JSON errors of the `params` request parameter.

use super::{Params, parse_params, parse_query, parse_query_with_params};

fn bind(params: &str, q: &str) -> Result<String, String> {
    let p = parse_params(params).map_err(|e| e.to_string())?;
    parse_query_with_params(q, &p)
        .map(|s| {
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .map_err(|e| format!("error parsing query: {e}"))
}

fn same_as(params: &str, q: &str, literal: &str) {
    let bound = bind(params, q).unwrap_or_else(|e| panic!("{q} with {params}: {e}"));
    let plain = parse_query(literal).unwrap_or_else(|e| panic!("{literal}: {e}"));
    let plain = plain
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    assert_eq!(bound, plain, "{q} with {params}");
}

#[test]
fn values_bind_as_their_literal_kinds() {
    same_as(
        r#"{"v":3}"#,
        "SELECT a FROM m LIMIT $v",
        "SELECT a FROM m LIMIT 3",
    );
    same_as(
        r#"{"h":"b"}"#,
        "SELECT a FROM m WHERE host = $h",
        "SELECT a FROM m WHERE host = 'b'",
    );
    same_as(
        r#"{"v x":"b"}"#,
        r#"SELECT a FROM m WHERE h = $"v x""#,
        "SELECT a FROM m WHERE h = 'b'",
    );
    same_as(
        r#"{"v":30.5}"#,
        "SELECT a FROM m WHERE a > $v",
        "SELECT a FROM m WHERE a > 30.5",
    );
    same_as(
        r#"{"v":30.0}"#,
        "SELECT a FROM m WHERE a > $v",
        "SELECT a FROM m WHERE a > 30.0",
    );
    same_as(
        r#"{"v":-5}"#,
        "SELECT a FROM m WHERE a-$v > 0",
        "SELECT a FROM m WHERE a - -5 > 0",
    );
    same_as(
        r#"{"b":false}"#,
        "SELECT a FROM m WHERE ok = $b",
        "SELECT a FROM m WHERE ok = false",
    );
    same_as(
        r#"{"s":"it's"}"#,
        "SELECT a FROM m WHERE s = $s",
        r"SELECT a FROM m WHERE s = 'it\'s'",
    );
}

#[test]
fn typed_objects_bind_their_kind() {
    same_as(
        r#"{"m":{"identifier":"my m"}}"#,
        "SELECT a FROM $m",
        r#"SELECT a FROM "my m""#,
    );
    same_as(
        r#"{"f":{"identifier":"value"}}"#,
        "SELECT $f FROM m",
        "SELECT value FROM m",
    );
    same_as(
        r#"{"d":{"duration":"1h"}}"#,
        "SELECT mean(a) FROM m GROUP BY time($d)",
        "SELECT mean(a) FROM m GROUP BY time(1h)",
    );
    same_as(
        r#"{"d":{"duration":60000000000}}"#,
        "SELECT mean(a) FROM m GROUP BY time($d)",
        "SELECT mean(a) FROM m GROUP BY time(1m)",
    );
    same_as(
        r#"{"r":{"regex":"^b/c"}}"#,
        "SELECT a FROM m WHERE h =~ $r",
        r"SELECT a FROM m WHERE h =~ /^b\/c/",
    );
    same_as(
        r#"{"n":{"number":3}}"#,
        "SELECT a FROM m WHERE a > $n",
        "SELECT a FROM m WHERE a > 3.0",
    );
    same_as(
        r#"{"n":{"integer":3}}"#,
        "SELECT a FROM m LIMIT $n",
        "SELECT a FROM m LIMIT 3",
    );
}

#[test]
fn quoted_and_regex_dollars_stay_literal() {
    same_as(
        r#"{"v":"x"}"#,
        r#"SELECT a FROM m WHERE h = "$v""#,
        r#"SELECT a FROM m WHERE h = "$v""#,
    );
    same_as(
        r#"{"v":"x"}"#,
        "SELECT a FROM m WHERE h = '$v'",
        "SELECT a FROM m WHERE h = '$v'",
    );
    same_as(
        r#"{"v":"x"}"#,
        "SELECT a FROM m WHERE h =~ /b$v/",
        "SELECT a FROM m WHERE h =~ /b$v/",
    );
    same_as(r#"{"v":"x"}"#, "SELECT a FROM /m$v/", "SELECT a FROM /m$v/");
    same_as(
        r#"{"v":2}"#,
        "SELECT a / $v FROM m -- $v\n",
        "SELECT a / 2 FROM m",
    );
}

#[test]
fn binding_errors_read_like_influxdb_1_6_7() {
    let cases = [
        (
            r#"{"h":"b"}"#,
            "SELECT a FROM m WHERE host = $v",
            "error parsing query: missing parameter: v",
        ),
        (
            r#"{"v":[1]}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: unable to bind parameter with type []interface {}",
        ),
        (
            r#"{"v":null}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: unable to bind parameter with type <nil>",
        ),
        (
            r#"{"v":{}}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: bound object parameter value must have exactly one entry",
        ),
        (
            r#"{"v":{"string":"b","integer":1}}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: bound object parameter value must have exactly one entry",
        ),
        (
            r#"{"v":{"boolean":true}}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: unknown bind object type: boolean",
        ),
        (
            r#"{"v":{"string":3}}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: string literal must be a string value",
        ),
        (
            r#"{"v":{"integer":3.5}}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: integer literal must be an integer value",
        ),
        (
            r#"{"v":{"duration":true}}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: missing parameter: duration literal must be a string or integer value",
        ),
        (
            r#"{"v":{"duration":"xx"}}"#,
            "SELECT a FROM m WHERE h = $v",
            "error parsing query: invalid duration",
        ),
        (
            r#"{"v":1}"#,
            "SELECT a FROM m WHERE h = $",
            "error parsing query: empty bound parameter",
        ),
        (
            "{}",
            "SELECT a FROM m LIMIT $m",
            "error parsing query: found $m, expected integer at line 1, char 23",
        ),
        (
            "{bad",
            "SELECT a FROM m",
            "error parsing query parameters: invalid character 'b' looking for beginning of object key string",
        ),
        (
            "[1]",
            "SELECT a FROM m",
            "error parsing query parameters: json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
        (
            r#""x""#,
            "SELECT a FROM m",
            "error parsing query parameters: json: cannot unmarshal string into Go value of type map[string]interface {}",
        ),
        (
            r#"{"h""#,
            "SELECT a FROM m",
            "error parsing query parameters: unexpected EOF",
        ),
        (
            r#"{"m":1,}"#,
            "SELECT a FROM m",
            "error parsing query parameters: invalid character '}' looking for beginning of object key string",
        ),
        (
            r#"{"m" 1}"#,
            "SELECT a FROM m",
            "error parsing query parameters: invalid character '1' after object key",
        ),
        (
            r#"{"m":tru}"#,
            "SELECT a FROM m",
            "error parsing query parameters: invalid character '}' in literal true (expecting 'e')",
        ),
        (
            r#"{"v":1e3}"#,
            "SELECT a FROM m",
            "error parsing json value: strconv.ParseInt: parsing \"1e3\": invalid syntax",
        ),
        (
            "null",
            "SELECT a FROM m WHERE h = $m",
            "error parsing query: missing parameter: m",
        ),
    ];
    for (params, q, want) in cases {
        assert_eq!(
            bind(params, q).err().as_deref(),
            Some(want),
            "{q} with {params}"
        );
    }
}

#[test]
fn trailing_json_after_the_object_is_ignored() {
    same_as(
        r#"{"v":1} junk"#,
        "SELECT a FROM m LIMIT $v",
        "SELECT a FROM m LIMIT 1",
    );
    assert!(parse_query_with_params("SELECT a FROM m", &Params::new()).is_ok());
}
