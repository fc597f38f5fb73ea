//! A deterministic generator of realistic, mixed Kazakhstan cases in the
//! vocabulary of `kz-vocabulary.md`, for benchmarks and comparisons.
//!
//! Shared by path (`#[path = ".../tools/gen-cases/src/generator.rs"] mod
//! generator;`) between the `gen-cases` binary, the engine's criterion
//! benchmarks and tests, and `bench/zen-compare`, so they all evaluate the
//! same corpus: the same seed gives the same cases, in the same order, with
//! the same rand version. A path rather than a library crate: `gen-cases`
//! depends on the engine for `--check`, and the engine's tests on the
//! generator, which as crates would be a cycle.
//!
//! What a corpus holds: citizens (KZ) and foreigners (France, the other
//! nationalities of Decree 136's list of 28, others such as RU or CN, and
//! stateless persons), case dates from 1995 to 2025, exits, entries and
//! stays for every purpose and visa, minors and adults, secret-holders,
//! restrictions, expulsions, permanent-residence petitions with their
//! documents. Some facts are left out (unknown), some given as `null`
//! (also unknown, as database exports write it), and the event dates
//! declared `null_means: none` are sometimes `null` (no such event). Entry
//! and exit dates fit the case date and the direction, for stays of 1 to 60
//! days (entry and exit days included), so every case passes the declared
//! checks. Every value is one the shipped `facts.yaml` allows.

#![allow(dead_code)]

