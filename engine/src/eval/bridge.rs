//! The bridge to rhai: a condition leaf's truth (native first, rhai for
//! what the native evaluator does not mirror), the scope of facts and
//! `date` as constants, values crossing into and out of rhai, and a
//! failure turned into an `EvalError`. Not here: three-valued connectives
//! (`mod.rs`), the sandbox itself (`script`).

use super::*;
use crate::diagnostics::lower_first;

/// The truth of one condition leaf. A leaf that reads a fact the case
/// lacks is unknown and is not run; the native evaluator answers first,
/// rhai what it does not mirror (the scope is built on first need).
pub(super) fn leaf_truth(
    tree: &RuleTree,
    slots: &[Option<&Value>],
    scope: &mut Option<Scope<'static>>,
    date: NaiveDate,
    leaf: &crate::script::analysis::Leaf,
    needs: &mut NeedsArena,
) -> Result<Truth, ScriptFailure> {
    let mut missing = FactSet::default();
    for &id in &leaf.read_ids {
        if slots.get(id.index()).copied().flatten().is_none() {
            missing.insert(id);
        }
    }
    if !missing.is_empty() {
        return Ok(needs.unknown(missing));
    }
    let native = match &leaf.native {
        Some(n) => match native::eval(n, &Slots(slots), date) {
            Ok(Some(b)) => return Ok(if b { Truth::True } else { Truth::False }),
            Ok(None) => return Ok(Truth::False),
            Err(NativeError::Failed(f)) => Some(f),
            Err(NativeError::Unsupported) => None,
        },
        None => None,
    };
    leaf_by_script(tree, slots, scope, date, leaf, native)
}

/// What `leaf_truth` makes of a leaf the native evaluator did not answer:
/// its failure (`native`), or rhai's answer. Apart and never inlined, so
/// that the native path, which answers nearly every leaf of a run, does
/// not save and restore the registers rhai's needs: some 25 instructions
/// a leaf, 14 leaves a case (docs/performance.md, issue 14, twelfth
/// round).
#[cold]
#[inline(never)]
fn leaf_by_script(
    tree: &RuleTree,
    slots: &[Option<&Value>],
    scope: &mut Option<Scope<'static>>,
    date: NaiveDate,
    leaf: &crate::script::analysis::Leaf,
    native: Option<native::Failure>,
) -> Result<Truth, ScriptFailure> {
    let native = native.map(|f| f.to_string());
    let out = match native {
        Some(message) => Err(message),
        None => {
            let scope = scope.get_or_insert_with(|| rhai_scope(tree, slots, date));
            run_script(&tree.engine, scope, &leaf.ast)
        }
    };
    let out = match out {
        Ok(out) => out,
        // A part that cannot be computed because a fact it reads
        // is null ("no such thing": `age_on(null, date)`) does not
        // hold, as comparisons with null do not.
        Err(_)
            if leaf
                .read_ids
                .iter()
                .any(|&id| slots.get(id.index()).copied().flatten() == Some(&Value::Null)) =>
        {
            return Ok(Truth::False);
        }
        Err(e) => return Err(ScriptFailure(e)),
    };
    match out.as_bool() {
        Ok(true) => Ok(Truth::True),
        Ok(false) => Ok(Truth::False),
        // A fact given as null is known to be absent: a yes/no
        // fact that does not exist does not hold.
        Err(_) if out.is_unit() => Ok(Truth::False),
        Err(ty) => Err(ScriptFailure(format!(
            "a condition must be true or false, but this part gave {ty}"
        ))),
    }
}

/// The rhai scope holding the fact groups (the facts the case has) and `date`.
pub(super) fn rhai_scope(
    tree: &RuleTree,
    slots: &[Option<&Value>],
    date: NaiveDate,
) -> Scope<'static> {
    let mut groups: BTreeMap<&str, Map> = tree
        .groups
        .iter()
        .map(|g| (g.as_str(), Map::new()))
        .collect();
    for (name, val) in tree.fact_names.iter().zip(slots) {
        if let Some(val) = val
            && let Some((g, f)) = name.split_once('.')
            && let Some(map) = groups.get_mut(g)
        {
            map.insert(f.into(), to_dynamic(val));
        }
    }
    let mut scope = Scope::new();
    for (g, map) in groups {
        // Constants: no script may change a fact for another (rhai refuses
        // assignments and in-place methods on constants at run time;
        // `check` refuses assignments before that).
        scope.push_constant(g.to_string(), map);
    }
    scope.push_constant(DATE_VARIABLE, date);
    scope
}

