//! A native evaluator for the simple condition leaves law is mostly made of
//! (`person.secret_holder`, `trip.purpose == "transit"`,
//! `age_on(person.birth_date, date) >= 18`, `"x" in application.documents`),
//! compiled from the rhai AST at load time. Running rhai for each of these
//! costs a fresh runtime state per call; this does the same comparison on
//! the case's values directly. Anything it does not recognise stays with
//! rhai, so it is an optimisation, never a second language: for the shapes
//! it accepts it gives exactly rhai's answers, and fails with exactly rhai's
//! messages (`Failure`), held so by the differential test in
//! `native_differential`. Not here: deciding what a leaf's unknown facts
//! mean, or running anything with loops, variables or methods.

use std::fmt;

use chrono::NaiveDate;
use rhai::{Dynamic, EvalAltResult, Expr, Position};

use super::dates;
use crate::rules::model::Value;

/// A compiled leaf.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Native {
    /// A yes/no term used as a condition: `person.secret_holder`.
    Truthy(Term),
    /// `a OP b` for `==`, `!=`, `<`, `<=`, `>`, `>=`, with where the
    /// operator was written (rhai's messages give it).
    Cmp(Op, Term, Term, Position),
    /// `x in ["a", "b"]`, with where `in` was written.
    InLiterals(Term, Vec<String>, Position),
    /// `"a" in list_fact`, with where `in` was written.
    ListContains(Term, String, Position),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    Fact(FactRef),
    Date,
    Str(String),
    Int(i64),
    Bool(bool),
    Unit,
    /// A date function, with where its name was written.
    Call(DateFn, Box<Term>, Box<Term>, Position),
    /// Integer `+` or `-`: `days_between(a, b) + 1`, with where the
    /// operator was written.
    Arith(ArithOp, Box<Term>, Box<Term>, Position),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateFn {
    AddDays,
    AddMonths,
    AddYears,
    DaysBetween,
    AgeOn,
}

/// A fact a term reads: its name, and its number in the tree's declared
/// facts, given as the term is compiled, so
/// that evaluation looks facts up by position rather than by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FactRef {
    pub name: String,
    pub id: usize,
}

/// Where native evaluation finds a case's facts: by name in a map (tests,
/// tools), or by number in the evaluator's table (the fast path).
pub trait FactSource {
    fn fact(&self, f: &FactRef) -> Option<&Value>;
}

impl FactSource for std::collections::BTreeMap<String, Value> {
    fn fact(&self, f: &FactRef) -> Option<&Value> {
        self.get(&f.name)
    }
}

/// A case's facts by number: `None` for a fact the case leaves out.
pub struct Slots<'a>(pub &'a [Option<&'a Value>]);

impl FactSource for Slots<'_> {
    fn fact(&self, f: &FactRef) -> Option<&Value> {
        self.0.get(f.id).copied().flatten()
    }
}

/// A case's facts by number as a reader holds them, before they are
/// borrowed into [`Slots`]: `None` for a fact the case leaves out.
pub struct OwnedSlots<'a>(pub &'a [Option<Value>]);

impl FactSource for OwnedSlots<'_> {
    fn fact(&self, f: &FactRef) -> Option<&Value> {
        self.0.get(f.id).and_then(Option::as_ref)
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

impl V<'_> {
    fn kind(&self) -> Kind {
        match self {
            V::Unit => Kind::Unit,
            V::Bool(_) => Kind::Bool,
            V::Int(_) => Kind::Int,
            V::Date(_) => Kind::Date,
            V::Str(_) => Kind::Str,
            V::List(_) => Kind::List,
        }
    }
}

/// Why native evaluation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeError {
    /// Failed where rhai fails, with rhai's message (`Failure`'s
    /// `Display`): the caller reports it exactly like a rhai error.
    Failed(Failure),
    /// Values of a shape this evaluator does not mirror (lists compared,
    /// a string searched or concatenated): the caller asks rhai.
    Unsupported,
}

/// The type of a value, as rhai's messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unit,
    Bool,
    Int,
    Date,
    Str,
    List,
}

