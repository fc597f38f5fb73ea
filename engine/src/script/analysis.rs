//! Compiles a rule's script once, at load time, and reads its AST: which
//! facts it reads (and where, for diagnostics), and the `&&` / `||` / `!`
//! skeleton of a condition, so that evaluation can apply three-valued logic
//! with each leaf evaluated on its own. Not here: evaluating (see `eval`).

use rhai::{AST, ASTNode, Engine, Expr, Module, Position, Scope, Stmt};

/// The groups facts live in, as rhai variables: `person.birth_date`.
/// Plus `date`, the date the case is evaluated on.
pub const DATE_VARIABLE: &str = "date";

/// A read of a fact in a script, where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRead {
    /// The fact read, by name.
    pub name: String,
    /// 1-based line and column in the script.
    pub line: usize,
    /// 1-based column in the script.
    pub column: usize,
}

/// A compiled script: its AST, the facts it reads, and the comparisons of
/// a fact with a literal (checked against the fact's declaration at load).
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The script compiled.
    pub ast: AST,
    /// Every read of a fact, in the order written.
    pub reads: Vec<FactRead>,
    /// Every comparison of a fact with a literal.
    pub comparisons: Vec<Comparison>,
}

/// `fact OP literal`, `literal in fact` or `fact in [literals]`: a literal
/// of the wrong type, or a value the fact never takes, makes the comparison
/// silently constant, so `check` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The fact compared.
    pub fact: String,
    /// The operator as written: `==`, `<`, `in`.
    pub op: String,
    /// The literal it is compared with.
    pub literal: Lit,
    /// Where the literal was written, 1-based, in the script.
    pub line: usize,
    /// 1-based column of the literal in the script.
    pub column: usize,
}

/// A literal a script compares a fact with.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// A string literal.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// `()`: the value of a fact whose `null` means none.
    Unit,
}

impl Lit {
    /// What the literal is, in words for messages: "a string".
    pub fn kind(&self) -> &'static str {
        match self {
            Lit::Str(_) => "a string",
            Lit::Int(_) => "an integer",
            Lit::Bool(_) => "true or false",
            Lit::Unit => "`()`",
        }
    }
}

/// The boolean skeleton of a condition. Leaves are compiled sub-expressions
/// with the facts each reads, so a leaf that needs an unknown fact is
/// unknown without being run.
#[derive(Debug, Clone)]
pub enum Cond {
    /// A part with no `&&`, `||` or `!` at its top, run on its own.
    Leaf(Leaf),
    /// True when every part is true.
    And(Vec<Cond>),
    /// True when any part is true.
    Or(Vec<Cond>),
    /// True when the part is false.
    Not(Box<Cond>),
}

