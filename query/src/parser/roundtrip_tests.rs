//! Random-AST round trip: generate statements, print them (`Display`), parse the text back and
//! require the same tree (`ast` invariant 2).
//!
//! The generator builds trees the parser can produce: parentheses that precedence needs are
//! explicit `Expr::Paren` nodes (the printer never adds any), regex operators take a regex
//! literal on the right, function names are lower-case bare words, and numbers are finite.

use proptest::prelude::*;

use super::parse_query;
use crate::ast::{
    BinaryOp, CardinalityKind, CreateDatabaseStatement, DeleteStatement, Dimension,
    DropDatabaseStatement, DropMeasurementStatement, DropSeriesStatement, ExplainStatement, Expr,
    Field, Fill, KillQueryStatement, Literal, MeasurementName, NamePattern, SelectStatement,
    ShowCardinalityStatement, ShowFieldKeysStatement, ShowMeasurementsStatement,
    ShowRetentionPoliciesStatement, ShowSeriesStatement, ShowTagKeysStatement,
    ShowTagValuesStatement, SortOrder, Source, Statement, TagKeyMatch, VarType,
};

const HOUR: i64 = 3_600_000_000_000;

/// Identifiers: bare words, keywords, and names that need quotes (spaces, unicode, quotes,
/// backslashes, newlines, leading digits, `true`).
fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,7}",
        1 => prop::sample::select(vec![
            "select", "FROM", "where", "Group", "time", "value", "true", "False", "key", "tz",
            "fill", "limit", "duration", "name", "in", "and", "or", "field", "tag",
        ])
        .prop_map(str::to_owned),
        2 => "[a-zA-Z0-9 _.,;:()='\"\\\\\\-*/äöü数据\n]{0,8}",
    ]
}

fn regex_body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a", "mx", "^", "$", ".*", "/", "\\d+", "\\.", "[0-9]", "(x|y)", " ", "é", "\\\\", "'",
            "\"",
        ]),
        0..5,
    )
    // Backslashes come in escape pairs (`\d`, `\\`): the parser turns `\/` into `/`, so a
    // tree from text never holds an odd run of backslashes before a `/`.
    .prop_map(|parts| parts.concat())
}

fn string_lit() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _'\"\\\\\n\t\u{e9}\u{6570}]{0,10}"
}

fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![
        (
            1i64..100,
            prop::sample::select(vec![
                1i64,
                1_000,
                1_000_000,
                1_000_000_000,
                60_000_000_000,
                HOUR,
                24 * HOUR,
                7 * 24 * HOUR,
            ])
        )
            .prop_map(|(n, u)| n * u),
        Just(0),
        -1_000_000i64..1_000_000,
    ]
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<i64>()
            .prop_filter("i64::MIN has no literal", |v| *v != i64::MIN)
            .prop_map(Literal::Integer),
        (-1000i64..1000).prop_map(Literal::Integer),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(Literal::Float),
        (-1e6f64..1e6).prop_map(Literal::Float),
        string_lit().prop_map(Literal::String),
        any::<bool>().prop_map(Literal::Boolean),
        duration().prop_map(Literal::Duration),
    ]
}

fn var_type() -> impl Strategy<Value = Option<VarType>> {
    prop::option::weighted(
        0.2,
        prop::sample::select(vec![
            VarType::Float,
            VarType::Integer,
            VarType::Unsigned,
            VarType::String,
            VarType::Boolean,
            VarType::Field,
            VarType::Tag,
        ]),
    )
}

fn var_ref() -> impl Strategy<Value = Expr> {
    (ident(), var_type()).prop_map(|(name, data_type)| Expr::VarRef { name, data_type })
}

/// `lhs op rhs` with the parentheses precedence needs (all operators are left associative).
fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    let wrap = |e: Expr, strict: bool| match &e {
        Expr::Binary { op: inner, .. }
            if inner.precedence() < op.precedence()
                || (strict && inner.precedence() == op.precedence()) =>
        {
            Expr::Paren(Box::new(e))
        }
        _ => e,
    };
    Expr::Binary {
        op,
        lhs: Box::new(wrap(lhs, false)),
        rhs: Box::new(wrap(rhs, true)),
    }
}

