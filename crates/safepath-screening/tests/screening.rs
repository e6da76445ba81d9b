//! The screening crate's one integration-test binary: catalogue integrity, every clause and
//! outcome for both populations, the strict rule, decisive unknowns, ignored ids, every error
//! code, the JSON contract, translations, dates, properties and explanation snapshots.

// Test code: clippy.toml allows unwrap inside #[test] functions; the helpers here are test
// code too.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use safepath_screening::{
    Answer, Clause, Date, Dimension, Form, IndicatorId, Locale, Outcome, Population, Rule,
    ScreeningInput, Stage, Strength, catalogue, evaluate, evaluate_json, indicator_answers,
    message_table, outcome_label, profile, profiles, questions, reasonable_grounds_due,
    reconsideration_deadline, reflection_period_end,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

fn run(doc: &Value) -> Value {
    evaluate_json(&serde_json::to_vec(doc).unwrap()).unwrap()
}

fn err(doc: &[u8]) -> &'static str {
    evaluate_json(doc).unwrap_err().code
}

fn adult(indicators: Value) -> Value {
    json!({"age_years": 34, "form": "labour", "act_established": true, "indicators": indicators})
}

fn child(indicators: Value) -> Value {
    json!({"age_years": 15, "form": "labour", "act_established": true, "indicators": indicators})
}

fn outcome(doc: &Value) -> String {
    run(doc)["outcome"].as_str().unwrap().to_string()
}

fn id(s: &str) -> IndicatorId {
    IndicatorId::new(s).unwrap()
}

/// The table of SCREENING.md: id, adult labour strength, child labour strength ("-" = absent).
const TABLE: &str =
    "DR1 S S, DR2 M M, DR3 M M, DR4 M M, DR5 M M, DR6 M M, DR7 M M, DR8 M M, DR9 M M, DR10 W S,
CR1 S S, CR2 M S, CR3 M M, CR4 M S, CR5 M M, CR6 M M, CR7 M M, CR8 M S, CR9 M M, CR10 M M,
RV1 M M, RV2 M M, RV3 M M, RV4 M M, RV5 M M, RV6 M M, RV7 M -, RV8 M M, RV9 M M, RV10 M M,
RV11 M M, RV12 M M, RV13 W M, RV14 W M, RV15 W M, RV16 W M,
EX1 S S, EX2 M M, EX3 M M, EX4 M M, EX5 M M, EX6 M -, EX7 M M, EX8 M M, EX9 W M,
CD1 S S, CD2 S S, CD3 S S, CD4 S S, CD5 M S, CD6 M S, CD7 M M, CD8 M M, CD9 M M, CD10 M M,
CD11 M S, CD12 M S, CD13 M M, CD14 M M, CD15 W M,
VD1 M M, VD2 M M, VD3 M M, VD4 M M, VD5 M M, VD6 W M, VD7 W M";

fn strength(code: &str) -> Option<Strength> {
    match code {
        "S" => Some(Strength::Strong),
        "M" => Some(Strength::Medium),
        "W" => Some(Strength::Weak),
        _ => None,
    }
}

// ---------------------------------------------------------------- catalogue integrity

#[test]
fn catalogue_has_the_67_adult_labour_indicators_with_the_documented_strengths() {
    let cat = catalogue();
    assert_eq!(cat.version, "2026.11-1");
    assert_eq!(cat.indicators.len(), 67);
    assert_eq!(cat.counts(), [10, 10, 16, 9, 15, 7]);
    let rows: Vec<&str> = TABLE.split(',').map(str::trim).collect();
    assert_eq!(rows.len(), 67);
    for row in rows {
        let mut parts = row.split_whitespace();
        let (i, a, c) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let ind = cat.lookup(i).unwrap_or_else(|| panic!("{i} missing"));
        assert_eq!(Some(ind.adult_labour.strength), strength(a), "{i} adult");
        assert_eq!(
            ind.child_labour.as_ref().map(|e| e.strength),
            strength(c),
            "{i} child"
        );
        assert!(!ind.label.is_empty());
    }
}

#[test]
fn catalogue_marks_what_is_not_verified() {
    let cat = catalogue();
    for ind in &cat.indicators {
        let expect_verified = !["RV13", "RV14"].contains(&ind.id.to_string().as_str());
        assert_eq!(ind.adult_labour.verified, expect_verified, "{}", ind.id);
        assert!(
            ind.child_labour.as_ref().is_none_or(|e| !e.verified),
            "{}",
            ind.id
        );
        assert!(cat.sources.contains_key(&ind.adult_labour.source));
    }
    for list in ["adult_sexual", "child_sexual"] {
        let l = cat.list(list).unwrap();
        assert!(!l.available && !l.verified);
        assert!(l.fallback.as_deref().unwrap().ends_with("_labour"));
        assert!(l.note.as_deref().unwrap().contains("falls back"));
    }
    assert!(cat.list("adult_labour").unwrap().verified);
    assert!(!cat.list("child_labour").unwrap().verified);
    assert!(
        cat.sources["ilo_ec_2009"]
            .contains("Operational indicators of trafficking in human beings")
    );
    assert!(cat.sources["ilo_fl_2012"].contains("Indicators of Forced Labour"));
    assert!(cat.sources["iom_htcds"].contains("HTCDS"));
}