impl Kind {
    /// The words the sandbox's refusal of mixed comparisons uses.
    fn words(self) -> &'static str {
        match self {
            Kind::Unit => "()",
            Kind::Bool => "true or false",
            Kind::Int => "an integer",
            Kind::Date => "a date",
            Kind::Str => "a string",
            Kind::List => "a list",
        }
    }

    /// The name rhai gives a value of this type (`Dynamic::type_name`),
    /// which is what the engine quotes for a value of the wrong type.
    fn rhai_type_name(self) -> &'static str {
        match self {
            Kind::Unit => Dynamic::UNIT.type_name(),
            Kind::Bool => Dynamic::TRUE.type_name(),
            Kind::Int => Dynamic::from_int(0).type_name(),
            Kind::Date => Dynamic::from(NaiveDate::MIN).type_name(),
            Kind::Str => Dynamic::from(rhai::ImmutableString::new()).type_name(),
            Kind::List => Dynamic::from_array(rhai::Array::new()).type_name(),
        }
    }

    /// The name rhai gives this type in the signature of a function it
    /// cannot find: registered names, and every string type spelt out.
    fn signature_name(self) -> &'static str {
        match self {
            Kind::Unit => "()",
            Kind::Bool => "bool",
            Kind::Int => "i64",
            Kind::Date => dates::TYPE_NAME,
            Kind::Str => "&str | ImmutableString | String",
            Kind::List => "array",
        }
    }
}

/// What date arithmetic adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Days,
    Months,
    Years,
}

/// How a script fails at run time, in the cases the native evaluator
/// meets. Its `Display` is the message rhai gives for the same failure,
/// position included, so that which path ran never shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Integer `+` or `-` past the 64-bit range.
    Overflow {
        op: ArithOp,
        left: i64,
        right: i64,
        at: Position,
    },
    /// Date arithmetic that leaves the calendar: `date` plus `by` steps.
    DateOutOfRange {
        date: NaiveDate,
        by: i64,
        step: Step,
        at: Position,
    },
    /// Values of two different types compared
    /// (`sandbox::refuse_mixed_comparisons`).
    MixedComparison {
        op: Op,
        left: Kind,
        right: Kind,
        at: Position,
    },
    /// A function or operator given values of types it does not take.
    NoFunction {
        name: &'static str,
        args: [Kind; 2],
        at: Position,
    },
    /// A condition that gave a value other than true, false or `()`.
    NotTrueOrFalse(Kind),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // rhai's own error, so that its prefixes and the position read
        // exactly as when rhai fails.
        let rhai = match *self {
            Failure::Overflow {
                op,
                left,
                right,
                at,
            } => {
                let message = match op {
                    ArithOp::Add => format!("Addition overflow: {left} + {right}"),
                    ArithOp::Sub => format!("Subtraction overflow: {left} - {right}"),
                };
                EvalAltResult::ErrorArithmetic(message, at)
            }
            Failure::DateOutOfRange { date, by, step, at } => {
                let unit = match step {
                    Step::Days => "days",
                    Step::Months => "months",
                    Step::Years => "years",
                };
                EvalAltResult::ErrorRuntime(dates::out_of_range_message(date, by, unit).into(), at)
            }
            Failure::MixedComparison {
                op,
                left,
                right,
                at,
            } => EvalAltResult::ErrorRuntime(
                super::sandbox::mixed_comparison_message(op.symbol(), left.words(), right.words())
                    .into(),
                at,
            ),
            Failure::NoFunction { name, args, at } => EvalAltResult::ErrorFunctionNotFound(
                format!(
                    "{name} ({}, {})",
                    args[0].signature_name(),
                    args[1].signature_name()
                ),
                at,
            ),
            // Worded by the engine, not rhai (`eval::leaf_tv`), and without
            // a position.
            Failure::NotTrueOrFalse(kind) => {
                return write!(
                    f,
                    "a condition must be true or false, but this part gave {}",
                    kind.rhai_type_name()
                );
            }
        };
        write!(f, "{rhai}")
    }
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

impl DateFn {
    fn name(self) -> &'static str {
        match self {
            DateFn::AddDays => "add_days",
            DateFn::AddMonths => "add_months",
            DateFn::AddYears => "add_years",
            DateFn::DaysBetween => "days_between",
            DateFn::AgeOn => "age_on",
        }
    }
}

