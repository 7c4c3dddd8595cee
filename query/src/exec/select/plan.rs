//! The field list compiled for one measurement: output columns as expression trees over leaves
//! (fields, tags, aggregate calls), plus InfluxDB's validation errors and column naming.

use std::collections::{HashMap, HashSet};

use tsdb::FieldType;

use crate::ast::{BinaryOp, Expr, Field, Literal, VarType};
use crate::exec::error::ExecError;
use crate::exec::functions::{
    AggregateCall, AggregateFn, TransformCall, builds_sketch, merges_sketches,
};
use crate::response::Value;

/// A value an output column reads.
#[derive(Clone, Debug)]
pub(super) enum Leaf {
    /// A field of the scanned row; `scan` indexes [`Plan::scan_fields`].
    Field { scan: usize, cast: Option<VarType> },
    /// A tag of the row's series; `key` indexes [`Plan::tag_keys`].
    Tag { key: usize },
    /// An aggregate or selector call.
    Agg(AggSpec),
}

#[derive(Clone, Debug)]
pub(super) struct AggSpec {
    pub call: AggregateCall,
    /// Index into [`Plan::scan_fields`] of the field the call reads.
    pub scan: usize,
    /// The accumulator kind when the call has a vectorized path.
    pub fast: Option<Fast>,
    /// `top`/`bottom` tag arguments that are tags of the measurement, as indices into
    /// [`Plan::tag_keys`]: points are grouped by these values (a tag argument that names a field,
    /// or nothing, counts as the empty value — InfluxDB 1.6.7).
    pub group_tags: Vec<usize>,
}

/// Calls with a vectorized accumulator (everything else collects points and calls `reduce`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fast {
    Count,
    Sum,
    Mean,
    Min,
    Max,
    First,
    Last,
    /// A per-slot sketch: `sketch`/`percentile_approx` over any numeric or sketch field, and
    /// count/sum/mean/min/max/percentile/median over a sketch field (answered from the merge).
    Sketch,
}

#[derive(Clone, Debug)]
pub(super) enum Node {
    Leaf(usize),
    Lit(Value),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Math(String, Vec<Node>),
    Transform(Box<TransformCall>, Box<Node>),
}

#[derive(Clone, Debug)]
pub(super) struct Column {
    pub name: String,
    pub node: Node,
}

/// One compiled field list.
#[derive(Clone, Debug, Default)]
pub(super) struct Plan {
    pub columns: Vec<Column>,
    pub leaves: Vec<Leaf>,
    /// Fields to scan, in scan-column order.
    pub scan_fields: Vec<String>,
    /// Tag keys the columns read (besides the GROUP BY keys).
    pub tag_keys: Vec<String>,
    /// Indices into `leaves` of the aggregate calls, in order.
    pub aggs: Vec<usize>,
}

/// What the compiler needs to know about the measurement and the statement.
pub(super) struct Schema<'a> {
    pub fields: &'a [(String, FieldType)],
    pub tags: &'a [String],
    /// Tag keys of the GROUP BY (excluded from `*` expansion).
    pub grouped: &'a [String],
    pub group_by_time: bool,
}

impl Plan {
    pub fn is_aggregate(&self) -> bool {
        !self.aggs.is_empty()
    }

    pub fn has_transform(&self) -> bool {
        self.columns
            .iter()
            .any(|c| matches!(c.node, Node::Transform(..)))
    }

    /// Whether the scan must deliver timestamps: buckets, raw rows and every accumulator but the
    /// vectorized count/sum/mean read them; an aggregate of those three alone without GROUP BY
    /// time lets whole row groups skip their time column.
    pub fn needs_times(&self, group_by_time: bool) -> bool {
        group_by_time
            || !self.is_aggregate()
            || self.agg_specs().any(|a| {
                !matches!(
                    a.fast,
                    Some(Fast::Count | Fast::Sum | Fast::Mean | Fast::Sketch)
                )
            })
    }

    /// The aggregate specs, in order.
    pub fn agg_specs(&self) -> impl Iterator<Item = &AggSpec> {
        self.aggs.iter().filter_map(|&i| match self.leaves.get(i) {
            Some(Leaf::Agg(a)) => Some(a),
            _ => None,
        })
    }