#[test]
fn crosswalks_and_prompt_packs_map_onto_existing_ids() {
    let cat = catalogue();
    assert_eq!(cat.forced_labour.items.len(), 11);
    let fl = |label: &str| {
        cat.forced_labour
            .items
            .iter()
            .find(|i| i.label == label)
            .unwrap()
            .maps_to
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(fl("Retention of identity documents"), ["CR3", "CD1"]);
    assert_eq!(fl("Debt bondage"), ["CR4", "CD2"]);
    assert_eq!(fl("Excessive overtime"), ["EX1"]);
    assert!(cat.methods_of_control.items.len() >= 15);
    assert!(!cat.methods_of_control.verified);
    for item in cat
        .forced_labour
        .items
        .iter()
        .chain(&cat.methods_of_control.items)
    {
        for i in &item.maps_to {
            assert!(cat.indicator(*i).is_some());
        }
    }
    for form in [
        Form::DomesticServitude,
        Form::ForcedBegging,
        Form::ForcedCriminality,
        Form::ForcedMarriage,
        Form::OrganRemoval,
        Form::Fishing,
    ] {
        let pack = cat
            .pack(form)
            .unwrap_or_else(|| panic!("no pack for {form:?}"));
        assert!(!pack.prompts.is_empty());
        for p in &pack.prompts {
            assert!(!p.indicators.is_empty());
            for i in &p.indicators {
                assert!(cat.indicator(*i).is_some(), "{} → {i}", p.id);
            }
        }
    }
    assert!(cat.pack(Form::ForcedCriminality).unwrap().non_punishment);
    assert!(cat.pack(Form::Labour).is_none() && cat.pack(Form::Sexual).is_none());
    let fishing: Vec<(String, Vec<String>)> = cat
        .pack(Form::Fishing)
        .unwrap()
        .prompts
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                p.indicators.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    assert!(fishing.contains(&("FI3".into(), vec!["CD1".into()])));
    assert!(fishing.contains(&("FI4".into(), vec!["EX8".into(), "CD2".into()])));
}

#[test]
fn every_indicator_has_one_question_and_every_question_every_translation() {
    let cat = catalogue();
    for ind in &cat.indicators {
        let n = cat
            .questions
            .iter()
            .filter(|q| q.indicators == [ind.id])
            .count();
        assert_eq!(n, 1, "{}", ind.id);
    }
    let en = message_table(Locale::En);
    let all_questions: Vec<_> = cat
        .questions
        .iter()
        .chain(cat.packs.iter().flat_map(|p| &p.prompts))
        .collect();
    for locale in Locale::ALL.into_iter().filter(|l| *l != Locale::En) {
        let name = locale.as_str();
        let other = message_table(locale);
        for q in &all_questions {
            let text = other["question"]
                .get(&q.id)
                .unwrap_or_else(|| panic!("{name}: no question {}", q.id));
            // Burmese ends a question with its full stop after the question particle.
            let end = if locale == Locale::My { '။' } else { '?' };
            assert!(text.ends_with(end), "{name} {}: {text}", q.id);
            assert_ne!(en["question"][&q.id], other["question"][&q.id], "{name}");
        }
        // Every locale has exactly the same keys as English, with the same placeholders.
        for (section, keys) in en {
            let theirs = other
                .get(section)
                .unwrap_or_else(|| panic!("{name} lacks [{section}]"));
            let a: Vec<_> = keys.keys().collect();
            let b: Vec<_> = theirs.keys().collect();
            assert_eq!(a, b, "{name} [{section}]");
            for (key, text) in keys {
                assert_eq!(
                    placeholders(text),
                    placeholders(&theirs[key]),
                    "{name} [{section}] {key}"
                );
            }
        }
        assert_eq!(en.len(), other.len(), "{name}");
    }
    for q in &all_questions {
        assert!(en["question"][&q.id].ends_with('?'), "en {}", q.id);
    }
    for (qid, _) in en["question"].iter().chain(en["why"].iter()) {
        let known = cat
            .questions
            .iter()
            .chain(cat.packs.iter().flat_map(|p| &p.prompts))
            .any(|q| &q.id == qid);
        assert!(known, "message for unknown question {qid}");
    }
    for o in Outcome::BY_SEVERITY {
        for locale in Locale::ALL.into_iter().filter(|l| *l != Locale::En) {
            assert!(!outcome_label(o, locale).is_empty());
            assert_ne!(outcome_label(o, Locale::En), outcome_label(o, locale));
        }
    }
}

/// The `{name}` placeholders of a message, sorted (a translation must keep each one).
fn placeholders(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text
        .match_indices('{')
        .filter_map(|(i, _)| {
            let rest = &text[i..];
            let end = rest.find('}')?;
            let name = &rest[1..end];
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then_some(name)
        })
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn strong_destination_questions_say_they_count() {
    let en = message_table(Locale::En);
    for q in ["CD1", "CD2", "FI3", "FI4"] {
        // In the responder's words: no indicator codes, but a plain
        // "serious sign" (each counts on its own at the destination).
        assert!(en["why"][q].contains("serious sign"), "{q}");
        assert!(!en["why"][q].contains("indicator"), "{q}");
    }
}

// ---------------------------------------------------------------- questions

#[test]
fn questions_are_grouped_by_journey_and_filtered_by_population() {
    let sheet = questions(Form::Fishing, Population::Adult, Locale::En);
    let stages: Vec<Stage> = sheet.iter().map(|s| s.stage).collect();
    assert_eq!(
        stages,
        [Stage::Recruitment, Stage::Travel, Stage::Destination]
    );
    assert_eq!(sheet[2].title, "Work and living at the destination");
    let dest = &sheet[2].questions;
    assert_eq!(dest[0].id, "FI1", "pack prompts come first");
    let fi3 = dest.iter().find(|q| q.id == "FI3").unwrap();
    assert_eq!(fi3.indicators, [(id("CD1"), Strength::Strong)]);
    assert!(fi3.why.as_deref().unwrap().contains("serious sign"));
    let total: usize = sheet.iter().map(|s| s.questions.len()).sum();
    assert_eq!(total, 67 + 6);

    let child_sheet = questions(Form::Fishing, Population::Child, Locale::Id);
    let ids: Vec<&str> = child_sheet
        .iter()
        .flat_map(|s| &s.questions)
        .map(|q| q.id.as_str())
        .collect();
    for absent in ["RV7", "EX6", "FI5"] {
        assert!(!ids.contains(&absent), "{absent} is not in the child list");
    }
    assert_eq!(child_sheet[0].title, "Bagaimana Anda direkrut");
    let labour = questions(Form::Labour, Population::Adult, Locale::En);
    assert!(
        labour
            .iter()
            .flat_map(|s| &s.questions)
            .all(|q| q.pack.is_none())
    );
}

#[test]
fn prompt_answers_become_indicator_answers() {
    let answers: BTreeMap<String, Answer> = [
        ("FI3".to_string(), Answer::Yes),
        ("CD1".to_string(), Answer::No),
        ("FI4".to_string(), Answer::Unknown),
        ("EX8".to_string(), Answer::No),
    ]
    .into();
    let got = indicator_answers(Form::Fishing, &answers).unwrap();
    assert_eq!(got[&id("CD1")], Answer::Yes);
    assert_eq!(got[&id("CD2")], Answer::Unknown);
    assert_eq!(got[&id("EX8")], Answer::Unknown);
    let bad: BTreeMap<String, Answer> = [("FI3".to_string(), Answer::Yes)].into();
    assert_eq!(
        indicator_answers(Form::Labour, &bad).unwrap_err().code,
        "unknown_question"
    );
}

// ---------------------------------------------------------------- clauses

fn clause_of(doc: &Value, dim: &str) -> Value {
    run(doc)["dimensions"][dim]["clause"].clone()
}

#[test]
fn each_clause_makes_a_dimension_positive() {
    let cases = [
        (json!({"CD1": "yes", "CD2": "yes"}), json!("two_strong")),
        (
            json!({"CD1": "yes", "CD5": "yes"}),
            json!("strong_and_medium_or_weak"),
        ),
        (
            json!({"CD1": "yes", "CD15": "yes"}),
            json!("strong_and_medium_or_weak"),
        ),
        (
            json!({"CD5": "yes", "CD6": "yes", "CD7": "yes"}),
            json!("three_medium"),
        ),
        (
            json!({"CD5": "yes", "CD6": "yes", "CD15": "yes"}),
            json!("two_medium_and_weak"),
        ),
        (json!({"CD5": "yes", "CD6": "yes"}), Value::Null),
        (json!({"CD1": "yes"}), Value::Null),
        (json!({"CD15": "yes", "CD5": "yes"}), Value::Null),
        (json!({"CD1": "no", "CD2": "unknown"}), Value::Null),
    ];
    for (indicators, expected) in cases {
        let doc = adult(indicators.clone());
        assert_eq!(clause_of(&doc, "CD"), expected, "{indicators}");
        assert_eq!(
            run(&doc)["dimensions"]["CD"]["positive"],
            json!(!expected.is_null())
        );
    }
    // The same answers weigh differently in the child list: CD5 and CD6 are strong there.
    assert_eq!(
        clause_of(&child(json!({"CD5": "yes", "CD6": "yes"})), "CD"),
        json!("two_strong")
    );
}

#[test]
fn clause_function_matches_the_rule_table() {
    assert_eq!(Clause::satisfied_by(2, 0, 0), Some(Clause::TwoStrong));
    assert_eq!(
        Clause::satisfied_by(1, 1, 0),
        Some(Clause::StrongAndMediumOrWeak)
    );
    assert_eq!(
        Clause::satisfied_by(1, 0, 1),
        Some(Clause::StrongAndMediumOrWeak)
    );
    assert_eq!(Clause::satisfied_by(0, 3, 0), Some(Clause::ThreeMedium));
    assert_eq!(
        Clause::satisfied_by(0, 2, 1),
        Some(Clause::TwoMediumAndWeak)
    );
    assert_eq!(Clause::satisfied_by(1, 0, 0), None);
    assert_eq!(Clause::satisfied_by(0, 2, 0), None);
    assert_eq!(Clause::satisfied_by(0, 1, 5), None);
    assert_eq!(Clause::satisfied_by(0, 0, 9), None);
}

#[test]
fn present_ids_are_sorted_naturally() {
    let doc = adult(json!({"DR10": "yes", "DR2": "yes", "DR1": "yes"}));
    assert_eq!(
        run(&doc)["dimensions"]["DR"]["present"],
        json!(["DR1", "DR2", "DR10"])
    );
}

// ---------------------------------------------------------------- outcomes, adults

const TRAFFICKED: &[(&str, &str)] = &[
    ("DR1", "yes"),
    ("DR2", "yes"),
    ("EX1", "yes"),
    ("EX4", "yes"),
    ("CD1", "yes"),
    ("CD2", "yes"),
];

fn answers(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), json!(v)))
            .collect(),
    )
}

