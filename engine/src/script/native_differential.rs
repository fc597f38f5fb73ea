//! The native evaluator held to rhai: a differential test over generated
//! expressions. A small grammar produces conditions and computed values of
//! exactly the shapes `native` compiles (facts of every declared type,
//! `date`, literals, `add_days`/`add_months`/`add_years`, `days_between`,
//! `age_on`, integer `+`/`-`, the six comparisons, `in` a list of literals,
//! a literal `in` a list, under `&&`, `||` and `!`), with a few shapes it
//! does not compile, so that falling back is exercised too. Each one is
//! loaded as a real rule into a real tree and evaluated on generated cases
//! (facts absent, `null` meaning none, values at the ends of their range),
//! once as loaded and once with every native form taken away, so that rhai
//! answers alone with the engine's own scope; the results, and for a
//! failure the error and its help as the user reads them, must be the
//! same. Set `PROPTEST_CASES` to run more cases. Not here: rhai's own
//! behaviour, or the three-valued logic around the leaves (both runs share
//! it).

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::BTreeMap;

    use chrono::NaiveDate;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

    use crate::case::Case;
    use crate::eval::evaluate;
    use crate::rules::load::load;
    use crate::rules::model::{Then, Value};
    use crate::rules::source::SourceFile;
    use crate::rules::tree::RuleTree;
    use crate::script::analysis::Cond;
    use crate::script::native::{self, NativeError};

    /// The declared facts: name, type, and whether `null` means none (so
    /// that scripts see `()`). Every type appears both ways.
    const FACTS: &[(&str, &str, bool)] = &[
        ("f.b", "bool", false),
        ("f.c", "bool", false),
        ("f.i", "int", false),
        ("f.j", "int", false),
        ("f.d", "date", false),
        ("f.e", "date", false),
        ("f.s", "string", false),
        ("f.t", "string", false),
        ("f.l", "list", false),
        ("n.b", "bool", true),
        ("n.i", "int", true),
        ("n.d", "date", true),
        ("n.s", "string", true),
        ("n.l", "list", true),
    ];

    /// Outcomes a computed value may be given to, one of each type, so that
    /// a value of the wrong type is a failure both paths must word alike.
    const OUTCOMES: &[(&str, &str)] = &[
        ("out_b", "bool"),
        ("out_i", "int"),
        ("out_d", "date"),
        ("out_s", "string"),
        ("out_l", "list"),
    ];

    fn facts_of(ty: &str) -> Vec<&'static str> {
        FACTS
            .iter()
            .filter(|(_, t, _)| *t == ty)
            .map(|(n, _, _)| *n)
            .collect()
    }

    fn one_of(items: Vec<&'static str>) -> BoxedStrategy<String> {
        proptest::sample::select(items)
            .prop_map(str::to_string)
            .boxed()
    }

    /// Space around an operator: also line breaks, so that the positions
    /// rhai gives in its messages are on other lines than the first.
    fn gap() -> BoxedStrategy<&'static str> {
        prop_oneof![6 => Just(" "), 1 => Just("  "), 1 => Just("\n  ")].boxed()
    }

    /// Space after `(` or `,`.
    fn thin() -> BoxedStrategy<&'static str> {
        prop_oneof![4 => Just(""), 2 => Just(" "), 1 => Just("\n")].boxed()
    }

    fn int_literal() -> BoxedStrategy<String> {
        prop_oneof![
            6 => (-3i64..40).prop_map(|i| i.to_string()),
            1 => Just(i64::MAX.to_string()),
            1 => Just((i64::MAX - 1).to_string()),
            1 => Just((i64::MIN + 1).to_string()),
            1 => Just("99999999999".to_string()),
            1 => Just("300000".to_string()),
            1 => Just("-300000".to_string()),
            1 => Just("2147483648".to_string()),
            1 => one_of(vec!["0x1F", "1_000", "0b11"]),
        ]
        .boxed()
    }

    fn str_literal() -> BoxedStrategy<String> {
        one_of(vec![
            "\"a\"",
            "\"b\"",
            "\"\"",
            "\"ab\"",
            "\"A\"",
            "\"é\"",
            "\"a\\\"b\"",
        ])
    }

    fn call(
        name: &'static str,
        a: BoxedStrategy<String>,
        b: BoxedStrategy<String>,
    ) -> BoxedStrategy<String> {
        (a, b, thin(), thin())
            .prop_map(move |(a, b, s1, s2)| format!("{name}({s1}{a},{s2}{b})"))
            .boxed()
    }

    fn arith(a: BoxedStrategy<String>, b: BoxedStrategy<String>) -> BoxedStrategy<String> {
        (a, b, prop_oneof![Just("+"), Just("-")], gap(), gap())
            .prop_map(|(a, b, op, g1, g2)| format!("{a}{g1}{op}{g2}{b}"))
            .boxed()
    }

    /// Parentheses now and then: rhai keeps none in its syntax tree.
    fn paren(s: BoxedStrategy<String>) -> BoxedStrategy<String> {
        (s, proptest::bool::weighted(0.2))
            .prop_map(|(s, p)| if p { format!("({s})") } else { s })
            .boxed()
    }

    fn int_term(depth: u32) -> BoxedStrategy<String> {
        let leaf = prop_oneof![3 => one_of(facts_of("int")), 2 => int_literal()].boxed();
        if depth == 0 {
            return leaf;
        }
        let d = depth - 1;
        paren(
            prop_oneof![
                4 => leaf,
                2 => call("days_between", date_term(d), date_term(d)),
                2 => call("age_on", date_term(d), date_term(d)),
                3 => arith(int_term(d), int_term(d)),
                1 => arith(any_term(d), any_term(d)),
                1 => call("age_on", any_term(d), any_term(d)),
            ]
            .boxed(),
        )
    }

    fn date_term(depth: u32) -> BoxedStrategy<String> {
        let leaf =
            prop_oneof![3 => one_of(facts_of("date")), 1 => Just("date".to_string())].boxed();
        if depth == 0 {
            return leaf;
        }
        let d = depth - 1;
        paren(
            prop_oneof![
                4 => leaf,
                2 => call("add_days", date_term(d), int_term(d)),
                2 => call("add_months", date_term(d), int_term(d)),
                2 => call("add_years", date_term(d), int_term(d)),
                1 => call("add_days", any_term(d), any_term(d)),
                1 => call("add_months", any_term(d), int_term(d)),
            ]
            .boxed(),
        )
    }

    fn str_term(depth: u32) -> BoxedStrategy<String> {
        let leaf = prop_oneof![2 => one_of(facts_of("string")), 2 => str_literal()].boxed();
        if depth == 0 {
            return leaf;
        }
        prop_oneof![6 => leaf, 1 => arith(str_term(depth - 1), any_term(depth - 1))].boxed()
    }

    fn bool_term() -> BoxedStrategy<String> {
        prop_oneof![3 => one_of(facts_of("bool")), 1 => one_of(vec!["true", "false"])].boxed()
    }

    fn any_term(depth: u32) -> BoxedStrategy<String> {
        prop_oneof![
            3 => int_term(depth),
            3 => date_term(depth),
            2 => str_term(depth),
            2 => bool_term(),
            1 => one_of(facts_of("list")),
            1 => Just("()".to_string()),
        ]
        .boxed()
    }

    fn comparison() -> BoxedStrategy<String> {
        let op = one_of(vec!["==", "!=", "<", "<=", ">", ">="]);
        let pair = prop_oneof![
            3 => (int_term(2), int_term(2)),
            3 => (date_term(2), date_term(2)),
            2 => (str_term(1), str_term(1)),
            1 => (bool_term(), bool_term()),
            3 => (any_term(1), any_term(1)),
            1 => (any_term(1), Just("()".to_string())),
            1 => (Just("()".to_string()), any_term(1)),
        ];
        (pair, op, gap(), gap())
            .prop_map(|((a, b), op, g1, g2)| format!("{a}{g1}{op}{g2}{b}"))
            .boxed()
    }

    /// `x in [literals]`, the literals mostly strings, sometimes none.
    fn in_literals() -> BoxedStrategy<String> {
        let item = prop_oneof![6 => str_literal(), 1 => int_literal()];
        (any_term(1), proptest::collection::vec(item, 0..4), gap())
            .prop_map(|(x, items, g)| format!("{x}{g}in [{}]", items.join(", ")))
            .boxed()
    }

    /// `"literal" in x`.
    fn contains() -> BoxedStrategy<String> {
        let list = prop_oneof![3 => one_of(facts_of("list")), 1 => any_term(1)];
        (str_literal(), list, gap())
            .prop_map(|(s, x, g)| format!("{s}{g}in {x}"))
            .boxed()
    }

    /// Shapes the native evaluator leaves to rhai, to see that it does.
    fn other_leaf() -> BoxedStrategy<String> {
        one_of(vec![
            "f.s.len() > 1",
            "f.d.add_days(1) > date",
            "f.l == [\"a\"]",
            "(f.i > 1) == true",
            "- f.i < 0",
            "f.i * 2 > f.j",
            "f.s + f.t == \"ab\"",
        ])
    }

    fn leaf() -> BoxedStrategy<String> {
        prop_oneof![
            2 => bool_term(),
            1 => any_term(1),
            8 => comparison(),
            2 => in_literals(),
            2 => contains(),
            1 => other_leaf(),
        ]
        .boxed()
    }

    fn condition(depth: u32) -> BoxedStrategy<String> {
        if depth == 0 {
            return leaf();
        }
        let c = || condition(depth - 1);
        prop_oneof![
            4 => leaf(),
            1 => (c(), c(), gap()).prop_map(|(a, b, g)| format!("({a}{g}&& {b})")),
            1 => (c(), c(), gap()).prop_map(|(a, b, g)| format!("({a}{g}|| {b})")),
            1 => c().prop_map(|a| format!("!({a})")),
            1 => bool_term().prop_map(|a| format!("!{a}")),
        ]
        .boxed()
    }

    /// What a generated rule does with its script.
    #[derive(Debug, Clone)]
    enum Script {
        /// `when:` of a rule deciding `held`.
        When(String),
        /// `then: {outcome: {expr: ...}}`, with no `when`.
        Value(&'static str, String),
    }

    impl Script {
        fn text(&self) -> &str {
            match self {
                Script::When(s) | Script::Value(_, s) => s,
            }
        }
    }

    fn script() -> BoxedStrategy<Script> {
        prop_oneof![
            3 => condition(2).prop_map(Script::When),
            2 => (proptest::sample::select(OUTCOMES), any_term(3))
                .prop_map(|((o, _), e)| Script::Value(o, e)),
        ]
        .boxed()
    }

    // ---- values ----

    fn date_value() -> BoxedStrategy<NaiveDate> {
        let ymd = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        prop_oneof![
            // Month ends and 29 February, where adding months clamps.
            4 => (1990i32..2030, 1u32..=12, 27u32..=31).prop_map(|(y, m, d)| {
                (1..=d).rev().find_map(|d| NaiveDate::from_ymd_opt(y, m, d)).unwrap()
            }),
            4 => (0i64..20_000).prop_map(move |n| ymd(1970, 1, 1) + chrono::Duration::days(n)),
            1 => Just(ymd(0, 1, 1)),
            1 => Just(ymd(9999, 12, 31)),
            1 => Just(ymd(2000, 2, 29)),
        ]
        .boxed()
    }

    fn value_of(ty: &str, null_means_none: bool) -> BoxedStrategy<Option<Value>> {
        let known = match ty {
            "bool" => any::<bool>().prop_map(Value::Bool).boxed(),
            "int" => prop_oneof![
                6 => (-3i64..40).prop_map(Value::Int),
                1 => Just(Value::Int(i64::MAX)),
                1 => Just(Value::Int(i64::MIN)),
                1 => Just(Value::Int(99_999_999_999)),
                1 => Just(Value::Int(-300_000)),
            ]
            .boxed(),
            "date" => date_value().prop_map(Value::Date).boxed(),
            "string" => proptest::sample::select(vec!["a", "b", "", "ab", "A", "é", "a\"b"])
                .prop_map(|s| Value::Str(s.to_string()))
                .boxed(),
            _ => proptest::collection::vec(proptest::sample::select(vec!["a", "b", "c"]), 0..3)
                .prop_map(|v| Value::List(v.into_iter().map(str::to_string).collect()))
                .boxed(),
        };
        if null_means_none {
            prop_oneof![5 => known.prop_map(Some), 2 => Just(Some(Value::Null)), 1 => Just(None)]
                .boxed()
        } else {
            prop_oneof![6 => known.prop_map(Some), 1 => Just(None)].boxed()
        }
    }

    /// A case's facts as the case readers hand them over: a fact left out
    /// (or `null` meaning unknown) is absent, a `null` meaning none is
    /// `Value::Null`, every other value has its declared type.
    fn facts() -> BoxedStrategy<BTreeMap<String, Value>> {
        FACTS
            .iter()
            .map(|(name, ty, none)| value_of(ty, *none).prop_map(move |v| (*name, v)))
            .collect::<Vec<_>>()
            .prop_map(|pairs| {
                pairs
                    .into_iter()
                    .filter_map(|(n, v)| Some((n.to_string(), v?)))
                    .collect()
            })
            .boxed()
    }

    // ---- the tree ----

    fn declarations() -> String {
        let mut text = String::from("facts:\n");
        for (name, ty, none) in FACTS {
            let null = if *none { ", null_means: none" } else { "" };
            text.push_str(&format!("  {name}: {{type: {ty}{null}, description: x}}\n"));
        }
        text.push_str("outcomes:\n  held: {type: bool, description: x}\n");
        for (name, ty) in OUTCOMES {
            let values = if *ty == "list" {
                ", values: [a, b]"
            } else {
                ""
            };
            text.push_str(&format!(
                "  {name}: {{type: {ty}{values}, description: x}}\n"
            ));
        }
        text
    }

    /// A script as a YAML block, each line indented under its key.
    fn block(script: &str, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let lines: Vec<String> = script.lines().map(|l| format!("{pad}{l}")).collect();
        format!("|-\n{}", lines.join("\n"))
    }

    fn version(script: &Script) -> String {
        let rule = match script {
            Script::When(s) => format!("    when: {}\n    then:\n      held: true\n", block(s, 6)),
            Script::Value(o, s) => {
                format!("    then:\n      {o}:\n        expr: {}\n", block(s, 10))
            }
        };
        format!(
            "rule_set: t.generated\nversion: 0001-01-01\ntitle: Generated\n\
             in_force: {{from: 0001-01-01}}\nsource: {{act: Generated, read_at: here}}\n\
             rules:\n  - id: generated\n    cite: here\n{rule}"
        )
    }

    fn tree(script: &Script) -> Option<RuleTree> {
        let files = vec![
            SourceFile {
                path: "declarations.yaml".into(),
                text: declarations(),
            },
            SourceFile {
                path: "t/0001-01-01.yaml".into(),
                text: version(script),
            },
        ];
        load(files, "generated").tree
    }

    /// Takes every native form out of the tree: what is left is rhai alone.
    fn without_native(tree: &mut RuleTree) {
        fn strip(c: &mut Cond) {
            match c {
                Cond::Leaf(l) => l.native = None,
                Cond::And(parts) | Cond::Or(parts) => parts.iter_mut().for_each(strip),
                Cond::Not(inner) => strip(inner),
            }
        }
        for v in tree.rule_sets.iter_mut().flat_map(|s| &mut s.versions) {
            for r in &mut v.rules {
                if let Some(c) = &mut r.when {
                    strip(&mut c.cond);
                }
                for (_, then) in &mut r.then {
                    if let Then::Expr { native, .. } = then {
                        *native = None;
                    }
                }
            }
        }
    }

    /// How often the native evaluator answered, failed, or handed over
    /// to rhai, over the leaves and values whose facts the case has: the
    /// test is only as strong as the first two are frequent.
    #[derive(Default)]
    struct Tally {
        answered: Cell<usize>,
        failed: Cell<usize>,
        handed_over: Cell<usize>,
    }

    impl Tally {
        fn count<T>(&self, r: &Result<T, NativeError>) {
            let c = match r {
                Ok(_) => &self.answered,
                Err(NativeError::Failed(_)) => &self.failed,
                Err(NativeError::Unsupported) => &self.handed_over,
            };
            c.set(c.get() + 1);
        }

        fn tally(&self, tree: &RuleTree, facts: &BTreeMap<String, Value>, date: NaiveDate) {
            let known = |reads: &[String]| reads.iter().all(|r| facts.contains_key(r));
            for r in tree
                .rule_sets
                .iter()
                .flat_map(|s| &s.versions)
                .flat_map(|v| &v.rules)
            {
                for leaf in r.when.iter().flat_map(|c| c.cond.leaves()) {
                    if let Some(n) = &leaf.native
                        && known(&leaf.reads)
                    {
                        self.count(&native::eval(n, facts, date));
                    }
                }
                for (_, then) in &r.then {
                    if let Then::Expr {
                        native: Some(t),
                        reads,
                        ..
                    } = then
                        && known(reads)
                    {
                        self.count(&native::eval_term(t, facts, date));
                    }
                }
            }
        }
    }

    /// What the user sees of an evaluation: the result, or the error with
    /// its help.
    fn seen(tree: &RuleTree, facts: &BTreeMap<String, Value>, date: NaiveDate) -> String {
        let mut case = Case::empty(tree, "generated", None);
        for (name, value) in facts {
            assert!(
                case.set(tree, name, Some(value.clone())),
                "`{name}` is declared"
            );
        }
        match evaluate(tree, &case, date, true) {
            Ok(result) => serde_json::to_string(&result).unwrap(),
            Err(e) => format!("error: {}", e.one_line()),
        }
    }

    fn config() -> Config {
        Config {
            // The default number of cases, or `PROPTEST_CASES`.
            failure_persistence: None,
            ..Config::default()
        }
    }

    #[test]
    fn the_native_evaluator_answers_and_fails_exactly_as_rhai_on_generated_expressions() {
        let cases = proptest::collection::vec((facts(), date_value()), 4);
        let strategy = (script(), cases);
        // How much of the grammar reached the native evaluator.
        let (loaded, tally) = (Cell::new(0), Tally::default());
        let mut runner = TestRunner::new(config());
        let outcome = runner.run(&strategy, |(script, cases)| {
            let Some(mut tree) = tree(&script) else {
                return Ok(());
            };
            loaded.set(loaded.get() + 1);
            let by_native: Vec<String> = cases
                .iter()
                .map(|(f, d)| {
                    tally.tally(&tree, f, *d);
                    seen(&tree, f, *d)
                })
                .collect();
            without_native(&mut tree);
            for ((facts, date), native) in cases.iter().zip(by_native) {
                let by_rhai = seen(&tree, facts, *date);
                if native != by_rhai {
                    return Err(TestCaseError::fail(format!(
                        "`{}` on {date} with {facts:?}:\nnative: {native}\nrhai:   {by_rhai}",
                        script.text()
                    )));
                }
            }
            Ok(())
        });
        eprintln!(
            "{} scripts loaded (shrinking included); native parts answered {}, failed {}, handed over to rhai {}",
            loaded.get(),
            tally.answered.get(),
            tally.failed.get(),
            tally.handed_over.get()
        );
        match outcome {
            Ok(()) => {}
            // The smallest failing script and case, without the whole input.
            Err(TestError::Fail(reason, _)) => panic!("{reason}"),
            Err(e) => panic!("{e}"),
        }
    }
}