impl Cond {
    /// Every leaf of the condition, left to right: what it reads, by part.
    pub fn leaves(&self) -> Vec<&Leaf> {
        fn walk<'c>(c: &'c Cond, out: &mut Vec<&'c Leaf>) {
            match c {
                Cond::Leaf(leaf) => out.push(leaf),
                Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| walk(p, out)),
                Cond::Not(inner) => walk(inner, out),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

/// A part of a condition, compiled on its own, with the facts it reads.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The part compiled.
    pub ast: AST,
    /// The facts the leaf reads.
    pub reads: Vec<String>,
    /// The same facts by number in the tree's declared facts, given as the
    /// leaf is compiled (`skeleton`): evaluation checks them by position.
    pub read_ids: Vec<crate::rules::model::FactId>,
    /// Whether it reads `date`: only such leaves can change from day to day.
    pub reads_date: bool,
    /// The same leaf compiled for the native evaluator, if its shape allows.
    pub native: Option<super::native::Native>,
    /// Number of the leaf in the tree, given as the rules load
    /// (`LeafNumbers` in `rules::load`): leaves of the same native shape, written at
    /// the same place of their scripts, share one, as they give the same
    /// answer and the same failure on any case. [`UNNUMBERED`] until then.
    pub id: usize,
}

/// A leaf's `id` before the loader numbers it.
pub const UNNUMBERED: usize = usize::MAX;

impl Cond {
    /// Every leaf of the condition, left to right, to change.
    pub fn leaves_mut(&mut self) -> Vec<&mut Leaf> {
        fn walk<'c>(c: &'c mut Cond, out: &mut Vec<&'c mut Leaf>) {
            match c {
                Cond::Leaf(leaf) => out.push(leaf),
                Cond::And(parts) | Cond::Or(parts) => parts.iter_mut().for_each(|p| walk(p, out)),
                Cond::Not(inner) => walk(inner, out),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

/// A script error at a position inside the script.
#[derive(Debug, Clone)]
pub struct ScriptError {
    /// What is wrong with the script.
    pub message: String,
    /// 1-based line in the script.
    pub line: usize,
    /// 1-based column in the script.
    pub column: usize,
    /// Set when the script would change a fact or `date` (or declare a
    /// variable of that name): the name it would change.
    pub changes: Option<String>,
}

/// The scope scripts are compiled against: the fact groups and `date`, all
/// `()`; values come only at evaluation (so nothing is folded at compile time).
pub fn compile_scope(groups: &[String]) -> Scope<'static> {
    let mut scope = Scope::new();
    for g in groups {
        scope.push_constant(g.clone(), ());
    }
    scope.push_constant(DATE_VARIABLE, ());
    scope
}

/// The functions a script may call: name → the numbers of arguments it
/// takes (a method's object counts as one). Read once per load from the
/// sandboxed engine, so that `check` refuses a call to a function that
/// does not exist (`env()`, `sleep()`) instead of leaving it to fail at
/// evaluation.
#[derive(Debug, Clone, Default)]
pub struct Functions {
    arities: std::collections::BTreeMap<String, std::collections::BTreeSet<usize>>,
}

/// Functions rhai provides itself, outside any package.
const BUILT_IN: [(&str, usize); 7] = [
    ("type_of", 1),
    ("is_def_var", 1),
    ("is_def_fn", 2),
    ("is_shared", 1),
    ("Fn", 1),
    ("call", 1),
    ("curry", 2),
];

impl Functions {
    /// The functions `engine` lets a script call, with the numbers of arguments each takes.
    pub fn of(engine: &Engine) -> Functions {
        let mut arities: std::collections::BTreeMap<String, std::collections::BTreeSet<usize>> =
            std::collections::BTreeMap::new();
        for sig in engine.gen_fn_signatures(true) {
            let Some((name, rest)) = sig.split_once('(') else {
                continue;
            };
            // Parameters up to the matching `)`, commas counted outside
            // nested brackets (`Result<A, B>` is one type).
            let (mut depth, mut commas, mut empty) = (0i32, 0usize, true);
            for c in rest.chars() {
                match c {
                    '(' | '<' | '[' => depth += 1,
                    ')' if depth == 0 => break,
                    ')' | '>' | ']' => depth -= 1,
                    ',' if depth == 0 => commas += 1,
                    c if !c.is_whitespace() => empty = false,
                    _ => {}
                }
            }
            let n = if empty { 0 } else { commas + 1 };
            arities
                .entry(name.trim().to_string())
                .or_default()
                .insert(n);
        }
        for (name, n) in BUILT_IN {
            arities.entry(name.to_string()).or_default().insert(n);
        }
        Functions { arities }
    }

    /// What is wrong with calling `name` with `n` arguments, if anything.
    fn problem(&self, name: &str, n: usize) -> Option<String> {
        // Operators (`+`, `==`, `..`) are rhai's own and always resolve.
        if !name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            return None;
        }
        match self.arities.get(name) {
            Some(ns) if ns.contains(&n) => None,
            Some(ns) => Some(format!(
                "`{name}` takes {} argument{}, not {n}",
                ns.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                if ns.len() == 1 && ns.contains(&1) {
                    ""
                } else {
                    "s"
                }
            )),
            None => {
                let near = crate::diagnostics::closest(
                    name,
                    self.arities
                        .keys()
                        .map(String::as_str)
                        .filter(|k| k.chars().next().is_some_and(char::is_alphabetic)),
                );
                Some(match near {
                    Some(near) => format!("no function `{name}` exists (did you mean `{near}`?)"),
                    None => format!("no function `{name}` exists"),
                })
            }
        }
    }
}

/// Calls of functions that do not exist, or with the wrong number of
/// arguments, in `ast`.
fn unknown_calls(ast: &AST, functions: &Functions) -> Vec<ScriptError> {
    let mut out = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let (call, pos, method) = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => (call, *pos, false),
            Some(ASTNode::Expr(Expr::MethodCall(call, pos))) => (call, *pos, true),
            _ => return true,
        };
        let n = call.args.len() + usize::from(method);
        if let Some(message) = functions.problem(call.name.as_str(), n) {
            out.push(ScriptError {
                message,
                line: pos.line().unwrap_or(1),
                column: pos.position().unwrap_or(1),
                changes: None,
            });
        }
        true
    });
    out
}