#[test]
fn adult_presumed_trafficking() {
    let out = run(&adult(answers(TRAFFICKED)));
    assert_eq!(out["outcome"], "presumed_trafficking");
    assert_eq!(out["population"], "adult");
    assert_eq!(out["non_removal"], true);
    assert_eq!(out["trafficking_status"], "possible");
    assert_eq!(out["severity"], 5);
    // RV and VD can stand in for DR and CD under the broad rule.
    let broad = adult(
        json!({"RV1": "yes", "RV2": "yes", "RV3": "yes", "EX1": "yes", "EX2": "yes",
        "VD1": "yes", "VD2": "yes", "VD3": "yes"}),
    );
    assert_eq!(outcome(&broad), "presumed_trafficking");
}

#[test]
fn adult_presumed_forced_labour_without_recruitment_element() {
    let doc = adult(json!({"EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes"}));
    let out = run(&doc);
    assert_eq!(out["outcome"], "presumed_forced_labour");
    assert_eq!(out["non_removal"], true);
}

#[test]
fn adult_labour_rights_violation_only_when_free_to_leave() {
    let mut doc = adult(json!({"EX1": "yes", "EX4": "yes", "DR2": "yes"}));
    doc["free_to_leave"] = json!(true);
    assert_eq!(outcome(&doc), "labour_rights_violation");
    doc["free_to_leave"] = json!(false);
    assert_eq!(outcome(&doc), "possible_victim_refer");
    // A strong indicator outside EX rules it out.
    let mut strong = adult(json!({"EX1": "yes", "EX4": "yes", "DR1": "yes"}));
    strong["free_to_leave"] = json!(true);
    assert_eq!(outcome(&strong), "possible_victim_refer");
    // So does a decisive unknown.
    let mut decisive =
        adult(json!({"EX1": "yes", "EX4": "yes", "CD1": "unknown", "CD2": "unknown"}));
    decisive["free_to_leave"] = json!(true);
    let out = run(&decisive);
    assert_eq!(out["outcome"], "possible_victim_refer");
    assert_eq!(out["decisive_unknowns"], json!(["CD1", "CD2"]));
}

