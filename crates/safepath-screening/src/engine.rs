//! The decision engine: dimension positivity, the outcome rules, the double evaluation of
//! unknown answers, and the explanation.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::catalogue;
use crate::messages::{self, explain, text};
use crate::profile::{JurisdictionProfile, default_profile};
use crate::types::{
    Answer, Clause, Dimension, Form, IndicatorId, Locale, Outcome, Population, Rule, Strength,
    TraffickingStatus,
};

/// An age in years, checked to lie between 0 and 130 inclusive.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Age(f64);

impl Age {
    /// The age if `years` is a finite number from 0 to 130.
    pub fn new(years: f64) -> Option<Age> {
        (years.is_finite() && (0.0..=130.0).contains(&years)).then_some(Age(years))
    }

    /// The age in years.
    pub fn years(self) -> f64 {
        self.0
    }

    fn display(self) -> String {
        if self.0.fract() == 0.0 {
            format!("{:.0}", self.0)
        } else {
            format!("{}", self.0)
        }
    }
}

/// Facts about smuggling. A smuggling debt that continues after arrival is debt bondage
/// (CD2), not smuggling: record it as an indicator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Smuggling {
    /// The irregular border crossing was facilitated for a fee.
    pub irregular_crossing_for_fee: bool,
    /// The person consented to the movement.
    pub consented_to_movement: bool,
    /// The relationship with the smuggler ended on arrival.
    pub relationship_ended_on_arrival: bool,
}

impl Smuggling {
    /// All three conditions hold.
    pub fn all(&self) -> bool {
        self.irregular_crossing_for_fee
            && self.consented_to_movement
            && self.relationship_ended_on_arrival
    }

    /// At least one is reported.
    pub fn any(&self) -> bool {
        self.irregular_crossing_for_fee
            || self.consented_to_movement
            || self.relationship_ended_on_arrival
    }
}

/// A validated screening, as the web UI builds it (the JSON contract parses into this).
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningInput {
    /// Age in years; `None` when unknown.
    pub age_years: Option<Age>,
    /// Age uncertain and there are reasons to believe the person is a child.
    pub likely_child: bool,
    /// Form of exploitation screened.
    pub form: Form,
    /// An act (recruitment, transportation, transfer, harbouring, receipt) is established.
    pub act_established: bool,
    /// Answers by indicator id; an id that is absent means `no`.
    pub indicators: BTreeMap<IndicatorId, Answer>,
    /// Smuggling facts.
    pub smuggling: Smuggling,
    /// The person reports being free to leave.
    pub free_to_leave: bool,
    /// Adult combination rule; `None` = the jurisdiction profile's (the default profile's is
    /// `broad`).
    pub rule: Option<Rule>,
    /// Jurisdiction profile; `None` = `default`.
    pub jurisdiction: Option<&'static JurisdictionProfile>,
    /// An adult cannot protect themselves because of a disability (a child where the profile
    /// says so).
    pub disability_prevents_self_protection: bool,
    /// Language of the explanation.
    pub locale: Locale,
}

impl ScreeningInput {
    /// A screening with every optional field at its default.
    pub fn new(form: Form, act_established: bool) -> ScreeningInput {
        ScreeningInput {
            age_years: None,
            likely_child: false,
            form,
            act_established,
            indicators: BTreeMap::new(),
            smuggling: Smuggling::default(),
            free_to_leave: false,
            rule: None,
            jurisdiction: None,
            disability_prevents_self_protection: false,
            locale: Locale::En,
        }
    }

    /// Sets one answer (builder style).
    pub fn with(mut self, id: IndicatorId, answer: Answer) -> ScreeningInput {
        self.indicators.insert(id, answer);
        self
    }
}

/// The result for one dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionResult {
    /// The dimension is positive (unknown answers counted as absent).
    pub positive: bool,
    /// The clause that made it positive.
    pub clause: Option<Clause>,
    /// Indicators answered `yes` (and in the applicable list), in natural order.
    pub present: Vec<IndicatorId>,
    /// Strength of each present indicator in the applicable list.
    pub strengths: BTreeMap<IndicatorId, Strength>,
    /// Indicators answered `unknown` (and in the applicable list).
    pub unknown: Vec<IndicatorId>,
    /// Whether it would be positive if every unknown answer were `yes`.
    pub positive_if_unknown_present: bool,
}