/// Compiles a script and lists the facts it reads.
pub fn compile(
    engine: &Engine,
    scope: &Scope,
    script: &str,
    groups: &[String],
    functions: &Functions,
) -> Result<Compiled, Vec<ScriptError>> {
    let ast = engine.compile_with_scope(scope, script).map_err(|e| {
        let pos = e.position();
        vec![ScriptError {
            message: crate::diagnostics::lower_first(e.err_type().to_string()),
            line: pos.line().unwrap_or(1),
            column: pos.position().unwrap_or(1),
            changes: None,
        }]
    })?;
    let mut problems = constant_changes(&ast, groups);
    problems.extend(unknown_calls(&ast, functions));
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut reads = Vec::new();
    let mut error: Option<ScriptError> = None;
    ast.walk(&mut |path: &[ASTNode]| {
        let Some(ASTNode::Expr(expr)) = path.last() else {
            return true;
        };
        match fact_read(expr, groups) {
            Some(Ok(read)) => reads.push(read),
            Some(Err(e)) => {
                error.get_or_insert(e);
            }
            None => {}
        }
        // A group variable must be the left side of a `.` or `[]` access:
        // `person` on its own would hand the whole group to the script,
        // hiding which facts it reads.
        if let Some((group, pos)) = variable(expr)
            && groups.iter().any(|g| g == group)
        {
            let accessed = match path.len().checked_sub(2).and_then(|i| path.get(i)) {
                Some(ASTNode::Expr(Expr::Dot(bin, ..) | Expr::Index(bin, ..))) => {
                    variable(&bin.lhs).is_some_and(|(_, p)| p == pos)
                }
                _ => false,
            };
            if !accessed {
                error.get_or_insert(ScriptError {
                    message: format!("read facts of `{group}` one by one, as `{group}.name`"),
                    line: pos.line().unwrap_or(1),
                    column: pos.position().unwrap_or(1),
                    changes: None,
                });
            }
        }
        true
    });
    if let Some(e) = error {
        return Err(vec![e]);
    }
    reads.dedup();
    let mut comparisons = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(Expr::FnCall(call, _))) = path.last() {
            comparisons.extend(comparison(call, groups));
        }
        true
    });
    Ok(Compiled {
        ast,
        reads,
        comparisons,
    })
}

/// Every place a script would change a fact or `date`: an assignment
/// (`=`, `+=`, …) to one of them or to a part of one, or a `let`/`const`
/// of that name, which would hide it from the rest of the script. Facts
/// and `date` are constants at evaluation too; this says so at `check`,
/// with the place.
fn constant_changes(ast: &AST, groups: &[String]) -> Vec<ScriptError> {
    let protected = |name: &str| name == DATE_VARIABLE || groups.iter().any(|g| g == name);
    let at = |name: String, pos: Position, message: String| ScriptError {
        message,
        line: pos.line().unwrap_or(1),
        column: pos.position().unwrap_or(1),
        changes: Some(name),
    };
    let mut out = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Assignment(x))) => {
                let target = &x.1.lhs;
                if let Some((root, pos)) = root_variable(target)
                    && protected(root)
                {
                    let name = match fact_read(target, groups) {
                        Some(Ok(read)) => read.name,
                        _ => root.to_string(),
                    };
                    out.push(at(
                        name.clone(),
                        pos,
                        format!("`{name}` cannot be changed by a script"),
                    ));
                }
            }
            Some(ASTNode::Stmt(Stmt::Var(x, _, _))) if protected(&x.0.name) => {
                let name = x.0.name.to_string();
                out.push(at(
                    name.clone(),
                    x.0.pos,
                    format!("`{name}` cannot be declared again by a script"),
                ));
            }
            _ => {}
        }
        true
    });
    out
}

/// The variable at the root of `a`, `a.b`, `a[b]`, `a.b[c]`, with its place.
fn root_variable(expr: &Expr) -> Option<(&str, Position)> {
    match expr {
        Expr::Variable(..) => variable(expr),
        Expr::Dot(bin, ..) | Expr::Index(bin, ..) => root_variable(&bin.lhs),
        _ => None,
    }
}