const MATH: [BinaryOp; 8] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Mod,
    BinaryOp::BitAnd,
    BinaryOp::BitOr,
    BinaryOp::BitXor,
];

const COMPARE: [BinaryOp; 6] = [
    BinaryOp::Eq,
    BinaryOp::Neq,
    BinaryOp::Lt,
    BinaryOp::Lte,
    BinaryOp::Gt,
    BinaryOp::Gte,
];

/// Arithmetic: references, literals, calls, math with precedence and parentheses.
fn math_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => var_ref(),
        2 => literal().prop_map(Expr::Literal),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            3 => (prop::sample::select(MATH.to_vec()), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| binary(op, l, r)),
            1 => inner.clone().prop_map(|e| Expr::Paren(Box::new(e))),
            2 => (
                prop::sample::select(vec![
                    "mean", "max", "percentile", "derivative", "top", "now", "time", "abs",
                    "moving_average", "count", "my_udf",
                ]),
                prop::collection::vec(
                    prop_oneof![
                        4 => inner.clone(),
                        1 => var_type().prop_map(Expr::Wildcard),
                    ],
                    0..3,
                ),
            )
                .prop_map(|(name, args)| Expr::Call {
                    name: name.to_owned(),
                    args,
                }),
        ]
    })
}

/// Conditions: comparisons and regex matches joined by AND / OR.
fn condition() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => (prop::sample::select(COMPARE.to_vec()), math_expr(), math_expr())
            .prop_map(|(op, l, r)| binary(op, l, r)),
        2 => (
            var_ref(),
            prop::bool::ANY,
            regex_body(),
        )
            .prop_map(|(v, eq, re)| binary(
                if eq { BinaryOp::EqRegex } else { BinaryOp::NeqRegex },
                v,
                Expr::Literal(Literal::Regex(re)),
            )),
        1 => var_ref(),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            3 => (prop::bool::ANY, inner.clone(), inner.clone()).prop_map(|(and, l, r)| binary(
                if and { BinaryOp::And } else { BinaryOp::Or },
                l,
                r,
            )),
            1 => inner.prop_map(|e| Expr::Paren(Box::new(e))),
        ]
    })
}

fn field() -> impl Strategy<Value = Field> {
    (
        prop_oneof![
            6 => math_expr(),
            1 => var_type().prop_map(Expr::Wildcard),
        ],
        prop::option::weighted(0.3, ident()),
    )
        .prop_map(|(expr, alias)| Field { expr, alias })
}

fn measurement_name(allow_regex: bool) -> impl Strategy<Value = MeasurementName> {
    let name = if allow_regex {
        prop_oneof![
            3 => ident().prop_map(NamePattern::Name),
            1 => regex_body().prop_map(NamePattern::Regex),
        ]
        .boxed()
    } else {
        ident().prop_map(NamePattern::Name).boxed()
    };
    (
        prop::option::weighted(0.3, ident()),
        prop::option::weighted(0.3, ident()),
        name,
    )
        .prop_map(|(database, retention_policy, name)| MeasurementName {
            database,
            retention_policy,
            name,
        })
}

fn dimension() -> impl Strategy<Value = Dimension> {
    let positive = duration().prop_map(|d| d.max(1));
    prop_oneof![
        2 => (positive, prop::option::of(duration())).prop_map(|(every, offset)| {
            let mut args = vec![Expr::Literal(Literal::Duration(every))];
            args.extend(offset.map(|o| Expr::Literal(Literal::Duration(o))));
            Expr::Call { name: "time".to_owned(), args }
        }),
        3 => ident().prop_map(Expr::var),
        1 => Just(Expr::Wildcard(None)),
        1 => regex_body().prop_map(|r| Expr::Literal(Literal::Regex(r))),
    ]
    .prop_map(|expr| Dimension { expr })
}