impl Native {}

impl Term {}

/// Compiles a leaf, if it has a shape this evaluator knows.
/// How the compiler finds a fact's number: the tree's declarations.
pub type FactNumbers<'a> = &'a dyn Fn(&str) -> Option<crate::rules::model::FactId>;

pub fn compile(expr: &Expr, groups: &[String], fact_id: FactNumbers) -> Option<Native> {
    match expr {
        Expr::FnCall(call, pos) => {
            let name = call.name.as_str();
            let [a, b] = call.args.as_slice() else {
                return truthy(expr, groups, fact_id);
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
                return Some(Native::Cmp(
                    op,
                    term(a, groups, fact_id)?,
                    term(b, groups, fact_id)?,
                    *pos,
                ));
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
                    return Some(Native::InLiterals(term(b, groups, fact_id)?, lits, *pos));
                }
                if let (Expr::StringConstant(s, _), list @ Term::Fact(..)) =
                    (b, term(a, groups, fact_id)?)
                {
                    return Some(Native::ListContains(list, s.to_string(), *pos));
                }
                return None;
            }
            truthy(expr, groups, fact_id)
        }
        _ => truthy(expr, groups, fact_id),
    }
}

fn truthy(expr: &Expr, groups: &[String], fact_id: FactNumbers) -> Option<Native> {
    match term(expr, groups, fact_id)? {
        t @ (Term::Fact(..) | Term::Bool(_)) => Some(Native::Truthy(t)),
        _ => None,
    }
}

/// Compiles a computed value (`then: {expr: ...}`), if its shape allows.
pub fn compile_term(expr: &Expr, groups: &[String], fact_id: FactNumbers) -> Option<Term> {
    term(expr, groups, fact_id)
}

/// Computes a value natively; `Unsupported` leaves it to rhai.
pub fn eval_term<F: FactSource + ?Sized>(
    t: &Term,
    facts: &F,
    date: NaiveDate,
) -> Result<Value, NativeError> {
    Ok(match value(t, facts, date)? {
        V::Unit => Value::Null,
        V::Bool(b) => Value::Bool(b),
        V::Int(i) => Value::Int(i),
        V::Date(d) => Value::Date(d),
        V::Str(s) => Value::Str(s.to_string()),
        V::List(items) => Value::List(items.to_vec()),
    })
}