/// The fact a `group.name` expression reads, if `expr` is one.
fn fact_read(expr: &Expr, groups: &[String]) -> Option<Result<FactRead, ScriptError>> {
    match expr {
        Expr::Dot(bin, _, _) | Expr::Index(bin, _, _) => {
            let (group, pos) = variable(&bin.lhs)?;
            if !groups.iter().any(|g| g == group) {
                return None;
            }
            let name = match &bin.rhs {
                Expr::Property(p, _) => Some(p.2.to_string()),
                Expr::Dot(inner, _, _) | Expr::Index(inner, _, _) => match &inner.lhs {
                    Expr::Property(p, _) => Some(p.2.to_string()),
                    _ => None,
                },
                Expr::StringConstant(s, _) => Some(s.to_string()),
                _ => None,
            };
            Some(match name {
                Some(field) => Ok(FactRead {
                    name: format!("{group}.{field}"),
                    line: pos.line().unwrap_or(1),
                    column: pos.position().unwrap_or(1),
                }),
                None => Err(ScriptError {
                    message: format!("read facts of `{group}` one by one, as `{group}.name`"),
                    line: pos.line().unwrap_or(1),
                    column: pos.position().unwrap_or(1),
                    changes: None,
                }),
            })
        }
        _ => None,
    }
}

const COMPARISON_OPS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

/// The comparisons of a fact with literals in one call, if it is one.
fn comparison(call: &rhai::FnCallExpr, groups: &[String]) -> Vec<Comparison> {
    let name = call.name.as_str();
    let [a, b] = call.args.as_slice() else {
        return Vec::new();
    };
    let fact = |e: &Expr| match fact_read(e, groups) {
        Some(Ok(r)) => Some(r.name),
        _ => None,
    };
    let make = |f: String, lit: Lit, pos: Position| Comparison {
        fact: f,
        op: if name == "contains" {
            "in".to_string()
        } else {
            name.to_string()
        },
        literal: lit,
        line: pos.line().unwrap_or(1),
        column: pos.position().unwrap_or(1),
    };
    if COMPARISON_OPS.contains(&name) {
        return match (fact(a), literal(b), fact(b), literal(a)) {
            (Some(f), Some((lit, pos)), _, _) | (_, _, Some(f), Some((lit, pos))) => {
                vec![make(f, lit, pos)]
            }
            _ => Vec::new(),
        };
    }
    if name == "contains" {
        // `x in y` is `contains(y, x)`.
        if let (Expr::Array(items, _), Some(f)) = (a, fact(b)) {
            return items
                .iter()
                .filter_map(literal)
                .map(|(lit, pos)| make(f.clone(), lit, pos))
                .collect();
        }
        if let (Some(f), Some((lit, pos))) = (fact(a), literal(b)) {
            return vec![make(f, lit, pos)];
        }
    }
    Vec::new()
}

fn literal(e: &Expr) -> Option<(Lit, Position)> {
    match e {
        Expr::StringConstant(s, pos) => Some((Lit::Str(s.to_string()), *pos)),
        Expr::IntegerConstant(i, pos) => Some((Lit::Int(*i), *pos)),
        Expr::BoolConstant(b, pos) => Some((Lit::Bool(*b), *pos)),
        Expr::Unit(pos) => Some((Lit::Unit, *pos)),
        _ => None,
    }
}

fn variable(expr: &Expr) -> Option<(&str, Position)> {
    match expr {
        Expr::Variable(v, _, pos) => Some((v.1.as_str(), *pos)),
        _ => None,
    }
}

/// A fact's number in the tree being loaded (its place among the declared
/// facts), or `None` for a name that is not declared.
pub type FactId<'a> = &'a dyn Fn(&str) -> Option<crate::rules::model::FactId>;

/// Splits a condition into its boolean skeleton. Scripts that are not a
/// single expression (`let` bindings, loops) are one leaf. Each leaf gets
/// the numbers of the facts it reads (`fact_id`) here, as it is compiled.
pub fn skeleton(compiled: &Compiled, groups: &[String], fact_id: FactId) -> Cond {
    match compiled.ast.statements() {
        [Stmt::Expr(expr)] => split(expr, groups, fact_id),
        _ => {
            let (reads, reads_date) = leaf_reads(&compiled.ast, groups);
            Cond::Leaf(Leaf {
                ast: compiled.ast.clone(),
                read_ids: reads.iter().filter_map(|f| fact_id(f)).collect(),
                reads,
                reads_date,
                native: None,
                id: UNNUMBERED,
            })
        }
    }
}

fn split(expr: &Expr, groups: &[String], fact_id: FactId) -> Cond {
    let part = |e: &Expr| split(e, groups, fact_id);
    match expr {
        Expr::And(parts, _) => Cond::And(parts.iter().map(part).collect()),
        Expr::Or(parts, _) => Cond::Or(parts.iter().map(part).collect()),
        Expr::FnCall(call, _) if call.name.as_str() == "!" && call.args.len() == 1 => {
            match call.args.first() {
                Some(inner) => Cond::Not(Box::new(part(inner))),
                None => leaf(expr, groups, fact_id),
            }
        }
        _ => leaf(expr, groups, fact_id),
    }
}