fn fill() -> impl Strategy<Value = Fill> {
    prop_oneof![
        Just(Fill::Null),
        Just(Fill::None),
        Just(Fill::Previous),
        Just(Fill::Linear),
        (-1_000_000i64..1_000_000).prop_map(|v| Fill::Value(Literal::Integer(v))),
        (-1e9f64..1e9).prop_map(|v| Fill::Value(Literal::Float(v))),
    ]
}

fn count() -> impl Strategy<Value = Option<u64>> {
    prop::option::weighted(0.2, 0u64..1_000_000_000)
}

/// The clauses of a SELECT other than its sources.
fn select_with(
    sources: impl Strategy<Value = Vec<Source>>,
) -> impl Strategy<Value = SelectStatement> {
    (
        prop::collection::vec(field(), 1..4),
        prop::option::weighted(0.1, measurement_name(false)),
        sources,
        prop::option::weighted(0.6, condition()),
        prop::collection::vec(dimension(), 0..3),
        prop::option::weighted(0.3, fill()),
        prop::option::weighted(0.2, prop::bool::ANY),
        (count(), count(), count(), count()),
        // tz() names are checked at parse time: only zones that exist (and the UTC spellings).
        prop::option::weighted(
            0.1,
            prop::sample::select(vec![
                "UTC",
                "",
                "America/Chicago",
                "Asia/Kolkata",
                "Europe/Amsterdam",
                "America/Argentina/Buenos_Aires",
                "Etc/GMT+5",
            ])
            .prop_map(String::from),
        ),
    )
        .prop_map(
            |(fields, into, sources, condition, dimensions, fill, order, limits, timezone)| {
                SelectStatement {
                    fields,
                    into,
                    sources,
                    condition,
                    dimensions,
                    fill,
                    order: order.map(|asc| if asc { SortOrder::Asc } else { SortOrder::Desc }),
                    limit: limits.0,
                    offset: limits.1,
                    slimit: limits.2,
                    soffset: limits.3,
                    timezone,
                }
            },
        )
}

fn measurement_sources() -> impl Strategy<Value = Vec<Source>> {
    prop::collection::vec(measurement_name(true).prop_map(Source::Measurement), 1..3)
}

fn select() -> impl Strategy<Value = SelectStatement> {
    let sources = prop::collection::vec(
        prop_oneof![
            4 => measurement_name(true).prop_map(Source::Measurement),
            1 => select_with(measurement_sources()).prop_map(|s| Source::Subquery(Box::new(s))),
        ],
        1..3,
    );
    select_with(sources)
}

fn tag_key_match() -> impl Strategy<Value = TagKeyMatch> {
    prop_oneof![
        ident().prop_map(TagKeyMatch::Eq),
        ident().prop_map(TagKeyMatch::Ne),
        regex_body().prop_map(TagKeyMatch::Regex),
        regex_body().prop_map(TagKeyMatch::NotRegex),
        prop::collection::vec(ident(), 1..4).prop_map(TagKeyMatch::In),
    ]
}

fn names() -> impl Strategy<Value = Vec<MeasurementName>> {
    prop::collection::vec(measurement_name(true), 0..3)
}

fn on() -> impl Strategy<Value = Option<String>> {
    prop::option::of(ident())
}

