//! The InfluxQL parser on arbitrary text must never panic, and every statement it accepts must
//! print (canonical InfluxQL, `Display`) to text that parses back to the same statement.
#![no_main]

use libfuzzer_sys::fuzz_target;
use query::parser::parse_query;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(statements) = parse_query(text) else {
        return;
    };
    for s in statements {
        let printed = s.to_string();
        match parse_query(&printed) {
            Ok(again) => assert_eq!(
                again,
                vec![s],
                "{text:?} printed as {printed:?} parses differently"
            ),
            Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e}"),
        }
    }
});