fn leaf(expr: &Expr, groups: &[String], fact_id: FactId) -> Cond {
    let ast = AST::new([Stmt::Expr(Box::new(expr.clone()))], Module::new());
    let (reads, reads_date) = leaf_reads(&ast, groups);
    Cond::Leaf(Leaf {
        ast,
        read_ids: reads.iter().filter_map(|f| fact_id(f)).collect(),
        reads,
        reads_date,
        native: super::native::compile(expr, groups, fact_id),
        id: UNNUMBERED,
    })
}

/// The facts an AST reads, and whether it reads `date`.
pub fn leaf_reads(ast: &AST, groups: &[String]) -> (Vec<String>, bool) {
    let mut reads = Vec::new();
    let mut reads_date = false;
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(e)) = path.last() {
            if let Some(Ok(r)) = fact_read(e, groups)
                && !reads.contains(&r.name)
            {
                reads.push(r.name);
            }
            if matches!(variable(e), Some((DATE_VARIABLE, _))) {
                reads_date = true;
            }
        }
        true
    });
    (reads, reads_date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::sandbox;

    fn groups() -> Vec<String> {
        ["person", "trip"].map(String::from).to_vec()
    }

    fn compiled(script: &str) -> Result<Compiled, ScriptError> {
        let engine = sandbox::engine();
        compile(
            &engine,
            &compile_scope(&groups()),
            script,
            &groups(),
            &Functions::of(&engine),
        )
        .map_err(|mut e| e.remove(0))
    }

    fn names(c: &Compiled) -> Vec<&str> {
        c.reads.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn facts_read_through_properties_and_methods_are_found_with_their_positions() {
        let c =
            compiled("person.secret_holder &&\n  person.birth_date.age_on(date) >= 18").unwrap();
        assert_eq!(names(&c), vec!["person.secret_holder", "person.birth_date"]);
        assert_eq!((c.reads[1].line, c.reads[1].column), (2, 3));
    }

    #[test]
    fn facts_read_by_index_are_found() {
        assert_eq!(
            names(&compiled("trip[\"purpose\"] == \"x\"").unwrap()),
            vec!["trip.purpose"]
        );
    }

    #[test]
    fn a_whole_group_used_as_a_value_is_an_error() {
        let err = compiled("person == 1").unwrap_err();
        assert!(err.message.contains("one by one"), "{}", err.message);
    }

    #[test]
    fn a_syntax_error_carries_its_position_in_the_script() {
        let err = compiled("person.married &&\n  (trip.purpose == ").unwrap_err();
        assert_eq!(err.line, 2, "{err:?}");
    }

    #[test]
    fn an_unknown_variable_is_a_compile_error() {
        let err = compiled("persn.married").unwrap_err();
        assert!(err.message.contains("persn"), "{}", err.message);
    }

    #[test]
    fn the_skeleton_splits_and_or_and_not_into_leaves_with_their_reads() {
        let c = compiled("person.a && (!person.b || trip.c == 1)").unwrap();
        let Cond::And(parts) = skeleton(&c, &groups(), &|_| None) else {
            panic!()
        };
        assert!(matches!(&parts[0], Cond::Leaf(l) if l.reads == vec!["person.a"]));
        let Cond::Or(inner) = &parts[1] else { panic!() };
        assert!(matches!(&inner[0], Cond::Not(_)));
        assert!(matches!(&inner[1], Cond::Leaf(l) if l.reads == vec!["trip.c"]));
    }

    #[test]
    fn comparisons_of_facts_with_literals_are_found_in_either_order_and_in_lists() {
        let c = compiled("trip.purpose == \"x\" && 3 < person.n && person.k in [\"a\", \"b\"] && \"d\" in person.docs").unwrap();
        let found: Vec<(String, String, Lit)> = c
            .comparisons
            .iter()
            .map(|c| (c.fact.clone(), c.op.clone(), c.literal.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("trip.purpose".into(), "==".into(), Lit::Str("x".into())),
                ("person.n".into(), "<".into(), Lit::Int(3)),
                ("person.k".into(), "in".into(), Lit::Str("a".into())),
                ("person.k".into(), "in".into(), Lit::Str("b".into())),
                ("person.docs".into(), "in".into(), Lit::Str("d".into())),
            ]
        );
    }

    #[test]
    fn a_script_with_statements_is_a_single_leaf() {
        let c = compiled("let x = person.a; x").unwrap();
        assert!(matches!(skeleton(&c, &groups(), &|_| None), Cond::Leaf(_)));
    }
}