use chrono::{Datelike, Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

/// The nationalities of Decree 136's list of 28 (ISO 3166-1 alpha-2), France
/// included; their nationals may also register at a consulate or an airport.
pub const LISTED_28: [&str; 28] = [
    "AU", "AT", "BE", "CA", "GB", "GR", "DK", "IT", "IE", "IS", "DE", "JP", "LI", "LU", "MY", "MC",
    "NL", "NZ", "NO", "ES", "PT", "SG", "US", "CH", "SE", "FI", "FR", "KR",
];

/// Other citizenships: neighbours and others not on the list (KP is the
/// DPRK, which the list's "Republic of Korea" is not).
pub const OTHERS: [&str; 12] = [
    "RU",
    "CN",
    "UZ",
    "KG",
    "TJ",
    "TR",
    "IN",
    "AF",
    "IR",
    "PL",
    "KP",
    "stateless",
];

const PURPOSES: [&str; 10] = [
    "permanent_residence",
    "tourism",
    "private",
    "business",
    "official",
    "work",
    "study",
    "treatment",
    "rest",
    "transit",
];

const VISAS: [&str; 10] = [
    "none",
    "tourist",
    "private",
    "business",
    "student",
    "work",
    "transit",
    "diplomatic",
    "official",
    "investor",
];

const DOCUMENTS: [&str; 6] = [
    "questionnaire",
    "identity_documents",
    "alimony_no_objection",
    "military_deregistration",
    "guardianship_opinion",
    "other_parent_consent",
];

/// Probability that any one optional fact is left out (unknown).
const UNKNOWN: f64 = 0.04;

/// A seeded source of cases.
pub struct Generator {
    rng: StdRng,
    seed: u64,
    next: u64,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            seed,
            next: 0,
        }
    }

    /// The next case, as a JSON object.
    pub fn case(&mut self) -> Value {
        let n = self.next;
        self.next += 1;
        let r = &mut self.rng;
        let first = day(1995, 1, 1);
        let span = days(first, day(2025, 12, 31));
        let date = plus(first, r.random_range(0..=span));

        let citizen = r.random_bool(0.45);
        let citizenship = if citizen {
            "KZ"
        } else {
            match r.random_range(0..10) {
                // France is over-represented: its own regime from 2017.
                0..=2 => "FR",
                3..=6 => pick(r, &LISTED_28, "DE"),
                _ => pick(r, &OTHERS, "RU"),
            }
        };
        let french = citizenship == "FR";

        // Age on the case date: about one in five is a minor.
        let age_days = if r.random_bool(0.2) {
            r.random_range(0..18 * 365)
        } else {
            r.random_range(18 * 365..85 * 365)
        };
        let birth = minus(date, age_days);
        let adult = age_days >= 18 * 365;

        // --- trip -----------------------------------------------------------
        let direction = if citizen {
            match r.random_range(0..10) {
                0 => "entry",
                1 => "stay",
                _ => "exit",
            }
        } else {
            pick(r, &["entry", "stay", "exit"], "exit")
        };
        let purpose = if citizen && direction == "exit" && r.random_bool(0.35) {
            "permanent_residence"
        } else if !citizen && r.random_bool(0.1) {
            "transit"
        } else {
            pick(r, &PURPOSES, "tourism")
        };
        // Foreigners: a stay of 1 to 60 days around the case date.
        let stay = r.random_range(1..=60u64);
        let (entry_date, exit_date) = match direction {
            "entry" => (date, plus(date, stay - 1)),
            "stay" => {
                let into = r.random_range(0..stay);
                let entry = minus(date, into);
                (entry, plus(entry, stay - 1))
            }
            _ => (minus(date, stay - 1), date),
        };
        let visa = if citizen || french && date.year() >= 2017 && r.random_bool(0.7) {
            "none"
        } else if purpose == "transit" && r.random_bool(0.7) {
            "transit"
        } else if r.random_bool(0.05) {
            "none"
        } else {
            pick(r, &VISAS[1..], "tourist")
        };

        // --- person ---------------------------------------------------------
        let mut person = Map::new();
        let mut trip = Map::new();
        let mut restrictions = Map::new();
        let mut application = Map::new();

        if !r.random_bool(0.02) {
            person.insert("citizenship".into(), citizenship.into());
        }
        opt(r, &mut person, "birth_date", ymd(birth));
        let married =
            adult && r.random_bool(0.5) || !adult && age_days >= 16 * 365 && r.random_bool(0.15);
        opt(r, &mut person, "married", married.into());
        let value = r.random_bool(0.03).into();
        opt(r, &mut person, "incapacitated", value);
        let passport = match r.random_range(0..100) {
            0..=3 => "diplomatic",
            4..=9 => "service",
            _ => "ordinary",
        };
        opt(r, &mut person, "passport", passport.into());
        let secret = citizen && adult && r.random_bool(0.12);
        opt(r, &mut person, "secret_holder", secret.into());
        if secret {
            let value = r.random_bool(0.3).into();
            opt(r, &mut person, "secret_org_liquidated", value);
            let left = if r.random_bool(0.4) {
                Value::Null
            } else {
                ymd(minus(date, r.random_range(0..10 * 365)))
            };
            opt(r, &mut person, "left_state_service_on", left);
        } else if r.random_bool(0.5) {
            opt(r, &mut person, "secret_org_liquidated", false.into());
            opt(r, &mut person, "left_state_service_on", Value::Null);
        }
        if citizen {
            let value = adult && r.random_bool(0.4);
            opt(r, &mut person, "military_registered", value.into());
            let value = adult && r.random_bool(0.1);
            opt(r, &mut person, "alimony_dependants", value.into());
        } else {
            let value = r.random_bool(0.1).into();
            opt(r, &mut person, "ethnic_kazakh", value);
            let value = r.random_bool(0.1).into();
            opt(r, &mut person, "former_citizen", value);
        }

        // --- trip -----------------------------------------------------------
        if !r.random_bool(0.03) {
            trip.insert("direction".into(), direction.into());
        }
        opt(r, &mut trip, "purpose", purpose.into());
        if citizen {
            if direction == "exit" {
                opt(r, &mut trip, "exit_date", ymd(date));
            }
        } else {
            // Occasionally a date is exported as null: unknown.
            let entry = if r.random_bool(0.03) {
                Value::Null
            } else {
                ymd(entry_date)
            };
            let exit = if r.random_bool(0.03) {
                Value::Null
            } else {
                ymd(exit_date)
            };
            opt(r, &mut trip, "entry_date", entry);
            opt(r, &mut trip, "exit_date", exit);
            opt(r, &mut trip, "visa", visa.into());
            let value = r.random_bool(0.2).into();
            opt(r, &mut trip, "registered_at_entry", value);
        }
        if purpose == "transit" {
            let value = r.random_bool(0.7).into();
            opt(r, &mut trip, "destination_visa", value);
        }
        if !adult {
            let with = pick(
                r,
                &["both_parents", "one_parent", "guardian"],
                "both_parents",
            );
            opt(r, &mut trip, "accompanied_by", with.into());
        } else if r.random_bool(0.3) {
            opt(r, &mut trip, "accompanied_by", Value::Null);
        }

        // --- restrictions ---------------------------------------------------
        for (fact, p) in [
            ("criminal_proceedings", 0.04),
            ("civil_proceedings", 0.04),
            ("sentence_unserved", 0.02),
            ("probation", 0.02),
            ("deferred_sentence", 0.02),
            ("evading_court_obligations", 0.02),
            ("property_obligations", 0.05),
            (
                "compulsory_military_service",
                if citizen { 0.05 } else { 0.0 },
            ),
            ("false_documents", 0.02),
        ] {
            let value = r.random_bool(p).into();
            opt(r, &mut restrictions, fact, value);
        }
        let expelled = if !citizen && r.random_bool(0.1) {
            ymd(minus(date, r.random_range(0..8 * 365)))
        } else {
            Value::Null
        };
        opt(r, &mut restrictions, "expelled_on", expelled);
        let value = !citizen && r.random_bool(0.05);
        opt(r, &mut restrictions, "expelled_by_court", value.into());

        // --- application (permanent-residence petition) ---------------------
        if citizen && purpose == "permanent_residence" {
            let docs: Vec<Value> = DOCUMENTS
                .iter()
                .filter(|_| r.random_bool(0.6))
                .map(|d| Value::from(*d))
                .collect();
            opt(r, &mut application, "documents", Value::Array(docs));
            let complete = if r.random_bool(0.4) {
                Value::Null
            } else {
                ymd(minus(date, r.random_range(0..60)))
            };
            opt(r, &mut application, "complete_on", complete);
        }

        let mut case = Map::new();
        case.insert("id".into(), format!("gen-{}-{n}", self.seed).into());
        case.insert("date".into(), ymd(date));
        for (group, facts) in [
            ("person", person),
            ("trip", trip),
            ("restrictions", restrictions),
            ("application", application),
        ] {
            if !facts.is_empty() {
                case.insert(group.into(), Value::Object(facts));
            }
        }
        Value::Object(case)
    }
}

/// `count` cases from `seed`.
pub fn cases(count: usize, seed: u64) -> Vec<Value> {
    let mut g = Generator::new(seed);
    (0..count).map(|_| g.case()).collect()
}

/// `count` cases from `seed`, each as one line of compact JSON.
pub fn json_lines(count: usize, seed: u64) -> Vec<String> {
    cases(count, seed).iter().map(Value::to_string).collect()
}

/// Inserts a fact unless it is drawn to be left out (unknown).
fn opt(r: &mut StdRng, group: &mut Map<String, Value>, fact: &str, value: Value) {
    if !r.random_bool(UNKNOWN) {
        group.insert(fact.into(), value);
    }
}

fn pick<'a>(r: &mut StdRng, from: &[&'a str], fallback: &'a str) -> &'a str {
    from.choose(r).copied().unwrap_or(fallback)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn days(from: NaiveDate, to: NaiveDate) -> u64 {
    u64::try_from((to - from).num_days()).unwrap_or(0)
}

fn plus(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

fn minus(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

fn ymd(d: NaiveDate) -> Value {
    d.format("%Y-%m-%d").to_string().into()
}
