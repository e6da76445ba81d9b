//! The question sheet for the web UI: plain-language questions grouped by journey stage.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::{QuestionDef, catalogue};
use crate::error::{ScreeningError, quote};
use crate::messages::{self, lookup};
use crate::types::{Answer, Form, IndicatorId, Locale, Population, Stage, Strength};

/// One question as shown to the responder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    /// Question id (an indicator id, or a prompt id such as `FI3`).
    pub id: String,
    /// The question, in plain words, in the requested locale.
    pub text: String,
    /// A note for the responder ("why this matters"), where there is one.
    pub why: Option<String>,
    /// The indicators a `yes` evidences, with their strength in the applicable list.
    pub indicators: Vec<(IndicatorId, Strength)>,
    /// The form whose prompt pack it comes from; `None` for the generic questions.
    pub pack: Option<Form>,
}

/// The questions of one journey stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageQuestions {
    /// The stage.
    pub stage: Stage,
    /// Its title in the requested locale.
    pub title: String,
    /// Prompt-pack questions first (they are specific to the form), then the generic ones.
    pub questions: Vec<Question>,
}

fn view(
    def: &QuestionDef,
    population: Population,
    locale: Locale,
    pack: Option<Form>,
) -> Option<Question> {
    let cat = catalogue();
    let indicators: Vec<(IndicatorId, Strength)> = def
        .indicators
        .iter()
        .filter_map(|id| cat.strength(*id, population).map(|s| (*id, s)))
        .collect();
    // A question whose indicators are all outside the applicable list is not asked.
    if indicators.is_empty() {
        return None;
    }
    Some(Question {
        id: def.id.clone(),
        text: messages::text(locale, "question", &def.id).to_string(),
        why: lookup(locale, "why", &def.id).map(str::to_string),
        indicators,
        pack,
    })
}

/// The questions for a form and population, grouped by journey stage (recruitment, travel,
/// destination), in the requested locale. Questions whose indicators are all outside the
/// applicable list (for a child: RV7, EX6) are left out.
pub fn questions(form: Form, population: Population, locale: Locale) -> Vec<StageQuestions> {
    let cat = catalogue();
    let pack = cat.pack(form);
    Stage::ALL
        .iter()
        .map(|&stage| {
            let mut qs: Vec<Question> = pack
                .into_iter()
                .flat_map(|p| p.prompts.iter())
                .filter(|q| q.stage == stage)
                .filter_map(|q| view(q, population, locale, Some(form)))
                .collect();
            qs.extend(
                cat.questions
                    .iter()
                    .filter(|q| q.stage == stage)
                    .filter_map(|q| view(q, population, locale, None)),
            );
            StageQuestions {
                stage,
                title: messages::stage_title(stage, locale).to_string(),
                questions: qs,
            }
        })
        .collect()
}

/// Turns answers to questions (generic and the form's prompts, by question id) into answers
/// by indicator id, ready for [`crate::ScreeningInput::indicators`]. When several questions
/// evidence the same indicator, `yes` wins over `unknown`, which wins over `no`.
///
/// # Errors
///
/// `unknown_question` when a question id is neither a generic question nor a prompt of the
/// form's pack.
pub fn indicator_answers(
    form: Form,
    answers: &BTreeMap<String, Answer>,
) -> Result<BTreeMap<IndicatorId, Answer>, ScreeningError> {
    let cat = catalogue();
    let pack = cat.pack(form);
    let mut out: BTreeMap<IndicatorId, Answer> = BTreeMap::new();
    for (qid, &answer) in answers {
        let def = cat
            .questions
            .iter()
            .chain(pack.into_iter().flat_map(|p| p.prompts.iter()))
            .find(|q| &q.id == qid)
            .ok_or_else(|| {
                ScreeningError::new(
                    "unknown_question",
                    format!(
                        "{} is not a question of the form `{}`",
                        quote(qid),
                        form.as_str()
                    ),
                )
            })?;
        for id in &def.indicators {
            let merged = out.get(id).map_or(answer, |a| a.combine(answer));
            out.insert(*id, merged);
        }
    }
    Ok(out)
}