#[test]
fn adult_possible_victim_refer() {
    assert_eq!(
        outcome(&adult(json!({"CD1": "yes"}))),
        "possible_victim_refer"
    );
    assert_eq!(
        outcome(&adult(json!({"RV1": "yes", "RV2": "yes", "RV3": "yes"}))),
        "possible_victim_refer"
    );
}

#[test]
fn adult_smuggled_migrant_and_smuggling_debt() {
    let mut doc = adult(json!({"EX4": "yes"}));
    doc["smuggling"] = json!({"irregular_crossing_for_fee": true, "consented_to_movement": true,
        "relationship_ended_on_arrival": true});
    assert_eq!(outcome(&doc), "smuggled_migrant");
    assert_eq!(run(&doc)["trafficking_status"], "not_a_victim");
    // A smuggling debt that continues after arrival is debt bondage: CD2, strong.
    doc["indicators"] = json!({"CD2": "yes"});
    assert_eq!(outcome(&doc), "possible_victim_refer");
    // Two of three conditions are not enough.
    doc["indicators"] = json!({});
    doc["smuggling"] = json!({"irregular_crossing_for_fee": true, "consented_to_movement": true});
    assert_eq!(outcome(&doc), "not_indicated");
}

#[test]
fn adult_not_indicated() {
    let out = run(&adult(json!({"DR2": "yes", "EX9": "yes", "CD1": "no"})));
    assert_eq!(out["outcome"], "not_indicated");
    assert_eq!(out["non_removal"], false);
    assert_eq!(out["decisive_unknowns"], json!([]));
}

// ---------------------------------------------------------------- outcomes, children

#[test]
fn child_presumed_trafficking_needs_act_and_ex_only() {
    let doc = child(json!({"EX1": "yes", "EX4": "yes"}));
    assert_eq!(outcome(&doc), "presumed_trafficking");
    assert_eq!(run(&doc)["population"], "child");
    let mut no_act = doc.clone();
    no_act["act_established"] = json!(false);
    assert_eq!(outcome(&no_act), "possible_victim_refer");
    // A child is never presumed a victim of forced labour: EX + CD without the act is a referral.
    let mut ex_cd = child(json!({"EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes"}));
    ex_cd["act_established"] = json!(false);
    assert_eq!(outcome(&ex_cd), "possible_victim_refer");
}

#[test]
fn child_never_smuggled_migrant_nor_labour_rights_violation() {
    let mut doc = child(json!({"EX1": "yes", "EX4": "yes"}));
    doc["act_established"] = json!(false);
    doc["free_to_leave"] = json!(true);
    doc["smuggling"] = json!({"irregular_crossing_for_fee": true, "consented_to_movement": true,
        "relationship_ended_on_arrival": true});
    assert_eq!(outcome(&doc), "possible_victim_refer");
    doc["indicators"] = json!({});
    assert_eq!(outcome(&doc), "not_indicated");
}

#[test]
fn child_not_indicated_and_refer() {
    assert_eq!(outcome(&child(json!({}))), "not_indicated");
    assert_eq!(
        outcome(&child(json!({"CR2": "yes", "CR3": "yes"}))),
        "possible_victim_refer"
    );
}

#[test]
fn who_is_a_child() {
    let base = json!({"form": "labour", "act_established": true, "indicators": {}});
    let pop = |patch: Value| {
        let mut d = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            d[k] = v.clone();
        }
        run(&d)["population"].as_str().unwrap().to_string()
    };
    assert_eq!(pop(json!({})), "adult");
    assert_eq!(pop(json!({"age_years": null})), "adult");
    assert_eq!(pop(json!({"age_years": 17.9})), "child");
    assert_eq!(pop(json!({"age_years": 18})), "adult");
    assert_eq!(pop(json!({"age_years": 0})), "child");
    assert_eq!(pop(json!({"age_years": 25, "likely_child": true})), "child");
    assert_eq!(pop(json!({"likely_child": true})), "child");
    // Disability: a child only where the jurisdiction says so (Philippines).
    assert_eq!(
        pop(json!({"age_years": 30, "disability_prevents_self_protection": true})),
        "adult"
    );
    assert_eq!(
        pop(
            json!({"age_years": 30, "disability_prevents_self_protection": true, "jurisdiction": "philippines"})
        ),
        "child"
    );
    assert_eq!(
        pop(json!({"age_years": 30, "jurisdiction": "philippines"})),
        "adult"
    );
}

// ---------------------------------------------------------------- strict rule, forms, flags

#[test]
fn strict_rule_needs_dr_or_cr_and_cd() {
    // RV instead of DR/CR.
    let mut doc = adult(
        json!({"RV1": "yes", "RV2": "yes", "RV3": "yes", "EX1": "yes", "EX4": "yes",
        "CD1": "yes", "CD2": "yes"}),
    );
    assert_eq!(outcome(&doc), "presumed_trafficking");
    doc["rule"] = json!("strict");
    assert_eq!(outcome(&doc), "presumed_forced_labour");
    assert_eq!(run(&doc)["rule"], "strict");
    // VD instead of CD.
    let mut vd = adult(
        json!({"DR1": "yes", "DR2": "yes", "EX1": "yes", "EX4": "yes",
        "VD1": "yes", "VD2": "yes", "VD3": "yes"}),
    );
    assert_eq!(outcome(&vd), "presumed_trafficking");
    vd["rule"] = json!("strict");
    assert_eq!(outcome(&vd), "possible_victim_refer");
    // Strict still presumes trafficking with DR/CR, EX and CD.
    let mut full = adult(answers(TRAFFICKED));
    full["rule"] = json!("strict");
    assert_eq!(outcome(&full), "presumed_trafficking");
}