/// The full, explained evaluation of a screening.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The outcome (unknown answers counted as absent).
    pub outcome: Outcome,
    /// The outcome's name in the requested locale.
    pub outcome_label: String,
    /// 5 (presumed trafficking) to 0 (not indicated).
    pub severity: u8,
    /// Which list applied.
    pub population: Population,
    /// Form of exploitation.
    pub form: Form,
    /// Adult combination rule applied.
    pub rule: Rule,
    /// The list whose strengths were used (`adult_labour` or `child_labour`).
    pub list: String,
    /// The list the form asked for, when it was not available (`adult_sexual`).
    pub list_fallback_from: Option<String>,
    /// The six dimensions (serialized in the stable order DR, CR, RV, EX, CD, VD).
    pub dimensions: BTreeMap<Dimension, DimensionResult>,
    /// The outcome with every unknown answer counted as present.
    pub outcome_if_unknown_present: Outcome,
    /// Unknown answers that decide whether the person is presumed a victim.
    pub decisive_unknowns: Vec<IndicatorId>,
    /// Every unknown answer in the applicable list.
    pub unknown_indicators: Vec<IndicatorId>,
    /// Catalogue ids that are not in the applicable list and were ignored.
    pub ignored_indicators: Vec<IndicatorId>,
    /// Non-punishment flag (forced criminality, or an indicator of forced illicit activities).
    pub non_punishment: bool,
    /// Non-removal flag (presumed outcomes).
    pub non_removal: bool,
    /// HTCDS trafficking status for this screening (see [`Outcome::trafficking_status`]).
    pub trafficking_status: TraffickingStatus,
    /// Jurisdiction profile used.
    pub jurisdiction: String,
    /// Locale of the explanation.
    pub locale: Locale,
    /// Version of the catalogue used.
    pub catalogue_version: String,
    /// Unverified data this evaluation relied on (English, for reviewers).
    pub unverified_notes: Vec<String>,
    /// The explanation, one sentence (or short paragraph) per entry.
    pub explanation: Vec<String>,
}

/// Which combination rule produced a presumed outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fired {
    Child,
    AdultBroad,
    AdultStrict,
    ForcedLabour(Rule),
}