fn term(expr: &Expr, groups: &[String], fact_id: FactNumbers) -> Option<Term> {
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
                Expr::Property(p, _) => {
                    let name = format!("{group}.{}", p.2);
                    // A fact the tree does not declare is refused at load;
                    // here it is simply not compiled.
                    let id = fact_id(&name)?.index();
                    Some(Term::Fact(FactRef { name, id }))
                }
                // Method syntax (`person.birth_date.age_on(date)`) stays with rhai.
                _ => None,
            }
        }
        Expr::FnCall(call, pos) if matches!(call.name.as_str(), "+" | "-") => {
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
                Box::new(term(a, groups, fact_id)?),
                Box::new(term(b, groups, fact_id)?),
                *pos,
            ))
        }
        Expr::FnCall(call, pos) => {
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
                Box::new(term(a, groups, fact_id)?),
                Box::new(term(b, groups, fact_id)?),
                *pos,
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
    // The shapes most leaves have, a fact against a literal, answered
    // without the general path's values and errors; anything else (a
    // fact missing or null, or of another type) goes the general way.
    match n {
        Native::Truthy(Term::Fact(f)) => {
            if let Some(Value::Bool(b)) = facts.fact(f) {
                return Ok(Some(*b));
            }
        }
        Native::Cmp(op, Term::Fact(f), Term::Str(lit), _) => {
            if let Some(Value::Str(v)) = facts.fact(f) {
                return Ok(Some(texts_hold(*op, v, lit)));
            }
        }
        Native::Cmp(op, Term::Fact(f), Term::Int(lit), _) => {
            if let Some(Value::Int(v)) = facts.fact(f) {
                return Ok(Some(holds(*op, v.cmp(lit))));
            }
        }
        Native::InLiterals(Term::Fact(f), lits, _) => {
            if let Some(Value::Str(v)) = facts.fact(f) {
                return Ok(Some(lits.iter().any(|l| l == v)));
            }
        }
        // Any other comparison whose two sides are plain values of one
        // kind (`age_on(person.birth_date, date) < 18`,
        // `days_between(a, b) + 1 > 30`): computed without the general
        // path's errors, which only a side that is not such a value needs.
        Native::Cmp(op, a, b, _) => {
            if let (Some(x), Some(y)) = (plain(a, facts, date), plain(b, facts, date))
                && let Some(b) = x.holds(*op, &y)
            {
                return Ok(Some(b));
            }
        }
        _ => {}
    }
    match n {
        Native::Truthy(t) => match value(t, facts, date)? {
            V::Bool(b) => Ok(Some(b)),
            V::Unit => Ok(None),
            other => Err(NativeError::Failed(Failure::NotTrueOrFalse(other.kind()))),
        },
        Native::Cmp(op, a, b, at) => {
            compare(*op, value(a, facts, date)?, value(b, facts, date)?, *at).map(Some)
        }
        Native::InLiterals(t, lits, at) => match value(t, facts, date)? {
            V::Str(s) => Ok(Some(lits.iter().any(|l| l == s))),
            // `()` equals no string.
            V::Unit => Ok(Some(false)),
            // A list equals no string; rhai compares it item by item
            // against its budget, so leave it to rhai.
            V::List(_) => Err(NativeError::Unsupported),
            // rhai's `contains` compares each item with the value, item
            // first, and the first comparison is refused; with no item,
            // nothing is compared.
            _ if lits.is_empty() => Ok(Some(false)),
            other => Err(NativeError::Failed(Failure::MixedComparison {
                op: Op::Eq,
                left: Kind::Str,
                right: other.kind(),
                at: *at,
            })),
        },
        Native::ListContains(t, lit, at) => match value(t, facts, date)? {
            V::List(items) => Ok(Some(items.iter().any(|i| i == lit))),
            // `contains` on a string searches it: rhai's business.
            V::Str(_) => Err(NativeError::Unsupported),
            other => Err(NativeError::Failed(Failure::NoFunction {
                name: "contains",
                args: [other.kind(), Kind::Str],
                at: *at,
            })),
        },
    }
}

/// A term's value when it is a plain one: what `value` gives, for a
/// term whose every part is a value (no fact missing or `null`, no
/// list, no overflow, no date out of range, no function given the wrong
/// kinds); `None` for any other term, which `value` then computes with
/// its errors. Small and without errors, so that it comes back in
/// registers: the general path cost a comparison some 150 instructions.
#[derive(Clone, Copy)]
enum Plain<'a> {
    Bool(bool),
    Int(i64),
    Date(NaiveDate),
    Str(&'a str),
}

impl Plain<'_> {
    /// Whether `self op other` holds, as `compare` decides it; `None` for
    /// two kinds (which `compare` refuses).
    #[inline]
    fn holds(&self, op: Op, other: &Plain<'_>) -> Option<bool> {
        Some(match (self, other) {
            (Plain::Bool(x), Plain::Bool(y)) => holds(op, x.cmp(y)),
            (Plain::Int(x), Plain::Int(y)) => holds(op, x.cmp(y)),
            (Plain::Date(x), Plain::Date(y)) => holds(op, x.cmp(y)),
            (Plain::Str(x), Plain::Str(y)) => texts_hold(op, x, y),
            _ => return None,
        })
    }
}

/// Whether `x op y` holds for two texts. Equality compares lengths first:
/// ordering compared the bytes of every pair (a call to `memcmp` each),
/// some 1.5% of a Parquet row's instructions (docs/performance.md, issue
/// 14, twelfth round).
#[inline]
fn texts_hold(op: Op, x: &str, y: &str) -> bool {
    match op {
        Op::Eq => x == y,
        Op::Ne => x != y,
        _ => holds(op, x.cmp(y)),
    }
}