fn show_statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        Just(Statement::ShowDatabases),
        Just(Statement::ShowQueries),
        (
            on(),
            prop::option::of(prop_oneof![
                ident().prop_map(NamePattern::Name),
                regex_body().prop_map(NamePattern::Regex),
            ]),
            prop::option::of(condition()),
            count(),
            count(),
        )
            .prop_map(|(database, with_measurement, condition, limit, offset)| {
                Statement::ShowMeasurements(ShowMeasurementsStatement {
                    database,
                    with_measurement,
                    condition,
                    limit,
                    offset,
                })
            }),
        on().prop_map(|database| Statement::ShowRetentionPolicies(
            ShowRetentionPoliciesStatement { database }
        )),
        (
            on(),
            names(),
            prop::option::of(condition()),
            count(),
            count()
        )
            .prop_map(|(database, sources, condition, limit, offset)| {
                Statement::ShowTagKeys(ShowTagKeysStatement {
                    database,
                    sources,
                    condition,
                    limit,
                    offset,
                })
            }),
        (
            on(),
            names(),
            tag_key_match(),
            prop::option::of(condition()),
            count(),
            count()
        )
            .prop_map(|(database, sources, key, condition, limit, offset)| {
                Statement::ShowTagValues(ShowTagValuesStatement {
                    database,
                    sources,
                    key,
                    condition,
                    limit,
                    offset,
                })
            }),
        (on(), names(), count(), count()).prop_map(|(database, sources, limit, offset)| {
            Statement::ShowFieldKeys(ShowFieldKeysStatement {
                database,
                sources,
                limit,
                offset,
            })
        }),
        (
            on(),
            names(),
            prop::option::of(condition()),
            count(),
            count()
        )
            .prop_map(|(database, sources, condition, limit, offset)| {
                Statement::ShowSeries(ShowSeriesStatement {
                    database,
                    sources,
                    condition,
                    limit,
                    offset,
                })
            }),
        (
            prop_oneof![
                Just(CardinalityKind::Series),
                Just(CardinalityKind::Measurement),
                Just(CardinalityKind::TagKey),
                Just(CardinalityKind::FieldKey),
                tag_key_match().prop_map(CardinalityKind::TagValues),
            ],
            prop::bool::ANY,
            on(),
            names(),
            prop::option::of(condition()),
            count(),
            count(),
        )
            .prop_map(
                |(kind, exact, database, sources, condition, limit, offset)| {
                    Statement::ShowCardinality(ShowCardinalityStatement {
                        kind,
                        exact,
                        database,
                        sources,
                        condition,
                        limit,
                        offset,
                    })
                }
            ),
    ]
}

fn other_statement() -> impl Strategy<Value = Statement> {
    let from_where = || {
        (names(), prop::option::of(condition()))
            .prop_filter("FROM or WHERE", |(s, c)| !s.is_empty() || c.is_some())
    };
    prop_oneof![
        (
            ident(),
            prop::option::of(prop_oneof![Just(0i64), (1i64..1000).prop_map(|h| h * HOUR)]),
            prop::option::of(1u32..=i32::MAX as u32),
            prop::option::of((1i64..1000).prop_map(|m| m * 60_000_000_000)),
            prop::option::of(ident()),
        )
            .prop_map(|(name, duration, replication, shard_duration, rp_name)| {
                let with = duration.is_some()
                    || replication.is_some()
                    || shard_duration.is_some()
                    || rp_name.is_some();
                Statement::CreateDatabase(CreateDatabaseStatement {
                    name,
                    with,
                    duration,
                    replication,
                    shard_duration,
                    rp_name,
                })
            }),
        ident().prop_map(|name| Statement::DropDatabase(DropDatabaseStatement { name })),
        ident().prop_map(|name| Statement::DropMeasurement(DropMeasurementStatement { name })),
        from_where().prop_map(
            |(sources, condition)| Statement::DropSeries(DropSeriesStatement {
                sources,
                condition
            })
        ),
        from_where().prop_map(|(sources, condition)| Statement::Delete(DeleteStatement {
            sources,
            condition
        })),
        (any::<u32>(), prop::option::of(ident())).prop_map(|(id, host)| Statement::KillQuery(
            KillQueryStatement {
                query_id: u64::from(id),
                host
            }
        )),
    ]
}

fn statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        6 => select().prop_map(|s| Statement::Select(Box::new(s))),
        1 => (prop::bool::ANY, select()).prop_map(|(analyze, s)| Statement::Explain(
            ExplainStatement { analyze, statement: Box::new(s) }
        )),
        3 => show_statement(),
        2 => other_statement(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn printed_statements_parse_back(batch in prop::collection::vec(statement(), 1..3)) {
        let text = batch.iter().map(ToString::to_string).collect::<Vec<_>>().join(";\n");
        match parse_query(&text) {
            Ok(again) => prop_assert_eq!(again, batch, "text: {}", text),
            Err(e) => prop_assert!(false, "{} does not parse: {}", text, e),
        }
    }
}