#[test]
fn sexual_form_uses_the_labour_list_and_says_so() {
    let mut doc = adult(answers(TRAFFICKED));
    doc["form"] = json!("sexual");
    let out = run(&doc);
    assert_eq!(out["outcome"], "presumed_trafficking");
    assert_eq!(out["list"], "adult_labour");
    assert_eq!(out["list_fallback_from"], "adult_sexual");
    let text = out["explanation"].to_string();
    assert!(
        text.contains("sexual-exploitation indicator list is not yet verified"),
        "{text}"
    );
    assert!(out["unverified_notes"].to_string().contains("adult_sexual"));
    let mut c = child(json!({}));
    c["form"] = json!("sexual");
    assert_eq!(run(&c)["list_fallback_from"], "child_sexual");
}

#[test]
fn forced_criminality_always_raises_non_punishment() {
    let mut doc = adult(json!({}));
    doc["form"] = json!("forced_criminality");
    let out = run(&doc);
    assert_eq!(out["non_punishment"], true);
    assert_eq!(out["outcome"], "not_indicated");
    assert!(out["explanation"].to_string().contains("Non-punishment"));
    let labour = run(&adult(json!({})));
    assert_eq!(labour["non_punishment"], false);
    // Being forced into criminal activities raises it in any form.
    assert_eq!(run(&adult(json!({"CD5": "yes"})))["non_punishment"], true);
}

#[test]
fn every_form_is_accepted() {
    for form in Form::ALL {
        let mut doc = adult(answers(TRAFFICKED));
        doc["form"] = json!(form.as_str());
        let out = run(&doc);
        assert_eq!(out["outcome"], "presumed_trafficking", "{form:?}");
        assert_eq!(out["form"], form.as_str());
    }
}

#[test]
fn rule_comes_from_the_profile_unless_given() {
    for p in profiles() {
        let mut doc = adult(json!({}));
        doc["jurisdiction"] = json!(p.id);
        assert_eq!(run(&doc)["rule"], json!(p.rule.value.as_str()));
        assert_eq!(run(&doc)["jurisdiction"], json!(p.id));
    }
}

// ---------------------------------------------------------------- unknowns and ignored ids

#[test]
fn decisive_unknowns_list_the_unknowns_of_dimensions_that_change() {
    let doc = adult(
        json!({"DR1": "yes", "DR2": "yes", "EX1": "yes", "EX4": "unknown",
        "CD1": "unknown", "CD2": "unknown", "VD7": "unknown", "RV1": "unknown"}),
    );
    let out = run(&doc);
    assert_eq!(out["outcome"], "possible_victim_refer");
    assert_eq!(out["outcome_if_unknown_present"], "presumed_trafficking");
    // EX and CD change; VD (one weak) and RV (one medium) do not.
    assert_eq!(out["decisive_unknowns"], json!(["EX4", "CD1", "CD2"]));
    assert_eq!(
        out["unknown_indicators"],
        json!(["RV1", "EX4", "CD1", "CD2", "VD7"])
    );
    assert!(
        out["explanation"]
            .to_string()
            .contains("Decisive unknown answers: EX4, CD1, CD2")
    );
}

#[test]
fn unknowns_are_not_decisive_when_the_presumption_does_not_change() {
    // Already presumed: unknowns cannot be decisive.
    let mut pairs = TRAFFICKED.to_vec();
    pairs.push(("VD1", "unknown"));
    let out = run(&adult(answers(&pairs)));
    assert_eq!(out["decisive_unknowns"], json!([]));
    // Unknowns that do not reach a presumption either.
    let out = run(&adult(
        json!({"DR2": "unknown", "DR3": "unknown", "DR4": "unknown"}),
    ));
    assert_eq!(out["decisive_unknowns"], json!([]));
    assert_eq!(out["outcome"], "not_indicated");
    assert_eq!(out["outcome_if_unknown_present"], "possible_victim_refer");
    // Forced labour already presumed: an unknown that would make it trafficking is not decisive.
    let out = run(&adult(
        json!({"EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes", "DR1": "unknown", "DR2": "unknown"}),
    ));
    assert_eq!(out["outcome"], "presumed_forced_labour");
    assert_eq!(out["outcome_if_unknown_present"], "presumed_trafficking");
    assert_eq!(out["decisive_unknowns"], json!([]));
}

#[test]
fn child_decisive_unknowns() {
    let out = run(&child(
        json!({"EX1": "yes", "EX4": "unknown", "CD1": "unknown"}),
    ));
    assert_eq!(out["outcome"], "possible_victim_refer");
    assert_eq!(out["decisive_unknowns"], json!(["EX4"]));
}

#[test]
fn ids_outside_the_child_list_are_ignored_and_named() {
    let out = run(&child(
        json!({"RV7": "yes", "EX6": "unknown", "EX1": "yes"}),
    ));
    assert_eq!(out["ignored_indicators"], json!(["RV7", "EX6"]));
    assert_eq!(out["dimensions"]["EX"]["present"], json!(["EX1"]));
    assert_eq!(out["dimensions"]["EX"]["positive"], false);
    assert!(out["explanation"].to_string().contains("RV7, EX6"));
    // For an adult they count.
    let adult_out = run(&adult(json!({"RV7": "yes", "EX6": "yes", "EX1": "yes"})));
    assert_eq!(adult_out["ignored_indicators"], json!([]));
    assert_eq!(adult_out["dimensions"]["EX"]["positive"], true);
}

// ---------------------------------------------------------------- the JSON contract

#[test]
fn contract_example_from_screening_md() {
    let doc = json!({
      "age_years": 34, "likely_child": false, "form": "labour", "act_established": true,
      "indicators": { "DR1": "yes", "CD1": "yes", "EX4": "unknown" },
      "smuggling": { "irregular_crossing_for_fee": false, "consented_to_movement": false,
                     "relationship_ended_on_arrival": false },
      "free_to_leave": false, "rule": "broad"
    });
    let out = run(&doc);
    assert_eq!(out["outcome"], "possible_victim_refer");
    assert_eq!(out["population"], "adult");
    for d in ["DR", "CR", "RV", "EX", "CD", "VD"] {
        let dim = &out["dimensions"][d];
        assert!(dim["positive"].is_boolean(), "{d}");
        assert!(dim["clause"].is_null() || dim["clause"].is_string());
        assert!(dim["present"].is_array());
    }
    assert_eq!(out["dimensions"]["DR"]["present"], json!(["DR1"]));
    assert!(out["decisive_unknowns"].is_array());
    let explanation = out["explanation"].as_array().unwrap();
    assert!(
        explanation
            .last()
            .unwrap()
            .as_str()
            .unwrap()
            .contains("competent authority")
    );
    assert_eq!(out["catalogue_version"], "2026.11-1");
}