fn plain<'a, F: FactSource + ?Sized>(
    t: &'a Term,
    facts: &'a F,
    date: NaiveDate,
) -> Option<Plain<'a>> {
    Some(match t {
        Term::Fact(f) => match facts.fact(f)? {
            Value::Bool(b) => Plain::Bool(*b),
            Value::Int(i) => Plain::Int(*i),
            Value::Date(d) => Plain::Date(*d),
            Value::Str(s) => Plain::Str(s),
            Value::Null | Value::List(_) => return None,
        },
        Term::Date => Plain::Date(date),
        Term::Str(s) => Plain::Str(s),
        Term::Int(i) => Plain::Int(*i),
        Term::Bool(b) => Plain::Bool(*b),
        Term::Unit => return None,
        Term::Arith(op, a, b, _) => {
            let (Plain::Int(x), Plain::Int(y)) = (plain(a, facts, date)?, plain(b, facts, date)?)
            else {
                return None;
            };
            Plain::Int(match op {
                ArithOp::Add => x.checked_add(y)?,
                ArithOp::Sub => x.checked_sub(y)?,
            })
        }
        Term::Call(f, a, b, _) => match (f, plain(a, facts, date)?, plain(b, facts, date)?) {
            (DateFn::AddDays, Plain::Date(d), Plain::Int(n)) => Plain::Date(dates::add_days(d, n)?),
            (DateFn::AddMonths, Plain::Date(d), Plain::Int(n)) => {
                Plain::Date(dates::add_months(d, n)?)
            }
            (DateFn::AddYears, Plain::Date(d), Plain::Int(n)) => {
                Plain::Date(dates::add_years(d, n)?)
            }
            (DateFn::DaysBetween, Plain::Date(x), Plain::Date(y)) => {
                Plain::Int(dates::days_between(x, y))
            }
            (DateFn::AgeOn, Plain::Date(x), Plain::Date(y)) => Plain::Int(dates::age_on(x, y)),
            _ => return None,
        },
    })
}

fn value<'a, F: FactSource + ?Sized>(
    t: &'a Term,
    facts: &'a F,
    date: NaiveDate,
) -> Result<V<'a>, NativeError> {
    Ok(match t {
        Term::Fact(f) => match facts.fact(f) {
            Some(Value::Null) | None => V::Unit,
            Some(Value::Bool(b)) => V::Bool(*b),
            Some(Value::Int(i)) => V::Int(*i),
            Some(Value::Date(d)) => V::Date(*d),
            Some(Value::Str(s)) => V::Str(s),
            Some(Value::List(items)) => V::List(items),
        },
        Term::Date => V::Date(date),
        Term::Str(s) => V::Str(s),
        Term::Int(i) => V::Int(*i),
        Term::Bool(b) => V::Bool(*b),
        Term::Unit => V::Unit,
        Term::Arith(op, a, b, at) => match (value(a, facts, date)?, value(b, facts, date)?) {
            (V::Int(x), V::Int(y)) => {
                let r = match op {
                    ArithOp::Add => x.checked_add(y),
                    ArithOp::Sub => x.checked_sub(y),
                };
                V::Int(r.ok_or(NativeError::Failed(Failure::Overflow {
                    op: *op,
                    left: x,
                    right: y,
                    at: *at,
                }))?)
            }
            // Strings and lists have their own `+` and `-` in rhai.
            (V::Str(_) | V::List(_), _) | (_, V::Str(_) | V::List(_)) => {
                return Err(NativeError::Unsupported);
            }
            (x, y) => {
                return Err(NativeError::Failed(Failure::NoFunction {
                    name: match op {
                        ArithOp::Add => "+",
                        ArithOp::Sub => "-",
                    },
                    args: [x.kind(), y.kind()],
                    at: *at,
                }));
            }
        },
        Term::Call(f, a, b, at) => {
            let (a, b) = (value(a, facts, date)?, value(b, facts, date)?);
            let out_of_range = |date: NaiveDate, by: i64, step: Step| {
                NativeError::Failed(Failure::DateOutOfRange {
                    date,
                    by,
                    step,
                    at: *at,
                })
            };
            match (f, a, b) {
                (DateFn::AddDays, V::Date(d), V::Int(n)) => {
                    V::Date(dates::add_days(d, n).ok_or_else(|| out_of_range(d, n, Step::Days))?)
                }
                (DateFn::AddMonths, V::Date(d), V::Int(n)) => V::Date(
                    dates::add_months(d, n).ok_or_else(|| out_of_range(d, n, Step::Months))?,
                ),
                (DateFn::AddYears, V::Date(d), V::Int(n)) => {
                    V::Date(dates::add_years(d, n).ok_or_else(|| out_of_range(d, n, Step::Years))?)
                }
                (DateFn::DaysBetween, V::Date(x), V::Date(y)) => V::Int(dates::days_between(x, y)),
                (DateFn::AgeOn, V::Date(x), V::Date(y)) => V::Int(dates::age_on(x, y)),
                (_, x, y) => {
                    return Err(NativeError::Failed(Failure::NoFunction {
                        name: f.name(),
                        args: [x.kind(), y.kind()],
                        at: *at,
                    }));
                }
            }
        }
    })
}