    /// Scan indices of the fields the output columns read without a cast (not the WHERE
    /// clause's): a raw row exists where one of them has a value, even if its column is null.
    pub fn plain_column_fields(&self) -> Vec<usize> {
        fn walk(plan: &Plan, n: &Node, out: &mut Vec<usize>) {
            match n {
                Node::Leaf(i) => {
                    if let Some(Leaf::Field { scan, cast: None }) = plan.leaves.get(*i) {
                        out.push(*scan);
                    }
                }
                Node::Lit(_) => {}
                Node::Binary(_, a, b) => {
                    walk(plan, a, out);
                    walk(plan, b, out);
                }
                Node::Math(_, args) => args.iter().for_each(|a| walk(plan, a, out)),
                Node::Transform(_, inner) => walk(plan, inner, out),
            }
        }
        let mut out = Vec::new();
        for c in &self.columns {
            walk(self, &c.node, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Position of `name` among the scanned fields, added when new.
    pub fn scan_index(&mut self, name: &str) -> usize {
        match self.scan_fields.iter().position(|f| f == name) {
            Some(i) => i,
            None => {
                self.scan_fields.push(name.to_owned());
                self.scan_fields.len() - 1
            }
        }
    }

    /// Position of tag `key` among [`Plan::tag_keys`], added when new.
    pub fn tag_index(&mut self, key: &str) -> usize {
        match self.tag_keys.iter().position(|f| f == key) {
            Some(i) => i,
            None => {
                self.tag_keys.push(key.to_owned());
                self.tag_keys.len() - 1
            }
        }
    }

    fn push_leaf(&mut self, leaf: Leaf) -> usize {
        if matches!(leaf, Leaf::Agg(_)) {
            self.aggs.push(self.leaves.len());
        }
        self.leaves.push(leaf);
        self.leaves.len() - 1
    }
}

/// Compiles `fields` for one measurement (see the module doc).
pub(super) fn compile(fields: &[Field], schema: &Schema<'_>) -> Result<Plan, ExecError> {
    let mut plan = Plan::default();
    let mut empty = EmptyExpansions::default();
    for f in fields {
        let e = f.expr.unparen();
        let before = plan.columns.len();
        match e {
            Expr::VarRef { name, .. } if name.eq_ignore_ascii_case("time") => {}
            Expr::Wildcard(t) => {
                expand_names(&mut plan, schema, *t, None)?;
                empty.raw |= plan.columns.len() == before;
            }
            Expr::Literal(Literal::Regex(re)) => {
                expand_names(&mut plan, schema, None, Some(&compile_regex(re)?))?;
                empty.raw |= plan.columns.len() == before;
            }
            Expr::Call { name, args } if expands(name, args) => {
                expand_call(&mut plan, schema, name, args, f.alias.as_deref())?;
                empty.agg |= plan.columns.len() == before;
            }
            _ => {
                let node = compile_expr(&mut plan, schema, e)?;
                let name = f.alias.clone().unwrap_or_else(|| column_name(e));
                // `top(v, host, 3)`: the tag arguments follow as columns.
                let tag_args = match &node {
                    Node::Leaf(i) => match plan.leaves.get(*i) {
                        Some(Leaf::Agg(a)) => a.call.tags.clone(),
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                let agg_leaf = match &node {
                    Node::Leaf(i) if !tag_args.is_empty() => Some(*i),
                    _ => None,
                };
                plan.columns.push(Column { name, node });
                let mut group_tags = Vec::new();
                for tag in tag_args {
                    // A tag argument names a tag (the group key and the column), else a field
                    // (the column reads the selected point's value; it does not group).
                    let is_tag = schema.tags.contains(&tag);
                    let is_field = schema.fields.iter().any(|(n, _)| *n == tag);
                    let leaf = if is_field && !is_tag {
                        Leaf::Field {
                            scan: plan.scan_index(&tag),
                            cast: None,
                        }
                    } else {
                        let key = plan.tag_index(&tag);
                        if is_tag {
                            group_tags.push(key);
                        }
                        Leaf::Tag { key }
                    };
                    let i = plan.push_leaf(leaf);
                    plan.columns.push(Column {
                        name: tag,
                        node: Node::Leaf(i),
                    });
                }
                if let Some(Leaf::Agg(a)) = agg_leaf.and_then(|i| plan.leaves.get_mut(i)) {
                    a.group_tags = group_tags;
                }
            }
        }
    }
    validate(&plan, schema, empty)?;
    for f in fields {
        super::typecheck::check_types(&f.expr, schema.fields)?;
    }
    dedupe(&mut plan.columns);
    Ok(plan)
}

/// Which kinds of field-list entries expanded to no column (`/nomatch/`, `mean(*)` over string
/// fields). 1.6.7 validates the field list before expanding it, so such an entry still counts:
/// a raw one makes `mean(v), /nomatch/` a mix, an aggregate one makes `count(/nomatch/)` an
/// aggregate query that answers nothing. A plan whose every entry expanded to nothing has no
/// columns and answers no series.
#[derive(Clone, Copy, Debug, Default)]
struct EmptyExpansions {
    raw: bool,
    agg: bool,
}

fn compile_regex(re: &str) -> Result<regex::Regex, ExecError> {
    regex::Regex::new(re).map_err(|e| ExecError::Invalid(format!("invalid regex /{re}/: {e}")))
}

/// `*` / `/re/` in the field list: fields and (ungrouped) tags, sorted by name.
fn expand_names(
    plan: &mut Plan,
    schema: &Schema<'_>,
    only: Option<VarType>,
    re: Option<&regex::Regex>,
) -> Result<(), ExecError> {
    let keep = |n: &str| re.is_none_or(|r| r.is_match(n));
    let mut names: Vec<(String, bool)> = Vec::new();
    if only != Some(VarType::Tag) {
        names.extend(
            schema
                .fields
                .iter()
                .filter(|(n, _)| keep(n))
                .map(|(n, _)| (n.clone(), true)),
        );
    }
    if only != Some(VarType::Field) {
        let field_names: HashSet<&str> = schema.fields.iter().map(|(n, _)| n.as_str()).collect();
        names.extend(
            schema
                .tags
                .iter()
                .filter(|t| keep(t) && !schema.grouped.contains(t))
                .filter(|t| !field_names.contains(t.as_str()))
                .map(|t| (t.clone(), false)),
        );
    }
    names.sort();
    for (name, is_field) in names {
        let leaf = if is_field {
            Leaf::Field {
                scan: plan.scan_index(&name),
                cast: None,
            }
        } else {
            Leaf::Tag {
                key: plan.tag_index(&name),
            }
        };
        let i = plan.push_leaf(leaf);
        plan.columns.push(Column {
            name,
            node: Node::Leaf(i),
        });
    }
    Ok(())
}

fn expands(name: &str, args: &[Expr]) -> bool {
    // `distinct(*)` / `distinct(/re/)` do not expand: 1.6.7 answers "expected field argument in
    // distinct()", which the call's own validation gives.
    AggregateFn::from_name(&name.to_ascii_lowercase()).is_some_and(|f| f != AggregateFn::Distinct)
        && matches!(
            args.first().map(Expr::unparen),
            Some(Expr::Wildcard(_) | Expr::Literal(Literal::Regex(_)))
        )
}

/// `mean(*)`, `max(/re/)`: one call per matching field of a type the function takes, named
/// `mean_<field>` (or `<alias>_<field>` under `AS alias`), in field-name order.
fn expand_call(
    plan: &mut Plan,
    schema: &Schema<'_>,
    name: &str,
    args: &[Expr],
    alias: Option<&str>,
) -> Result<(), ExecError> {
    let lname = name.to_ascii_lowercase();
    let re = match args.first().map(Expr::unparen) {
        Some(Expr::Literal(Literal::Regex(r))) => Some(compile_regex(r)?),
        _ => None,
    };
    let func = AggregateFn::from_name(&lname);
    let takes = |ty: FieldType| match func {
        Some(f) if ty == FieldType::Sketch => {
            merges_sketches(f) || matches!(f, AggregateFn::First | AggregateFn::Last)
        }
        Some(
            AggregateFn::Count
            | AggregateFn::First
            | AggregateFn::Last
            | AggregateFn::Distinct
            | AggregateFn::Mode
            | AggregateFn::Sample,
        ) => true,
        Some(AggregateFn::Max | AggregateFn::Min) => ty != FieldType::String,
        _ => !matches!(ty, FieldType::String | FieldType::Boolean),
    };
    let mut fields: Vec<&(String, FieldType)> = schema
        .fields
        .iter()
        .filter(|(n, ty)| takes(*ty) && re.as_ref().is_none_or(|r| r.is_match(n)))
        .collect();
    fields.sort();
    for (field, _) in fields {
        let mut a = args.to_vec();
        if let Some(first) = a.first_mut() {
            *first = Expr::var(field.clone());
        }
        let call = Expr::Call {
            name: lname.clone(),
            args: a,
        };
        let node = compile_expr(plan, schema, &call)?;
        plan.columns.push(Column {
            name: format!("{}_{field}", alias.unwrap_or(&lname)),
            node,
        });
    }
    Ok(())
}

const MATH: &[&str] = &[
    "abs", "acos", "asin", "atan", "atan2", "ceil", "cos", "exp", "floor", "ln", "log", "log2",
    "log10", "pow", "round", "sin", "sqrt", "tan",
];

const TRANSFORMS: &[&str] = &[
    "derivative",
    "non_negative_derivative",
    "difference",
    "non_negative_difference",
    "moving_average",
    "cumulative_sum",
    "elapsed",
    "holt_winters",
    "holt_winters_with_fit",
    "exponential_moving_average",
    "double_exponential_moving_average",
    "triple_exponential_moving_average",
    "relative_strength_index",
    "triple_exponential_derivative",
    "kaufmans_efficiency_ratio",
    "kaufmans_adaptive_moving_average",
    "chande_momentum_oscillator",
];

fn literal_value(l: &Literal) -> Value {
    match l {
        Literal::Integer(v) | Literal::Duration(v) => Value::Int(*v),
        Literal::Float(v) => Value::Float(*v),
        Literal::String(s) | Literal::Regex(s) => Value::Str(s.clone()),
        Literal::Boolean(b) => Value::Bool(*b),
    }
}

fn compile_expr(plan: &mut Plan, schema: &Schema<'_>, e: &Expr) -> Result<Node, ExecError> {
    Ok(match e.unparen() {
        Expr::VarRef { name, data_type } => {
            let is_field = schema.fields.iter().any(|(n, _)| n == name);
            let leaf = if *data_type == Some(VarType::Tag)
                || (!is_field && *data_type != Some(VarType::Field) && schema.tags.contains(name))
            {
                Leaf::Tag {
                    key: plan.tag_index(name),
                }
            } else {
                Leaf::Field {
                    scan: plan.scan_index(name),
                    cast: *data_type,
                }
            };
            Node::Leaf(plan.push_leaf(leaf))
        }
        Expr::Literal(l) => Node::Lit(literal_value(l)),
        Expr::Binary { op, lhs, rhs } => Node::Binary(
            *op,
            Box::new(compile_expr(plan, schema, lhs)?),
            Box::new(compile_expr(plan, schema, rhs)?),
        ),
        Expr::Wildcard(_) => {
            return Err(ExecError::Invalid(
                "unsupported expression with wildcard: *".into(),
            ));
        }
        Expr::Paren(_) => unreachable_paren(),
        Expr::Call { name, args } => {
            let lname = name.to_ascii_lowercase();
            if AggregateFn::from_name(&lname).is_some() {
                let spec = agg_spec(plan, schema, &lname, args)?;
                Node::Leaf(plan.push_leaf(Leaf::Agg(spec)))
            } else if TRANSFORMS.contains(&lname.as_str()) {
                let call = TransformCall::new(&lname, args)?
                    .ok_or_else(|| ExecError::Invalid(format!("undefined function {name}()")))?;
                let inner = compile_expr(plan, schema, &call.input)?;
                Node::Transform(Box::new(call), Box::new(inner))
            } else if MATH.contains(&lname.as_str()) {
                let args = args
                    .iter()
                    .map(|a| compile_expr(plan, schema, a))
                    .collect::<Result<Vec<_>, _>>()?;
                Node::Math(lname, args)
            } else {
                return Err(ExecError::Invalid(format!("undefined function {name}()")));
            }
        }
    })
}

/// `unparen` never returns a paren; kept total without a panic.
fn unreachable_paren() -> Node {
    Node::Lit(Value::Null)
}

fn agg_spec(
    plan: &mut Plan,
    schema: &Schema<'_>,
    name: &str,
    args: &[Expr],
) -> Result<AggSpec, ExecError> {
    let fast = match name {
        "count" => Some(Fast::Count),
        "sum" => Some(Fast::Sum),
        "mean" => Some(Fast::Mean),
        "min" => Some(Fast::Min),
        "max" => Some(Fast::Max),
        "first" => Some(Fast::First),
        "last" => Some(Fast::Last),
        _ => None,
    };
    let simple = matches!(args, [a] if matches!(a.unparen(), Expr::VarRef { .. }));
    let call = match (fast, simple, AggregateFn::from_name(name)) {
        (Some(_), true, Some(func)) => AggregateCall {
            func,
            field: args[0].unparen().clone(),
            number: None,
            tags: Vec::new(),
            accuracy: None,
        },
        (Some(_), false, _) if args.len() != 1 => {
            return Err(ExecError::Invalid(format!(
                "invalid number of arguments for {name}, expected 1, got {}",
                args.len()
            )));
        }
        _ => AggregateCall::new(name, args)?
            .ok_or_else(|| ExecError::Invalid(format!("undefined function {name}()")))?,
    };
    let field = match call.field.unparen() {
        Expr::VarRef { name, .. } => name.clone(),
        _ => {
            return Err(ExecError::Invalid(format!(
                "expected field argument in {name}()"
            )));
        }
    };
    let sketch_field = schema
        .fields
        .iter()
        .any(|(n, t)| *n == field && *t == FieldType::Sketch);
    let fast = if builds_sketch(call.func) || (sketch_field && merges_sketches(call.func)) {
        Some(Fast::Sketch)
    } else if simple {
        fast
    } else {
        None
    };
    Ok(AggSpec {
        fast,
        scan: plan.scan_index(&field),
        call,
        group_tags: Vec::new(),
    })
}

/// For `top`/`bottom` with tag arguments: per fine group (`tags_of[g]` = the values of
/// [`Plan::tag_keys`] in group `g`), an id of its combination of the call's tag values; `None`
/// for every other call.
pub(super) fn top_tag_groups(spec: &AggSpec, tags_of: &[Vec<String>]) -> Option<Vec<u32>> {
    if spec.call.tags.is_empty() {
        return None;
    }
    let mut ids: HashMap<Vec<&str>, u32> = HashMap::new();
    Some(
        tags_of
            .iter()
            .map(|t| {
                let key: Vec<&str> = spec
                    .group_tags
                    .iter()
                    .map(|&k| t.get(k).map_or("", String::as_str))
                    .collect();
                let next = ids.len() as u32;
                *ids.entry(key).or_insert(next)
            })
            .collect(),
    )
}

/// InfluxDB's column name of an expression: a call's function name, a field's name, and for a
/// binary expression the names of its calls and fields joined by `_`.
pub(super) fn column_name(e: &Expr) -> String {
    match e.unparen() {
        Expr::VarRef { name, .. } => name.clone(),
        Expr::Call { name, .. } => name.to_ascii_lowercase(),
        Expr::Binary { .. } => {
            let mut names = Vec::new();
            binary_names(e, &mut names);
            names.join("_")
        }
        _ => String::new(),
    }
}

fn binary_names(e: &Expr, out: &mut Vec<String>) {
    match e.unparen() {
        Expr::VarRef { name, .. } => out.push(name.clone()),
        Expr::Call { name, .. } => out.push(name.to_ascii_lowercase()),
        Expr::Binary { lhs, rhs, .. } => {
            binary_names(lhs, out);
            binary_names(rhs, out);
        }
        _ => {}
    }
}

fn contains_agg(plan: &Plan, n: &Node) -> bool {
    match n {
        Node::Leaf(i) => matches!(plan.leaves.get(*i), Some(Leaf::Agg(_))),
        Node::Lit(_) => false,
        Node::Binary(_, a, b) => contains_agg(plan, a) || contains_agg(plan, b),
        Node::Math(_, args) => args.iter().any(|a| contains_agg(plan, a)),
        Node::Transform(_, inner) => contains_agg(plan, inner),
    }
}

/// Whether `n` reads anything (a field, tag or call) rather than only literals.
fn has_leaf(n: &Node) -> bool {
    match n {
        Node::Leaf(_) => true,
        Node::Lit(_) => false,
        Node::Binary(_, a, b) => has_leaf(a) || has_leaf(b),
        Node::Math(_, args) => args.iter().any(has_leaf),
        Node::Transform(_, inner) => has_leaf(inner),
    }
}

fn validate(plan: &Plan, schema: &Schema<'_>, empty: EmptyExpansions) -> Result<(), ExecError> {
    if plan.columns.is_empty() && !empty.raw && !empty.agg {
        return Err(ExecError::Invalid(
            "at least 1 non-time field must be queried".into(),
        ));
    }
    // `distinct()` answers several rows per bucket: nothing may stand beside it.
    let distinct = plan
        .agg_specs()
        .any(|a| a.call.func == AggregateFn::Distinct);
    if distinct && plan.columns.len() + usize::from(empty.raw || empty.agg) > 1 {
        return Err(ExecError::Invalid(
            "aggregate function distinct() cannot be combined with other functions or fields"
                .into(),
        ));
    }
    for c in &plan.columns {
        if !has_leaf(&c.node) {
            return Err(ExecError::Invalid(
                "field must contain at least one variable".into(),
            ));
        }
        if let Node::Transform(call, inner) = &c.node {
            let agg = contains_agg(plan, inner);
            if schema.group_by_time && !agg {
                return Err(ExecError::Invalid(format!(
                    "aggregate function required inside the call to {}",
                    call.name()
                )));
            }
            if agg && !schema.group_by_time {
                return Err(ExecError::Invalid(format!(
                    "{} aggregate requires a GROUP BY interval",
                    call.name()
                )));
            }
        }
    }
    // A raw transformation (`derivative(v)`) beside a plain field is InfluxDB's "mixing" error.
    let raw_transform = plan
        .columns
        .iter()
        .any(|c| matches!(&c.node, Node::Transform(_, inner) if !contains_agg(plan, inner)));
    if raw_transform
        && plan
            .columns
            .iter()
            .any(|c| !matches!(c.node, Node::Transform(..)))
    {
        return Err(ExecError::Invalid(
            "mixing aggregate and non-aggregate queries is not supported".into(),
        ));
    }
    let fields = plan
        .leaves
        .iter()
        .filter(|l| matches!(l, Leaf::Field { .. }))
        .count();
    let tags = plan
        .leaves
        .iter()
        .filter(|l| matches!(l, Leaf::Tag { .. }))
        .count();
    let mut specs = plan.agg_specs();
    let first = specs.next();
    let single_selector =
        first.is_some_and(|a| a.call.func.is_selector()) && specs.next().is_none();
    if empty.agg && first.is_none() && (fields > 0 || tags > 0 || empty.raw) {
        return Err(ExecError::Invalid(
            "mixing aggregate and non-aggregate queries is not supported".into(),
        ));
    }
    if let Some(a) = first {
        if (fields > 0 || tags > 0 || empty.raw) && !single_selector {
            return Err(ExecError::Invalid(
                "mixing aggregate and non-aggregate queries is not supported".into(),
            ));
        }
        let multi = matches!(
            a.call.func,
            AggregateFn::Top | AggregateFn::Bottom | AggregateFn::Sample | AggregateFn::Distinct
        );
        if multi && plan.aggs.len() > 1 {
            return Err(ExecError::Invalid(format!(
                "selector function {}() cannot be combined with other functions",
                a.call.func.name()
            )));
        }
    } else if schema.group_by_time && !empty.agg {
        return Err(ExecError::Invalid(
            "GROUP BY requires at least one aggregate function".into(),
        ));
    }
    Ok(())
}

/// Duplicate column names get `_1`, `_2`, … suffixes (InfluxDB's rule).
fn dedupe(cols: &mut [Column]) {
    let mut seen: HashSet<String> = HashSet::new();
    for c in cols.iter_mut() {
        if !seen.insert(c.name.clone()) {
            let mut n = 1;
            while seen.contains(&format!("{}_{n}", c.name)) {
                n += 1;
            }
            c.name = format!("{}_{n}", c.name);
            seen.insert(c.name.clone());
        }
    }
}