#[test]
fn minimal_document_uses_the_defaults() {
    let out = run(&json!({"form": "labour", "act_established": false, "indicators": {}}));
    assert_eq!(out["outcome"], "not_indicated");
    assert_eq!(out["rule"], "broad");
    assert_eq!(out["population"], "adult");
    assert_eq!(out["locale"], "en");
    assert_eq!(out["jurisdiction"], "default");
    // Partial smuggling object: inner keys default to false.
    let out = run(
        &json!({"form": "labour", "act_established": false, "indicators": {},
        "smuggling": {"consented_to_movement": true}}),
    );
    assert_eq!(out["outcome"], "not_indicated");
}

#[test]
fn explanation_is_translated() {
    let mut doc = adult(answers(TRAFFICKED));
    doc["locale"] = json!("id");
    let out = run(&doc);
    assert_eq!(out["outcome_label"], "Diduga korban perdagangan orang");
    let text = out["explanation"].to_string();
    assert!(text.contains("Indikator bukanlah bukti"), "{text}");
    assert!(!text.contains("competent authority"));
}

#[test]
fn every_error_code() {
    let cases: &[(&[u8], &str)] = &[
        (b"\xff\xfe{}", "invalid_utf8"),
        (b"{\"form\": ", "malformed_json"),
        (b"", "malformed_json"),
        (b"[1, 2]", "not_an_object"),
        (br#"{"form":"labour","form":"sexual","act_established":true,"indicators":{}}"#, "duplicate_key"),
        (br#"{"form":"labour","act_established":true,"indicators":{"DR1":"yes","DR1":"no"}}"#, "duplicate_key"),
        (br#"{"act_established":true,"indicators":{}}"#, "missing_field"),
        (br#"{"form":"labour","indicators":{}}"#, "missing_field"),
        (br#"{"form":"labour","act_established":true}"#, "missing_field"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"name":"x"}"#, "unknown_field"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"smuggling":{"fee":true}}"#, "unknown_field"),
        (br#"{"form":"labour","act_established":"yes","indicators":{}}"#, "invalid_type"),
        (br#"{"form":"labour","act_established":true,"indicators":[]}"#, "invalid_type"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"free_to_leave":1}"#, "invalid_type"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"smuggling":{"consented_to_movement":"no"}}"#, "invalid_type"),
        (br#"{"form":"slavery","act_established":true,"indicators":{}}"#, "invalid_form"),
        (br#"{"form":1,"act_established":true,"indicators":{}}"#, "invalid_form"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"rule":"lenient"}"#, "invalid_rule"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"age_years":-1}"#, "invalid_age"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"age_years":131}"#, "invalid_age"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"age_years":"34"}"#, "invalid_age"),
        (br#"{"form":"labour","act_established":true,"indicators":{"DR11":"yes"}}"#, "unknown_indicator"),
        (br#"{"form":"labour","act_established":true,"indicators":{"dr1":"yes"}}"#, "unknown_indicator"),
        (br#"{"form":"labour","act_established":true,"indicators":{"FI3":"yes"}}"#, "unknown_indicator"),
        (br#"{"form":"labour","act_established":true,"indicators":{"DR1":"maybe"}}"#, "invalid_answer"),
        (br#"{"form":"labour","act_established":true,"indicators":{"DR1":true}}"#, "invalid_answer"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"jurisdiction":"atlantis"}"#, "unknown_jurisdiction"),
        (br#"{"form":"labour","act_established":true,"indicators":{},"locale":"fr"}"#, "invalid_locale"),
    ];
    for (doc, code) in cases {
        assert_eq!(err(doc), *code, "{}", String::from_utf8_lossy(doc));
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(err(deep.as_bytes()), "malformed_json");
    // Messages name the offending key or value.
    let e =
        evaluate_json(br#"{"form":"labour","act_established":true,"indicators":{"DR11":"yes"}}"#)
            .unwrap_err();
    assert!(e.message.contains("`DR11`"), "{e}");
    assert_eq!(e.to_string(), format!("unknown_indicator: {}", e.message));
    let e =
        evaluate_json(br#"{"form":"labour","act_established":true,"indicators":{"DR1":"maybe"}}"#)
            .unwrap_err();
    assert!(
        e.message.contains("indicators.DR1") && e.message.contains("`maybe`"),
        "{e}"
    );
    let e = evaluate_json(br#"{"act_established":true,"indicators":{}}"#).unwrap_err();
    assert!(e.message.contains("`form`"), "{e}");
    let e = evaluate_json(
        br#"{"form":"labour","act_established":true,"indicators":{},"age_years":-1}"#,
    )
    .unwrap_err();
    assert!(
        e.message.contains("age_years") && e.message.contains("-1"),
        "{e}"
    );
    let e =
        evaluate_json(br#"{"form":"labour","act_established":true,"indicators":{},"name":"x"}"#)
            .unwrap_err();
    assert!(e.message.contains("`name`"), "{e}");
    for code in safepath_screening::ERROR_CODES {
        assert!(
            code.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
    }
}

#[test]
fn typed_api_matches_the_json_contract() {
    let mut input = ScreeningInput::new(Form::Labour, true);
    for (k, v) in TRAFFICKED {
        input.indicators.insert(id(k), Answer::parse(v).unwrap());
    }
    input.rule = Some(Rule::Strict);
    let eval = evaluate(&input);
    assert_eq!(eval.outcome, Outcome::PresumedTrafficking);
    assert_eq!(
        eval.dimensions[&Dimension::CD].clause,
        Some(Clause::TwoStrong)
    );
    let mut doc = adult(answers(TRAFFICKED));
    doc.as_object_mut().unwrap().remove("age_years");
    doc["rule"] = json!("strict");
    assert_eq!(serde_json::to_value(&eval).unwrap(), run(&doc));
}

// ---------------------------------------------------------------- profiles and dates

#[test]
fn profiles_carry_sources_and_the_philippines_disability_rule() {
    let ids: Vec<&str> = profiles().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["default", "malaysia", "philippines", "thailand"]);
    for p in profiles() {
        for (name, source, _) in p.provenance() {
            assert!(!source.is_empty(), "{} {name}", p.id);
        }
    }
    let d = profile("default").unwrap();
    assert_eq!(d.reflection_period_days.value, 30);
    assert!(d.reflection_period_days.verified);
    assert_eq!(d.reasonable_grounds_target_working_days.value, 5);
    assert!(!d.reasonable_grounds_target_working_days.verified);
    assert!(profile("philippines").unwrap().disability_as_child.value);
    assert!(profile("philippines").unwrap().law.contains("10364"));
    assert!(profile("malaysia").unwrap().law.contains("2007"));
    assert!(profile("thailand").unwrap().law.contains("2551"));
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, m.try_into().unwrap(), d).unwrap()
}

#[test]
fn reasonable_grounds_due_counts_working_days() {
    let p = profile("default").unwrap();
    // Friday 2026-11-27 + 5 working days = Friday 2026-12-04.
    assert_eq!(
        reasonable_grounds_due(date(2026, 11, 27), p),
        date(2026, 12, 4)
    );
    // Saturday start: Mon..Fri of the next week.
    assert_eq!(
        reasonable_grounds_due(date(2026, 11, 28), p),
        date(2026, 12, 4)
    );
    // Monday start: next Monday.
    assert_eq!(
        reasonable_grounds_due(date(2026, 11, 30), p),
        date(2026, 12, 7)
    );
    // Saturates instead of panicking.
    assert_eq!(reasonable_grounds_due(Date::MAX, p), Date::MAX);
}

#[test]
fn reflection_period_end_adds_calendar_days() {
    let p = profile("default").unwrap();
    assert_eq!(
        reflection_period_end(date(2026, 3, 1), p),
        date(2026, 3, 31)
    );
    assert_eq!(
        reflection_period_end(date(2026, 12, 15), p),
        date(2027, 1, 14)
    );
    assert_eq!(reflection_period_end(Date::MAX, p), Date::MAX);
}

#[test]
fn a_negative_decision_may_be_reconsidered_within_the_profiles_period() {
    // Every profile states a period, with its source; none is yet checked
    // against a primary text.
    for p in profiles() {
        assert_eq!(p.reconsideration_period_days.value, 30, "{}", p.id);
        assert!(!p.reconsideration_period_days.verified, "{}", p.id);
    }
    let mut p = profile("default").unwrap().clone();
    assert_eq!(
        reconsideration_deadline(date(2026, 12, 4), &p),
        Some(date(2027, 1, 3))
    );
    assert_eq!(reconsideration_deadline(Date::MAX, &p), Some(Date::MAX));
    // A jurisdiction that sets no period.
    p.reconsideration_period_days.value = 0;
    assert_eq!(reconsideration_deadline(date(2026, 12, 4), &p), None);
}

// ---------------------------------------------------------------- snapshots

fn snapshot_view(doc: &Value) -> Value {
    let out = run(doc);
    json!({
        "outcome": out["outcome"],
        "population": out["population"],
        "decisive_unknowns": out["decisive_unknowns"],
        "non_punishment": out["non_punishment"],
        "non_removal": out["non_removal"],
        "explanation": out["explanation"],
    })
}

#[test]
fn explanation_snapshots() {
    let free = |mut d: Value| {
        d["free_to_leave"] = json!(true);
        d
    };
    let smuggled = |mut d: Value| {
        d["smuggling"] = json!({"irregular_crossing_for_fee": true, "consented_to_movement": true,
            "relationship_ended_on_arrival": true});
        d
    };
    let no_act = |mut d: Value| {
        d["act_established"] = json!(false);
        d
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "adult_presumed_trafficking",
            adult(answers(TRAFFICKED)),
            "presumed_trafficking",
        ),
        (
            "adult_presumed_forced_labour",
            adult(json!({"EX1": "yes", "EX4": "yes", "CD1": "yes", "CD5": "yes"})),
            "presumed_forced_labour",
        ),
        (
            "adult_labour_rights_violation",
            free(adult(
                json!({"EX2": "yes", "EX4": "yes", "EX5": "yes", "DR8": "yes"}),
            )),
            "labour_rights_violation",
        ),
        (
            "adult_possible_victim_refer",
            adult(
                json!({"DR1": "yes", "EX1": "yes", "EX4": "unknown", "CD1": "unknown", "CD14": "unknown"}),
            ),
            "possible_victim_refer",
        ),
        (
            "adult_smuggled_migrant",
            smuggled(adult(json!({"EX9": "yes"}))),
            "smuggled_migrant",
        ),
        (
            "adult_not_indicated",
            adult(json!({"DR2": "yes", "RV6": "unknown"})),
            "not_indicated",
        ),
        (
            "child_presumed_trafficking",
            child(json!({"EX1": "yes", "EX9": "yes", "RV7": "yes", "CR4": "yes"})),
            "presumed_trafficking",
        ),
        (
            "child_possible_victim_refer",
            smuggled(free(no_act(child(json!({"EX1": "yes", "EX4": "yes"}))))),
            "possible_victim_refer",
        ),
        (
            "child_not_indicated",
            smuggled(child(json!({"DR2": "yes"}))),
            "not_indicated",
        ),
    ];
    for (name, doc, expected) in cases {
        let view = snapshot_view(&doc);
        assert_eq!(view["outcome"], expected, "{name}");
        insta::assert_json_snapshot!(name, view);
    }
    // The Indonesian explanation, the sexual fallback and forced criminality.
    let mut id_doc = adult(
        json!({"DR1": "yes", "DR2": "yes", "EX1": "yes", "EX4": "yes", "CD1": "yes", "CD5": "yes"}),
    );
    id_doc["locale"] = json!("id");
    id_doc["form"] = json!("forced_criminality");
    insta::assert_json_snapshot!(
        "adult_presumed_trafficking_forced_criminality_id",
        snapshot_view(&id_doc)
    );
    let mut sexual = child(json!({"CD1": "yes", "EX1": "yes"}));
    sexual["form"] = json!("sexual");
    sexual["age_years"] = Value::Null;
    sexual["likely_child"] = json!(true);
    insta::assert_json_snapshot!("child_sexual_fallback", snapshot_view(&sexual));
}

// ---------------------------------------------------------------- properties

fn all_ids() -> Vec<IndicatorId> {
    catalogue().indicators.iter().map(|i| i.id).collect()
}

fn answer_strategy() -> impl Strategy<Value = Option<Answer>> {
    prop_oneof![
        3 => Just(None),
        2 => Just(Some(Answer::No)),
        2 => Just(Some(Answer::Yes)),
        1 => Just(Some(Answer::Unknown)),
    ]
}

fn input_strategy() -> impl Strategy<Value = ScreeningInput> {
    (
        proptest::collection::vec(answer_strategy(), 67),
        prop_oneof![Just(None), (0u8..=130).prop_map(|a| Some(f64::from(a)))],
        any::<[bool; 7]>(),
        0usize..Form::ALL.len(),
        prop_oneof![
            Just(None),
            Just(Some(Rule::Broad)),
            Just(Some(Rule::Strict))
        ],
        0usize..4,
    )
        .prop_map(|(answers, age, flags, form, rule, jurisdiction)| {
            let ids = all_ids();
            let mut input = ScreeningInput::new(Form::ALL[form], flags[0]);
            input.indicators = ids
                .iter()
                .zip(answers)
                .filter_map(|(id, a)| a.map(|a| (*id, a)))
                .collect();
            input.age_years = age.and_then(safepath_screening::Age::new);
            input.likely_child = flags[1];
            input.free_to_leave = flags[2];
            input.smuggling.irregular_crossing_for_fee = flags[3];
            input.smuggling.consented_to_movement = flags[4];
            input.smuggling.relationship_ended_on_arrival = flags[5];
            input.disability_prevents_self_protection = flags[6];
            input.rule = rule;
            input.jurisdiction = profiles().get(jurisdiction);
            input
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn one_more_yes_never_lowers_severity(input in input_strategy(), pick in 0usize..67) {
        let before = evaluate(&input);
        let target = all_ids()[pick];
        let mut after_input = input.clone();
        after_input.indicators.insert(target, Answer::Yes);
        let after = evaluate(&after_input);
        prop_assert!(
            after.severity >= before.severity,
            "{target}: {:?} → {:?}", before.outcome, after.outcome
        );
    }

    #[test]
    fn children_never_get_adult_only_outcomes(input in input_strategy()) {
        let eval = evaluate(&input);
        if eval.population == Population::Child {
            prop_assert!(!matches!(
                eval.outcome,
                Outcome::SmuggledMigrant | Outcome::LabourRightsViolation | Outcome::PresumedForcedLabour
            ));
        }
    }

    #[test]
    fn outputs_are_consistent(input in input_strategy()) {
        let eval = evaluate(&input);
        prop_assert_eq!(eval.non_removal, eval.outcome.is_presumed());
        prop_assert!(eval.explanation.last().is_some_and(|s| s.contains("competent authority")));
        prop_assert!(eval.outcome_if_unknown_present.severity() >= eval.severity
            || eval.outcome == Outcome::PossibleVictimRefer);
        prop_assert!(eval.decisive_unknowns.windows(2).all(|w| w[0] < w[1]));
        if !eval.decisive_unknowns.is_empty() {
            prop_assert!(eval.outcome_if_unknown_present.is_presumed());
            prop_assert!(!eval.outcome.is_presumed());
        }
        if input.form == Form::ForcedCriminality {
            prop_assert!(eval.non_punishment);
        }
    }

    #[test]
    fn never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = evaluate_json(&bytes);
    }

    #[test]
    fn never_panics_on_random_documents(
        keys in proptest::collection::btree_map(
            prop_oneof![
                Just("form".to_string()), Just("act_established".to_string()),
                Just("indicators".to_string()), Just("age_years".to_string()),
                Just("likely_child".to_string()), Just("rule".to_string()),
                Just("smuggling".to_string()), Just("locale".to_string()),
                "[a-z_]{1,8}",
            ],
            prop_oneof![
                Just(json!("labour")), Just(json!(true)), Just(json!(null)), Just(json!({})),
                Just(json!({"DR1": "yes", "CD2": "unknown"})), Just(json!("strict")),
                any::<f64>().prop_map(|f| json!(f)), any::<i64>().prop_map(|i| json!(i)),
                "[a-zA-Z0-9 ]{0,6}".prop_map(|s| json!(s)),
            ],
            0..8,
        )
    ) {
        let doc = Value::Object(keys.into_iter().collect());
        match evaluate_json(&serde_json::to_vec(&doc).unwrap()) {
            Ok(out) => prop_assert!(out["explanation"].is_array()),
            Err(e) => prop_assert!(safepath_screening::ERROR_CODES.contains(&e.code)),
        }
    }
}

/// Issue 10: the responder's hints carry no indicator codes ("(CD3)") and
/// no notes on the catalogue; those stay in the coordinators' explanation.
#[test]
fn the_responders_hints_hold_no_codes() {
    for locale in Locale::ALL {
        for (q, text) in &message_table(locale)["why"] {
            let b = text.as_bytes();
            let coded = b.windows(4).any(|w| {
                w[0] == b'('
                    && w[1].is_ascii_uppercase()
                    && w[2].is_ascii_uppercase()
                    && w[3].is_ascii_digit()
            });
            assert!(!coded, "{locale:?} {q}: {text}");
            assert!(!text.contains("ILO text"), "{locale:?} {q}: {text}");
        }
    }
}
