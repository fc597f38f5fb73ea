//! A native evaluator for the simple condition leaves law is mostly made of
//! (`person.secret_holder`, `trip.purpose == "transit"`,
//! `age_on(person.birth_date, date) >= 18`, `"x" in application.documents`),
//! compiled from the rhai AST at load time. Running rhai for each of these
//! costs a fresh runtime state per call; this does the same comparison on
//! the case's values directly. Anything it does not recognise stays with
//! rhai, so it is an optimisation, never a second language: for the shapes
//! it accepts it gives exactly rhai's answers (tested side by side).

use chrono::NaiveDate;
use rhai::Expr;

use super::dates;
use crate::rules::model::Val;

/// A compiled leaf.
#[derive(Debug, Clone, PartialEq)]
pub enum Native {
    /// A yes/no term used as a condition: `person.secret_holder`.
    Truthy(Term),
    /// `a OP b` for `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Cmp(Op, Term, Term),
    /// `x in ["a", "b"]`.
    InLiterals(Term, Vec<String>),
    /// `"a" in list_fact`.
    ListContains(Term, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Fact(FactRef),
    Date,
    Str(String),
    Int(i64),
    Bool(bool),
    Unit,
    Call(DateFn, Box<Term>, Box<Term>),
    /// Integer `+` or `-`: `days_between(a, b) + 1`.
    Arith(ArithOp, Box<Term>, Box<Term>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFn {
    AddDays,
    AddMonths,
    AddYears,
    DaysBetween,
    AgeOn,
}

/// A fact a term reads: its name, and its number in the tree's declared
/// facts, filled in once the tree is loaded (`plan`) so that evaluation
/// looks facts up by position rather than by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRef {
    pub name: String,
    pub id: usize,
}

/// Where native evaluation finds a case's facts: by name in a map (tests,
/// tools), or by number in the evaluator's table (the fast path).
pub trait FactSource {
    fn fact(&self, f: &FactRef) -> Option<&Val>;
}

impl FactSource for std::collections::BTreeMap<String, Val> {
    fn fact(&self, f: &FactRef) -> Option<&Val> {
        self.get(&f.name)
    }
}

/// A case's facts by number: `None` for a fact the case leaves out.
pub struct Slots<'a>(pub &'a [Option<&'a Val>]);

impl FactSource for Slots<'_> {
    fn fact(&self, f: &FactRef) -> Option<&Val> {
        self.0.get(f.id).copied().flatten()
    }
}

/// A value during native evaluation, borrowed from the case where it can be.
#[derive(Debug, Clone, PartialEq)]
enum V<'a> {
    Unit,
    Bool(bool),
    Int(i64),
    Date(NaiveDate),
    Str(&'a str),
    List(&'a [String]),
}

/// Why native evaluation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeError {
    /// Failed the way rhai would have (a function not found for these
    /// types, a mixed-type comparison, date overflow): the caller treats it
    /// exactly like a rhai error.
    Fail(String),
    /// Values of a shape this evaluator does not mirror (lists compared,
    /// a string searched): the caller asks rhai.
    Unsupported,
}

impl Native {
    /// Numbers the facts the leaf reads (see `FactRef`).
    pub fn number_facts(&mut self, id_of: &dyn Fn(&str) -> Option<usize>) {
        match self {
            Native::Truthy(t) | Native::InLiterals(t, _) | Native::ListContains(t, _) => {
                t.number_facts(id_of)
            }
            Native::Cmp(_, a, b) => {
                a.number_facts(id_of);
                b.number_facts(id_of);
            }
        }
    }
}

impl Term {
    /// Numbers the facts the term reads (see `FactRef`).
    pub fn number_facts(&mut self, id_of: &dyn Fn(&str) -> Option<usize>) {
        match self {
            Term::Fact(f) => {
                if let Some(id) = id_of(&f.name) {
                    f.id = id;
                }
            }
            Term::Call(_, a, b) | Term::Arith(_, a, b) => {
                a.number_facts(id_of);
                b.number_facts(id_of);
            }
            Term::Date | Term::Str(_) | Term::Int(_) | Term::Bool(_) | Term::Unit => {}
        }
    }
}

/// Compiles a leaf, if it has a shape this evaluator knows.
pub fn compile(expr: &Expr, groups: &[String]) -> Option<Native> {
    match expr {
        Expr::FnCall(call, _) => {
            let name = call.name.as_str();
            let [a, b] = call.args.as_slice() else {
                return truthy(expr, groups);
            };
            let op = match name {
                "==" => Some(Op::Eq),
                "!=" => Some(Op::Ne),
                "<" => Some(Op::Lt),
                "<=" => Some(Op::Le),
                ">" => Some(Op::Gt),
                ">=" => Some(Op::Ge),
                _ => None,
            };
            if let Some(op) = op {
                return Some(Native::Cmp(op, term(a, groups)?, term(b, groups)?));
            }
            if name == "contains" {
                // `x in y` is `contains(y, x)`.
                if let Expr::Array(items, _) = a {
                    let lits = items
                        .iter()
                        .map(|i| match i {
                            Expr::StringConstant(s, _) => Some(s.to_string()),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?;
                    return Some(Native::InLiterals(term(b, groups)?, lits));
                }
                if let (Expr::StringConstant(s, _), list @ Term::Fact(..)) = (b, term(a, groups)?) {
                    return Some(Native::ListContains(list, s.to_string()));
                }
                return None;
            }
            truthy(expr, groups)
        }
        _ => truthy(expr, groups),
    }
}

fn truthy(expr: &Expr, groups: &[String]) -> Option<Native> {
    match term(expr, groups)? {
        t @ (Term::Fact(..) | Term::Bool(_)) => Some(Native::Truthy(t)),
        _ => None,
    }
}

/// Compiles a computed value (`then: {expr: ...}`), if its shape allows.
pub fn compile_term(expr: &Expr, groups: &[String]) -> Option<Term> {
    term(expr, groups)
}

/// Computes a value natively; `Unsupported` leaves it to rhai.
pub fn eval_term<F: FactSource + ?Sized>(
    t: &Term,
    facts: &F,
    date: NaiveDate,
) -> Result<Val, NativeError> {
    Ok(match value(t, facts, date)? {
        V::Unit => Val::Null,
        V::Bool(b) => Val::Bool(b),
        V::Int(i) => Val::Int(i),
        V::Date(d) => Val::Date(d),
        V::Str(s) => Val::Str(s.to_string()),
        V::List(items) => Val::List(items.to_vec()),
    })
}

fn term(expr: &Expr, groups: &[String]) -> Option<Term> {
    match expr {
        Expr::StringConstant(s, _) => Some(Term::Str(s.to_string())),
        Expr::IntegerConstant(i, _) => Some(Term::Int(*i)),
        Expr::BoolConstant(b, _) => Some(Term::Bool(*b)),
        Expr::Unit(_) => Some(Term::Unit),
        Expr::Variable(v, _, _) if v.1.as_str() == super::analysis::DATE_VARIABLE => {
            Some(Term::Date)
        }
        Expr::Dot(bin, _, _) => {
            let Expr::Variable(v, _, _) = &bin.lhs else {
                return None;
            };
            let group = v.1.as_str();
            if !groups.iter().any(|g| g == group) {
                return None;
            }
            match &bin.rhs {
                Expr::Property(p, _) => Some(Term::Fact(FactRef {
                    name: format!("{group}.{}", p.2),
                    // Numbered by `plan` once every fact is declared.
                    id: usize::MAX,
                })),
                // Method syntax (`person.birth_date.age_on(date)`) stays with rhai.
                _ => None,
            }
        }
        Expr::FnCall(call, _) if matches!(call.name.as_str(), "+" | "-") => {
            let [a, b] = call.args.as_slice() else {
                return None;
            };
            let op = if call.name.as_str() == "+" {
                ArithOp::Add
            } else {
                ArithOp::Sub
            };
            Some(Term::Arith(
                op,
                Box::new(term(a, groups)?),
                Box::new(term(b, groups)?),
            ))
        }
        Expr::FnCall(call, _) => {
            let f = match call.name.as_str() {
                "add_days" => DateFn::AddDays,
                "add_months" => DateFn::AddMonths,
                "add_years" => DateFn::AddYears,
                "days_between" => DateFn::DaysBetween,
                "age_on" => DateFn::AgeOn,
                _ => return None,
            };
            let [a, b] = call.args.as_slice() else {
                return None;
            };
            Some(Term::Call(
                f,
                Box::new(term(a, groups)?),
                Box::new(term(b, groups)?),
            ))
        }
        _ => None,
    }
}

/// Evaluates a compiled leaf on the case's facts: `Some(true/false)`, or
/// `None` for a condition that gave `()` (a null yes/no fact).
pub fn eval<F: FactSource + ?Sized>(
    n: &Native,
    facts: &F,
    date: NaiveDate,
) -> Result<Option<bool>, NativeError> {
    match n {
        Native::Truthy(t) => match value(t, facts, date)? {
            V::Bool(b) => Ok(Some(b)),
            V::Unit => Ok(None),
            V::List(_) => Err(NativeError::Unsupported),
            other => Err(NativeError::Fail(format!(
                "a condition must be true or false, but this part gave {}",
                kind(&other)
            ))),
        },
        Native::Cmp(op, a, b) => {
            compare(*op, value(a, facts, date)?, value(b, facts, date)?).map(Some)
        }
        Native::InLiterals(t, lits) => match value(t, facts, date)? {
            V::Str(s) => Ok(Some(lits.iter().any(|l| l == s))),
            V::Unit => Ok(Some(false)),
            V::List(_) => Err(NativeError::Unsupported),
            other => Err(NativeError::Fail(format!(
                "cannot compare {} with a string using `==`",
                kind(&other)
            ))),
        },
        Native::ListContains(t, lit) => match value(t, facts, date)? {
            V::List(items) => Ok(Some(items.iter().any(|i| i == lit))),
            // rhai has no `contains` for `()`: the same failure.
            V::Unit => Err(NativeError::Fail(
                "function not found: contains ((), string)".to_string(),
            )),
            // `contains` on a string searches it: rhai's business.
            _ => Err(NativeError::Unsupported),
        },
    }
}

fn kind(v: &V) -> &'static str {
    match v {
        V::Unit => "()",
        V::Bool(_) => "true or false",
        V::Int(_) => "an integer",
        V::Date(_) => "a date",
        V::Str(_) => "a string",
        V::List(_) => "a list",
    }
}

fn value<'a, F: FactSource + ?Sized>(
    t: &'a Term,
    facts: &'a F,
    date: NaiveDate,
) -> Result<V<'a>, NativeError> {
    Ok(match t {
        Term::Fact(f) => match facts.fact(f) {
            Some(Val::Null) | None => V::Unit,
            Some(Val::Bool(b)) => V::Bool(*b),
            Some(Val::Int(i)) => V::Int(*i),
            Some(Val::Date(d)) => V::Date(*d),
            Some(Val::Str(s)) => V::Str(s),
            Some(Val::List(items)) => V::List(items),
        },
        Term::Date => V::Date(date),
        Term::Str(s) => V::Str(s),
        Term::Int(i) => V::Int(*i),
        Term::Bool(b) => V::Bool(*b),
        Term::Unit => V::Unit,
        Term::Arith(op, a, b) => match (value(a, facts, date)?, value(b, facts, date)?) {
            (V::Int(x), V::Int(y)) => {
                let r = match op {
                    ArithOp::Add => x.checked_add(y),
                    ArithOp::Sub => x.checked_sub(y),
                };
                V::Int(r.ok_or_else(|| NativeError::Fail("arithmetic overflow".to_string()))?)
            }
            (V::Unit, _) | (_, V::Unit) => {
                return Err(NativeError::Fail(
                    "function not found for these types".to_string(),
                ));
            }
            // Strings, dates and lists have their own `+` in rhai.
            _ => return Err(NativeError::Unsupported),
        },
        Term::Call(f, a, b) => {
            let (a, b) = (value(a, facts, date)?, value(b, facts, date)?);
            if matches!(a, V::List(_)) || matches!(b, V::List(_)) {
                return Err(NativeError::Unsupported);
            }
            let missing = || NativeError::Fail("function not found for these types".to_string());
            match (f, a, b) {
                (DateFn::AddDays, V::Date(d), V::Int(n)) => {
                    V::Date(dates::add_days(d, n).ok_or_else(overflow)?)
                }
                (DateFn::AddMonths, V::Date(d), V::Int(n)) => {
                    V::Date(dates::add_months(d, n).ok_or_else(overflow)?)
                }
                (DateFn::AddYears, V::Date(d), V::Int(n)) => {
                    V::Date(dates::add_years(d, n).ok_or_else(overflow)?)
                }
                (DateFn::DaysBetween, V::Date(x), V::Date(y)) => V::Int(dates::days_between(x, y)),
                (DateFn::AgeOn, V::Date(x), V::Date(y)) => V::Int(dates::age_on(x, y)),
                _ => return Err(missing()),
            }
        }
    })
}

fn overflow() -> NativeError {
    NativeError::Fail("date arithmetic out of range".to_string())
}

/// rhai's comparison rules with inforce's refusals of mixed types
/// (`sandbox::refuse_mixed_comparisons`): `()` equals only `()` and orders
/// with nothing; values of two different types are an error.
fn compare(op: Op, a: V, b: V) -> Result<bool, NativeError> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (&a, &b) {
        (V::Unit, V::Unit) => {
            return Ok(match op {
                Op::Eq => true,
                Op::Ne => false,
                _ => false,
            });
        }
        (V::Unit, _) | (_, V::Unit) => return Ok(op == Op::Ne),
        // Lists compare element by element in rhai; leave them to it.
        (V::List(_), _) | (_, V::List(_)) => return Err(NativeError::Unsupported),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::Date(x), V::Date(y)) => Some(x.cmp(y)),
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let Some(ord) = ord else {
        return Err(NativeError::Fail(format!(
            "cannot compare {} with {}",
            kind(&a),
            kind(&b)
        )));
    };
    Ok(match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use crate::script::{analysis, sandbox};
    use proptest::prelude::*;
    use rhai::{Dynamic, Map, Scope, Stmt};
    use std::collections::BTreeMap;

    const EXPRS: &[&str] = &[
        "f.b",
        "f.s == \"a\"",
        "f.s != \"a\"",
        "\"a\" == f.s",
        "f.i >= 3",
        "f.i < f.j",
        "f.d < date",
        "date >= add_years(f.d, 5)",
        "date < add_months(f.d, 1)",
        "add_days(f.d, 5) == date",
        "age_on(f.d, date) >= 18",
        "days_between(f.d, date) > 30",
        "f.s in [\"a\", \"b\"]",
        "\"a\" in f.l",
        "f.d == ()",
        "f.d != ()",
        "f.s < \"b\"",
        "f.b == true",
        "f.i == f.s",
        "f.d > f.i",
        "days_between(f.d, date) + 1 > 5",
        "f.i - 1 == f.j",
        "f.i + f.j <= 30",
    ];

    fn arb_val() -> impl Strategy<Value = Val> {
        prop_oneof![
            Just(Val::Null),
            any::<bool>().prop_map(Val::Bool),
            (-5i64..40).prop_map(Val::Int),
            (0i64..20_000).prop_map(|n| Val::Date(
                NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(n)
            )),
            prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(|s| Val::Str(s.to_string())),
            prop::collection::vec(
                prop_oneof![Just("a".to_string()), Just("b".to_string())],
                0..3
            )
            .prop_map(Val::List),
        ]
    }

    fn to_dynamic(v: &Val) -> Dynamic {
        match v {
            Val::Null => Dynamic::UNIT,
            Val::Bool(b) => Dynamic::from(*b),
            Val::Int(i) => Dynamic::from(*i),
            Val::Date(d) => Dynamic::from(*d),
            Val::Str(s) => Dynamic::from(s.clone()),
            Val::List(items) => Dynamic::from(
                items
                    .iter()
                    .map(|s| Dynamic::from(s.clone()))
                    .collect::<rhai::Array>(),
            ),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn the_native_evaluator_agrees_with_rhai_on_every_shape_it_accepts(
            b in arb_val(), s in arb_val(), i in arb_val(), j in arb_val(), d in arb_val(), l in arb_val(),
            day in 0i64..20_000,
        ) {
            let engine = sandbox::engine();
            let groups = vec!["f".to_string()];
            let scope = analysis::compile_scope(&groups);
            let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(day);
            let mut facts = BTreeMap::new();
            for (k, v) in [("b", &b), ("s", &s), ("i", &i), ("j", &j), ("d", &d), ("l", &l)] {
                facts.insert(format!("f.{k}"), v.clone());
            }
            let mut map = Map::new();
            for (k, v) in &facts {
                map.insert(k.trim_start_matches("f.").into(), to_dynamic(v));
            }
            for text in EXPRS {
                let compiled = analysis::compile(&engine, &scope, text, &groups, &analysis::Functions::of(&engine)).unwrap();
                let [Stmt::Expr(expr)] = compiled.ast.statements() else { panic!() };
                let native = compile(expr, &groups).unwrap_or_else(|| panic!("`{text}` not compiled"));
                let mut run_scope = Scope::new();
                run_scope.push("f", map.clone());
                run_scope.push("date", date);
                let by_rhai = engine.eval_ast_with_scope::<Dynamic>(&mut run_scope, &compiled.ast);
                match eval(&native, &facts, date) {
                    Err(NativeError::Unsupported) => {}
                    Ok(Some(v)) => prop_assert_eq!(by_rhai.as_ref().ok().and_then(|d| d.as_bool().ok()), Some(v), "{} with {:?}", text, facts),
                    Ok(None) => prop_assert!(by_rhai.as_ref().is_ok_and(|d| d.is_unit()), "{} with {:?}: {:?}", text, facts, by_rhai),
                    Err(NativeError::Fail(m)) => prop_assert!(
                        by_rhai.is_err() || by_rhai.as_ref().is_ok_and(|d| !d.is_bool() && !d.is_unit()),
                        "{} with {:?}: native failed ({}) but rhai gave {:?}", text, facts, m, by_rhai
                    ),
                }
            }
        }
    }

    #[test]
    fn shapes_outside_the_simple_ones_stay_with_rhai() {
        let engine = sandbox::engine();
        let groups = vec!["f".to_string()];
        let scope = analysis::compile_scope(&groups);
        for text in [
            "f.s.len() > 2",
            "f.d.age_on(date) >= 18",
            "[1, 2].len() == 2",
            "f.l == [\"a\"]",
        ] {
            let compiled = analysis::compile(
                &engine,
                &scope,
                text,
                &groups,
                &analysis::Functions::of(&engine),
            )
            .unwrap();
            let [Stmt::Expr(expr)] = compiled.ast.statements() else {
                panic!()
            };
            assert_eq!(compile(expr, &groups), None, "{text}");
        }
    }
}