/// rhai's comparison rules with inforce's refusals of mixed types
/// (`sandbox::refuse_mixed_comparisons`): `()` equals only `()` and orders
/// with nothing; values of two different types are an error.
fn compare(op: Op, a: V, b: V, at: Position) -> Result<bool, NativeError> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (&a, &b) {
        (V::Unit, V::Unit) => return Ok(op == Op::Eq),
        (V::Unit, _) | (_, V::Unit) => return Ok(op == Op::Ne),
        // Lists compare element by element in rhai, against the case's
        // budget; leave them to it.
        (V::List(_), _) | (_, V::List(_)) => return Err(NativeError::Unsupported),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        (V::Date(x), V::Date(y)) => Some(x.cmp(y)),
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let Some(ord) = ord else {
        return Err(NativeError::Failed(Failure::MixedComparison {
            op,
            left: a.kind(),
            right: b.kind(),
            at,
        }));
    };
    Ok(holds(op, ord))
}

/// Whether `op` holds between two values ordered `ord`.
#[inline]
fn holds(op: Op, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering;
    match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{analysis, sandbox};
    use rhai::{Map, Scope, Stmt};
    use std::collections::BTreeMap;

    #[test]
    fn each_kind_of_failure_reads_as_rhai_words_it() {
        let engine = sandbox::engine();
        let groups = vec!["f".to_string()];
        let scope = analysis::compile_scope(&groups);
        let date = NaiveDate::from_ymd_opt(2005, 6, 10).unwrap();
        let facts: BTreeMap<String, Value> = [
            ("f.i", Value::Int(i64::MAX)),
            ("f.d", Value::Date(date)),
            ("f.s", Value::Str("a".into())),
            ("f.n", Value::Null),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let mut map = Map::new();
        map.insert("i".into(), Dynamic::from_int(i64::MAX));
        map.insert("d".into(), Dynamic::from(date));
        map.insert("s".into(), Dynamic::from(rhai::ImmutableString::from("a")));
        map.insert("n".into(), Dynamic::UNIT);
        for text in [
            "f.i + 1 > 0",
            "date >\n  add_days(f.d, 99999999999)",
            "f.i < f.s",
            "f.i in [\"a\"]",
            "\"a\" in f.n",
            "age_on(f.d, f.i) > 1",
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
            let native = compile(expr, &groups, &|_| {
                Some(crate::rules::model::FactId::new(0))
            })
            .unwrap_or_else(|| panic!("`{text}` not compiled"));
            let Err(NativeError::Failed(failure)) = eval(&native, &facts, date) else {
                panic!("`{text}` did not fail natively")
            };
            let mut run = Scope::new();
            run.push_constant("f", map.clone());
            run.push_constant("date", date);
            let by_rhai = engine
                .eval_ast_with_scope::<Dynamic>(&mut run, &compiled.ast)
                .unwrap_err();
            assert_eq!(failure.to_string(), by_rhai.to_string(), "{text}");
        }
        // The engine words this one itself, from rhai's name of the type.
        assert_eq!(
            Failure::NotTrueOrFalse(Kind::Date).to_string(),
            format!(
                "a condition must be true or false, but this part gave {}",
                Dynamic::from(date).type_name()
            )
        );
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
            assert_eq!(
                compile(expr, &groups, &|_| Some(crate::rules::model::FactId::new(
                    0
                ))),
                None,
                "{text}"
            );
        }
    }
}