impl Fired {
    fn outcome(self) -> Outcome {
        match self {
            Fired::ForcedLabour(_) => Outcome::PresumedForcedLabour,
            _ => Outcome::PresumedTrafficking,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct DimState {
    present: Vec<(IndicatorId, Strength)>,
    clause: Option<Clause>,
}

fn pass(applicable: &[(IndicatorId, Strength, Answer)], unknown_as_present: bool) -> [DimState; 6] {
    let mut dims: [DimState; 6] = Default::default();
    for &(id, strength, answer) in applicable {
        let present = match answer {
            Answer::Yes => true,
            Answer::Unknown => unknown_as_present,
            Answer::No => false,
        };
        if present {
            dims[id.dimension().index()].present.push((id, strength));
        }
    }
    for d in &mut dims {
        let count = |s: Strength| d.present.iter().filter(|(_, x)| *x == s).count();
        d.clause = Clause::satisfied_by(
            count(Strength::Strong),
            count(Strength::Medium),
            count(Strength::Weak),
        );
    }
    dims
}

fn positives(dims: &[DimState; 6]) -> [bool; 6] {
    [0, 1, 2, 3, 4, 5].map(|i| dims[i].clause.is_some())
}

fn presumption(
    pos: [bool; 6],
    population: Population,
    act_established: bool,
    rule: Rule,
) -> Option<Fired> {
    let [dr, cr, rv, ex, cd, vd] = pos;
    match population {
        Population::Child => (act_established && ex).then_some(Fired::Child),
        Population::Adult => {
            let trafficking = match rule {
                Rule::Broad => (dr || cr || rv) && ex && (cd || vd),
                Rule::Strict => (dr || cr) && ex && cd,
            };
            if trafficking {
                Some(match rule {
                    Rule::Broad => Fired::AdultBroad,
                    Rule::Strict => Fired::AdultStrict,
                })
            } else if ex && cd {
                Some(Fired::ForcedLabour(rule))
            } else {
                None
            }
        }
    }
}

fn strong_outside_ex(dims: &[DimState; 6]) -> Vec<IndicatorId> {
    dims.iter()
        .flat_map(|d| d.present.iter())
        .filter(|(id, s)| *s == Strength::Strong && id.dimension() != Dimension::EX)
        .map(|(id, _)| *id)
        .collect()
}

struct Context<'a> {
    input: &'a ScreeningInput,
    profile: &'static JurisdictionProfile,
    population: Population,
    population_reason: PopulationReason,
    rule: Rule,
}

#[derive(Clone, Copy)]
enum PopulationReason {
    ChildAge,
    ChildLikely,
    ChildDisability,
    Adult,
}

fn population_of(
    input: &ScreeningInput,
    profile: &JurisdictionProfile,
) -> (Population, PopulationReason) {
    if input.age_years.is_some_and(|a| a.years() < 18.0) {
        (Population::Child, PopulationReason::ChildAge)
    } else if input.likely_child {
        (Population::Child, PopulationReason::ChildLikely)
    } else if input.disability_prevents_self_protection && profile.disability_as_child.value {
        (Population::Child, PopulationReason::ChildDisability)
    } else {
        (Population::Adult, PopulationReason::Adult)
    }
}

/// Evaluates a screening. Pure: no I/O, no clock; never panics.
pub fn evaluate(input: &ScreeningInput) -> Evaluation {
    let profile = input.jurisdiction.unwrap_or_else(default_profile);
    let (population, population_reason) = population_of(input, profile);
    let rule = input.rule.unwrap_or(profile.rule.value);
    let ctx = Context {
        input,
        profile,
        population,
        population_reason,
        rule,
    };
    let cat = catalogue();

    let mut applicable = Vec::new();
    let mut ignored = Vec::new();
    for (&id, &answer) in &input.indicators {
        match cat.strength(id, population) {
            Some(strength) => applicable.push((id, strength, answer)),
            None => ignored.push(id),
        }
    }

    let first = pass(&applicable, false);
    let second = pass(&applicable, true);
    let pos1 = positives(&first);
    let pos2 = positives(&second);
    let fired1 = presumption(pos1, population, input.act_established, rule);
    let fired2 = presumption(pos2, population, input.act_established, rule);

    let unknown_ids: Vec<IndicatorId> = applicable
        .iter()
        .filter(|(_, _, a)| *a == Answer::Unknown)
        .map(|(id, _, _)| *id)
        .collect();
    let decisive = fired1.is_none() && fired2.is_some();
    let decisive_unknowns: Vec<IndicatorId> = if decisive {
        unknown_ids
            .iter()
            .copied()
            .filter(|id| {
                let d = id.dimension().index();
                pos1[d] != pos2[d]
            })
            .collect()
    } else {
        Vec::new()
    };

    let strong_out = strong_outside_ex(&first);
    let any_positive = pos1.iter().any(|p| *p);
    let ex_only = pos1[Dimension::EX.index()]
        && Dimension::ALL
            .iter()
            .filter(|d| **d != Dimension::EX)
            .all(|d| !pos1[d.index()]);
    let adult = population == Population::Adult;

    let outcome = if let Some(f) = fired1 {
        f.outcome()
    } else if adult && ex_only && strong_out.is_empty() && !decisive && input.free_to_leave {
        Outcome::LabourRightsViolation
    } else if any_positive || !strong_out.is_empty() || decisive {
        Outcome::PossibleVictimRefer
    } else if adult && input.smuggling.all() {
        Outcome::SmuggledMigrant
    } else {
        Outcome::NotIndicated
    };
    let outcome_if_unknown_present = if let Some(f) = fired2 {
        f.outcome()
    } else {
        // Without a presumption, counting unknowns as present can only add positives.
        let strong2 = strong_outside_ex(&second);
        let any2 = pos2.iter().any(|p| *p);
        let ex_only2 = pos2[Dimension::EX.index()]
            && Dimension::ALL
                .iter()
                .filter(|d| **d != Dimension::EX)
                .all(|d| !pos2[d.index()]);
        if adult && ex_only2 && strong2.is_empty() && input.free_to_leave {
            Outcome::LabourRightsViolation
        } else if any2 || !strong2.is_empty() {
            Outcome::PossibleVictimRefer
        } else if adult && input.smuggling.all() {
            Outcome::SmuggledMigrant
        } else {
            Outcome::NotIndicated
        }
    };

    let forced_illicit = IndicatorId::new("CD5").is_some_and(|cd5| {
        first[Dimension::CD.index()]
            .present
            .iter()
            .any(|(id, _)| *id == cd5)
    });
    let non_punishment = input.form == Form::ForcedCriminality
        || cat.pack(input.form).is_some_and(|p| p.non_punishment)
        || forced_illicit;
    let non_removal = outcome.is_presumed();

    let (list, list_fallback_from) = lists_for(input.form, population);

    let mut dimensions = BTreeMap::new();
    for d in Dimension::ALL {
        let i = d.index();
        let mut present: Vec<IndicatorId> = first[i].present.iter().map(|(id, _)| *id).collect();
        present.sort();
        dimensions.insert(
            d,
            DimensionResult {
                positive: pos1[i],
                clause: first[i].clause,
                strengths: first[i].present.iter().copied().collect(),
                present,
                unknown: unknown_ids
                    .iter()
                    .copied()
                    .filter(|id| id.dimension() == d)
                    .collect(),
                positive_if_unknown_present: pos2[i],
            },
        );
    }

    let facts = Facts {
        outcome,
        fired: fired1,
        fired_if_unknown: fired2,
        first: &first,
        strong_outside_ex: &strong_out,
        decisive_unknowns: &decisive_unknowns,
        unknown_ids: &unknown_ids,
        ignored: &ignored,
        non_punishment,
        non_removal,
        list: &list,
        list_fallback_from: list_fallback_from.as_deref(),
        ex_only,
    };
    let explanation = explanation(&ctx, &facts);
    let unverified_notes = unverified_notes(&ctx, &facts, &applicable);

    Evaluation {
        outcome,
        outcome_label: messages::outcome_label(outcome, input.locale).to_string(),
        severity: outcome.severity(),
        population,
        form: input.form,
        rule,
        list,
        list_fallback_from,
        dimensions,
        outcome_if_unknown_present,
        decisive_unknowns,
        unknown_indicators: unknown_ids,
        ignored_indicators: ignored,
        non_punishment,
        non_removal,
        trafficking_status: outcome.trafficking_status(),
        jurisdiction: profile.id.clone(),
        locale: input.locale,
        catalogue_version: cat.version.clone(),
        unverified_notes,
        explanation,
    }
}

/// The list used and, for the sexual form, the list it falls back from.
fn lists_for(form: Form, population: Population) -> (String, Option<String>) {
    let labour = match population {
        Population::Adult => "adult_labour",
        Population::Child => "child_labour",
    };
    if form == Form::Sexual {
        let wanted = match population {
            Population::Adult => "adult_sexual",
            Population::Child => "child_sexual",
        };
        match catalogue().list(wanted) {
            Some(l) if l.available => (wanted.to_string(), None),
            Some(l) => (
                l.fallback.clone().unwrap_or_else(|| labour.to_string()),
                Some(wanted.to_string()),
            ),
            None => (labour.to_string(), Some(wanted.to_string())),
        }
    } else {
        (labour.to_string(), None)
    }
}

struct Facts<'a> {
    outcome: Outcome,
    fired: Option<Fired>,
    fired_if_unknown: Option<Fired>,
    first: &'a [DimState; 6],
    strong_outside_ex: &'a [IndicatorId],
    decisive_unknowns: &'a [IndicatorId],
    unknown_ids: &'a [IndicatorId],
    ignored: &'a [IndicatorId],
    non_punishment: bool,
    non_removal: bool,
    list: &'a str,
    list_fallback_from: Option<&'a str>,
    ex_only: bool,
}

fn join(locale: Locale, items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    if items.is_empty() {
        text(locale, "explain", "none").to_string()
    } else {
        items.join(text(locale, "explain", "list_separator"))
    }
}

fn ids_text(locale: Locale, ids: &[IndicatorId]) -> String {
    join(locale, ids.iter().map(ToString::to_string))
}

fn explanation(ctx: &Context<'_>, f: &Facts<'_>) -> Vec<String> {
    let l = ctx.input.locale;
    let mut out = Vec::new();
    let outcome_name = messages::outcome_label(f.outcome, l);

    // Who, and which list.
    let jurisdiction = ctx.profile.name.as_str();
    out.push(match ctx.population_reason {
        PopulationReason::ChildAge => explain(
            l,
            "population_child_age",
            &[(
                "age",
                &ctx.input.age_years.map(Age::display).unwrap_or_default(),
            )],
        ),
        PopulationReason::ChildLikely => explain(l, "population_child_likely", &[]),
        PopulationReason::ChildDisability => explain(
            l,
            "population_child_disability",
            &[("jurisdiction", jurisdiction)],
        ),
        PopulationReason::Adult => match ctx.input.age_years {
            Some(age) => explain(l, "population_adult_age", &[("age", &age.display())]),
            None => explain(l, "population_adult_no_age", &[]),
        },
    });
    if ctx.population == Population::Adult && ctx.input.disability_prevents_self_protection {
        out.push(explain(
            l,
            "disability_not_applied",
            &[("jurisdiction", jurisdiction)],
        ));
    }
    let list_name = text(l, "list", f.list);
    out.push(explain(l, "list_used", &[("list", list_name)]));
    if f.list_fallback_from.is_some() {
        out.push(explain(l, "sexual_not_verified", &[("list", list_name)]));
    }
    if ctx.population == Population::Child {
        out.push(explain(l, "list_child_unverified", &[]));
    }
    if ctx.input.form == Form::OrganRemoval {
        out.push(explain(l, "organ_removal_fit", &[]));
    }

    // Each dimension.
    for d in Dimension::ALL {
        let state = &f.first[d.index()];
        let name = text(l, "dimension", d.code());
        let present = join(
            l,
            state.present.iter().map(|(id, s)| {
                messages::fill(
                    text(l, "explain", "indicator_with_strength"),
                    &[
                        ("id", &id.to_string()),
                        ("strength", text(l, "strength", s.as_str())),
                    ],
                )
            }),
        );
        out.push(match (state.clause, state.present.is_empty()) {
            (Some(c), _) => explain(
                l,
                "dimension_positive",
                &[
                    ("dimension", name),
                    ("code", d.code()),
                    ("clause", text(l, "clause", c.as_str())),
                    ("present", &present),
                ],
            ),
            (None, true) => explain(
                l,
                "dimension_none",
                &[("dimension", name), ("code", d.code())],
            ),
            (None, false) => explain(
                l,
                "dimension_not_positive",
                &[
                    ("dimension", name),
                    ("code", d.code()),
                    ("present", &present),
                ],
            ),
        });
    }
    let strong_at_destination = f.first[Dimension::CD.index()]
        .present
        .iter()
        .any(|(id, s)| *s == Strength::Strong && id.number() <= 4);
    if strong_at_destination {
        out.push(explain(l, "strong_destination", &[]));
    }

    // The combination rule that fired.
    let outcome_args = [("outcome", outcome_name)];
    match f.fired {
        Some(Fired::Child) => out.push(explain(l, "outcome_child", &outcome_args)),
        Some(Fired::AdultBroad) => out.push(explain(l, "outcome_adult_broad", &outcome_args)),
        Some(Fired::AdultStrict) => out.push(explain(l, "outcome_adult_strict", &outcome_args)),
        Some(Fired::ForcedLabour(Rule::Broad)) => {
            out.push(explain(l, "outcome_forced_labour_broad", &outcome_args));
        }
        Some(Fired::ForcedLabour(Rule::Strict)) => {
            out.push(explain(l, "outcome_forced_labour_strict", &outcome_args));
        }
        None => match f.outcome {
            Outcome::LabourRightsViolation => {
                out.push(explain(l, "outcome_labour_rights", &outcome_args))
            }
            Outcome::PossibleVictimRefer => {
                let mut reasons = Vec::new();
                let positive: Vec<String> = Dimension::ALL
                    .iter()
                    .filter(|d| f.first[d.index()].clause.is_some())
                    .map(|d| d.code().to_string())
                    .collect();
                if !positive.is_empty() {
                    reasons.push(explain(
                        l,
                        "refer_positive",
                        &[("dimensions", &join(l, positive))],
                    ));
                }
                if !f.strong_outside_ex.is_empty() {
                    reasons.push(explain(
                        l,
                        "refer_strong",
                        &[("ids", &ids_text(l, f.strong_outside_ex))],
                    ));
                }
                if !f.decisive_unknowns.is_empty() {
                    reasons.push(explain(
                        l,
                        "refer_decisive",
                        &[("ids", &ids_text(l, f.decisive_unknowns))],
                    ));
                }
                let reasons = reasons.join(text(l, "explain", "reason_separator"));
                out.push(explain(
                    l,
                    "outcome_refer",
                    &[("outcome", outcome_name), ("reasons", &reasons)],
                ));
                if ctx.population == Population::Adult && f.ex_only && !ctx.input.free_to_leave {
                    out.push(explain(l, "refer_not_free", &[]));
                }
            }
            Outcome::SmuggledMigrant => {
                out.push(explain(l, "outcome_smuggled", &outcome_args));
                out.push(explain(l, "smuggling_debt", &[]));
            }
            _ => out.push(explain(l, "outcome_not_indicated", &outcome_args)),
        },
    }
    if ctx.population == Population::Child
        && f.fired.is_none()
        && f.first[Dimension::EX.index()].clause.is_some()
        && !ctx.input.act_established
    {
        out.push(explain(l, "child_no_act", &[]));
    }

    // Smuggling and the adult-only outcomes.
    if ctx.population == Population::Child {
        if ctx.input.smuggling.any() || ctx.input.free_to_leave {
            out.push(explain(l, "child_no_smuggling", &[]));
        }
    } else if f.outcome != Outcome::SmuggledMigrant && ctx.input.smuggling.any() {
        if ctx.input.smuggling.all() {
            out.push(explain(l, "smuggling_overridden", &[]));
        } else {
            out.push(explain(l, "smuggling_incomplete", &[]));
        }
        out.push(explain(l, "smuggling_debt", &[]));
    }

    // Unknowns that matter.
    if !f.unknown_ids.is_empty() {
        out.push(explain(
            l,
            "unknown_list",
            &[("ids", &ids_text(l, f.unknown_ids))],
        ));
        match f.fired_if_unknown {
            Some(fired2) if f.fired.is_none() => out.push(explain(
                l,
                "unknown_decisive",
                &[
                    ("ids", &ids_text(l, f.decisive_unknowns)),
                    ("outcome", messages::outcome_label(fired2.outcome(), l)),
                ],
            )),
            _ => out.push(explain(l, "unknown_not_decisive", &[])),
        }
    }
    if !f.ignored.is_empty() {
        out.push(explain(
            l,
            "ignored",
            &[("list", list_name), ("ids", &ids_text(l, f.ignored))],
        ));
    }

    // Flags and the reminder.
    if f.non_punishment {
        out.push(explain(l, "non_punishment", &[]));
    }
    if f.non_removal {
        out.push(explain(l, "non_removal", &[]));
    }
    out.push(explain(l, "reminder", &[]));
    out
}

fn unverified_notes(
    ctx: &Context<'_>,
    f: &Facts<'_>,
    applicable: &[(IndicatorId, Strength, Answer)],
) -> Vec<String> {
    let cat = catalogue();
    let mut notes = Vec::new();
    if let Some(from) = f.list_fallback_from
        && let Some(l) = cat.list(from)
    {
        notes.push(format!(
            "{}: {}",
            l.id,
            l.note
                .as_deref()
                .unwrap_or("not yet verified; the labour list is used instead")
        ));
    }
    if let Some(l) = cat.list(f.list)
        && !l.verified
    {
        notes.push(format!(
            "{}: {}",
            l.id,
            l.note.as_deref().unwrap_or("not yet verified")
        ));
    }
    if ctx.population == Population::Adult {
        for (id, _, answer) in applicable {
            if *answer == Answer::No {
                continue;
            }
            if let Some(ind) = cat.indicator(*id)
                && !ind.adult_labour.verified
            {
                notes.push(format!(
                    "{id}: adult strength {} not verified ({})",
                    ind.adult_labour.strength.as_str(),
                    ind.adult_labour.note.as_deref().unwrap_or("to be checked")
                ));
            }
        }
    }
    if let Some(p) = cat.pack(ctx.input.form)
        && !p.verified
    {
        notes.push(format!(
            "prompt pack {}: the cross-walk of its prompts onto indicator ids has not yet been reviewed",
            p.form.as_str()
        ));
    }
    if ctx.input.rule.is_none() && !ctx.profile.rule.verified {
        notes.push(format!(
            "jurisdiction {}: rule `{}` ({})",
            ctx.profile.id,
            ctx.rule.as_str(),
            ctx.profile.rule.source
        ));
    }
    if ctx.input.disability_prevents_self_protection && !ctx.profile.disability_as_child.verified {
        notes.push(format!(
            "jurisdiction {}: disability_as_child = {} ({})",
            ctx.profile.id,
            ctx.profile.disability_as_child.value,
            ctx.profile.disability_as_child.source
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(codes: &str) -> [bool; 6] {
        Dimension::ALL.map(|d| codes.split_whitespace().any(|c| c == d.code()))
    }

    #[test]
    fn presumption_truth_table() {
        let a = Population::Adult;
        let c = Population::Child;
        let cases = [
            ("DR EX CD", a, Rule::Broad, Some(Fired::AdultBroad)),
            ("RV EX VD", a, Rule::Broad, Some(Fired::AdultBroad)),
            ("RV EX VD", a, Rule::Strict, None),
            (
                "RV EX CD",
                a,
                Rule::Strict,
                Some(Fired::ForcedLabour(Rule::Strict)),
            ),
            ("CR EX CD", a, Rule::Strict, Some(Fired::AdultStrict)),
            ("DR EX VD", a, Rule::Strict, None),
            (
                "EX CD",
                a,
                Rule::Broad,
                Some(Fired::ForcedLabour(Rule::Broad)),
            ),
            ("DR CR RV CD VD", a, Rule::Broad, None),
            ("EX", c, Rule::Broad, Some(Fired::Child)),
            ("EX", c, Rule::Strict, Some(Fired::Child)),
            ("DR CR RV CD VD", c, Rule::Broad, None),
            (
                "EX CD",
                a,
                Rule::Strict,
                Some(Fired::ForcedLabour(Rule::Strict)),
            ),
        ];
        for (codes, population, rule, expected) in cases {
            assert_eq!(
                presumption(pos(codes), population, true, rule),
                expected,
                "{codes} {population:?} {rule:?}"
            );
        }
        assert_eq!(presumption(pos("EX"), c, false, Rule::Broad), None);
        // The act is not part of the adult rule.
        assert_eq!(
            presumption(pos("DR EX CD"), a, false, Rule::Broad),
            Some(Fired::AdultBroad)
        );
    }

    #[test]
    fn age_bounds() {
        assert!(Age::new(0.0).is_some());
        assert!(Age::new(130.0).is_some());
        assert!(Age::new(-0.5).is_none());
        assert!(Age::new(130.5).is_none());
        assert!(Age::new(f64::NAN).is_none());
        assert!(Age::new(f64::INFINITY).is_none());
        assert_eq!(Age::new(17.5).map(Age::display).as_deref(), Some("17.5"));
        assert_eq!(Age::new(34.0).map(Age::display).as_deref(), Some("34"));
    }
}