/// Runs a compiled script on the case's scope, then drops whatever it
/// declared: one script's variables are never another's.
pub(super) fn run_script(
    engine: &rhai::Engine,
    scope: &mut Scope<'static>,
    ast: &rhai::AST,
) -> Result<Dynamic, String> {
    let before = scope.len();
    crate::script::budget::start_script();
    let out = engine
        .eval_ast_with_scope::<Dynamic>(scope, ast)
        .map_err(|e| crate::script::budget::message(&e).unwrap_or_else(|| e.to_string()));
    scope.rewind(before);
    out
}

pub(super) fn eval_error(v: &Version, rule: &str, field: &str, message: String) -> Box<EvalError> {
    let place = if rule.is_empty() {
        ScriptPlace::Version {
            field: field.to_string(),
        }
    } else {
        ScriptPlace::Rule {
            rule: rule.to_string(),
            field: field.to_string(),
        }
    };
    let kind = if message.starts_with("the case ran past its budget") {
        FailureKind::CaseBudget
    } else if message.contains("Too many operations") {
        FailureKind::OperationsLimit
    } else {
        FailureKind::Script
    };
    Box::new(EvalError::ScriptFailed {
        place,
        rule_set: v.rule_set.clone(),
        version: v.id.clone(),
        file: v.file.clone(),
        kind,
        message: lower_first(message),
    })
}

pub(super) fn eval_error_at(v: &Version, r: &Rule, field: &str, message: String) -> Box<EvalError> {
    eval_error(v, &r.id, field, message)
}

pub(super) fn to_dynamic(val: &Value) -> Dynamic {
    match val {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from(*b),
        Value::Int(i) => Dynamic::from(*i),
        Value::Date(d) => Dynamic::from(*d),
        Value::Str(s) => Dynamic::from(s.clone()),
        Value::List(items) => Dynamic::from(
            items
                .iter()
                .map(|s| Dynamic::from(s.clone()))
                .collect::<Array>(),
        ),
    }
}

/// A natively computed value must have the outcome's declared type, as
/// `from_dynamic` requires of rhai's, and is named in its words.
pub(super) fn check_value(val: Value, def: &OutcomeDef) -> Result<Value, String> {
    let fits = matches!(
        (&val, def.ty),
        (Value::Null, _)
            | (Value::Bool(_), ValueType::Bool)
            | (Value::Int(_), ValueType::Int)
            | (Value::Date(_), ValueType::Date)
            | (Value::Str(_), ValueType::String)
            | (Value::List(_), ValueType::List)
    );
    if !fits {
        return Err(format!(
            "`{}` is declared as {}, but the expression gave {}",
            def.name,
            crate::rules::model::type_words(def.ty),
            to_dynamic(&val).type_name()
        ));
    }
    if let (Some(allowed), Value::List(items)) = (&def.values, &val)
        && let Some(bad) = items.iter().find(|i| !allowed.contains(i))
    {
        return Err(format!("`{bad}` is not an allowed value of `{}`", def.name));
    }
    Ok(val)
}

pub(super) fn from_dynamic(d: Dynamic, def: &OutcomeDef) -> Result<Value, String> {
    let want = crate::rules::model::type_words(def.ty);
    if d.is_unit() {
        return Ok(Value::Null);
    }
    let val = match def.ty {
        ValueType::Bool => d.as_bool().ok().map(Value::Bool),
        ValueType::Int => d.as_int().ok().map(Value::Int),
        ValueType::Date => d.clone().try_cast::<NaiveDate>().map(Value::Date),
        ValueType::String => d.clone().into_string().ok().map(Value::Str),
        ValueType::List => d.clone().try_cast::<Array>().and_then(|items| {
            items
                .into_iter()
                .map(|i| i.into_string().ok())
                .collect::<Option<Vec<String>>>()
                .map(Value::List)
        }),
    };
    let val = val.ok_or_else(|| {
        format!(
            "`{}` is declared as {want}, but the expression gave {}",
            def.name,
            d.type_name()
        )
    })?;
    if let (Some(allowed), Value::List(items)) = (&def.values, &val)
        && let Some(bad) = items.iter().find(|i| !allowed.contains(i))
    {
        return Err(format!("`{bad}` is not an allowed value of `{}`", def.name));
    }
    Ok(val)
}
