//! The indicator catalogue, loaded from the TOML files embedded from `catalogue/`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::types::{Dimension, Form, IndicatorId, Population, Stage, Strength};

const INDICATORS: &str = include_str!("../catalogue/indicators.toml");
const QUESTIONS: &str = include_str!("../catalogue/questions.toml");
const PROMPTS: &str = include_str!("../catalogue/prompts.toml");
const CROSSWALKS: &str = include_str!("../catalogue/crosswalks.toml");

/// A dimension as described in the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionInfo {
    /// The dimension.
    pub id: Dimension,
    /// English name.
    pub name: String,
    /// `means`, `exploitation` or `destination`.
    pub kind: String,
}

/// One of the four lists of the ILO & EC document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListInfo {
    /// `adult_labour`, `child_labour`, `adult_sexual`, `child_sexual`.
    pub id: String,
    /// Who the list is for.
    pub population: Population,
    /// `labour` or `sexual`.
    pub exploitation: String,
    /// False when the strengths are not in the catalogue yet.
    pub available: bool,
    /// The list used instead while this one is not available.
    #[serde(default)]
    pub fallback: Option<String>,
    /// Key into [`Catalogue::sources`].
    pub source: String,
    /// Checked against the primary text.
    pub verified: bool,
    /// Why it is (not) verified.
    #[serde(default)]
    pub note: Option<String>,
}

/// The strength of an indicator in one list, with its provenance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListEntry {
    /// Strong, medium or weak.
    pub strength: Strength,
    /// Key into [`Catalogue::sources`].
    pub source: String,
    /// Checked against the primary text.
    pub verified: bool,
    /// Why it is not verified, where it is not.
    #[serde(default)]
    pub note: Option<String>,
}

/// One operational indicator.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    /// Its id, e.g. `CD1`.
    pub id: IndicatorId,
    /// English label from the ILO & EC document.
    pub label: String,
    /// Entry in the adult labour list.
    pub adult_labour: ListEntry,
    /// Entry in the child labour list; `None` when the indicator is not in that list.
    pub child_labour: Option<ListEntry>,
}

impl Indicator {
    /// The entry that applies to a population (labour lists; the sexual lists fall back to
    /// them until they are verified).
    pub fn entry(&self, population: Population) -> Option<&ListEntry> {
        match population {
            Population::Adult => Some(&self.adult_labour),
            Population::Child => self.child_labour.as_ref(),
        }
    }

    /// True when every strength of this item has been checked against the primary text.
    pub fn verified(&self) -> bool {
        self.adult_labour.verified && self.child_labour.as_ref().is_none_or(|e| e.verified)
    }
}

/// A question put to the person, evidencing one or more indicators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionDef {
    /// Question id: the indicator id for generic questions, a prompt id (`FI3`) for packs.
    pub id: String,
    /// Where in the journey it belongs.
    pub stage: Stage,
    /// The indicators a `yes` evidences.
    pub indicators: Vec<IndicatorId>,
}

/// A prompt pack for one form of exploitation.
#[derive(Debug, Clone, Serialize)]
pub struct PromptPack {
    /// The form it serves.
    pub form: Form,
    /// Key into [`Catalogue::sources`].
    pub source: String,
    /// Reviewed by practitioners.
    pub verified: bool,
    /// The form always raises the non-punishment flag.
    pub non_punishment: bool,
    /// Caveat, where there is one.
    pub note: Option<String>,
    /// The prompts.
    pub prompts: Vec<QuestionDef>,
}

/// One entry of a cross-walk onto the operational indicator ids.
#[derive(Debug, Clone, Serialize)]
pub struct CrosswalkItem {
    /// Id in the other instrument (`FL7`, `withholds_documents`).
    pub id: String,
    /// English label in the other instrument.
    pub label: String,
    /// Operational indicators it corresponds to (may be empty).
    pub maps_to: Vec<IndicatorId>,
    /// Caveat, where there is one.
    pub note: Option<String>,
}

/// A cross-walk from another instrument.
#[derive(Debug, Clone, Serialize)]
pub struct Crosswalk {
    /// Key into [`Catalogue::sources`].
    pub source: String,
    /// Checked against the primary text.
    pub verified: bool,
    /// What is and is not verified.
    pub note: Option<String>,
    /// The items.
    pub items: Vec<CrosswalkItem>,
}

/// The whole catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    /// Version, e.g. `2026.11-1`; every evaluation reports it.
    pub version: String,
    /// Cited public documents, by key.
    pub sources: BTreeMap<String, String>,
    /// The six dimensions in stable order.
    pub dimensions: Vec<DimensionInfo>,
    /// The four lists.
    pub lists: Vec<ListInfo>,
    /// The 67 operational indicators, in natural order.
    pub indicators: Vec<Indicator>,
    /// One generic question per indicator.
    pub questions: Vec<QuestionDef>,
    /// Prompt packs per form.
    pub packs: Vec<PromptPack>,
    /// ILO 2012 forced-labour indicators → operational ids.
    pub forced_labour: Crosswalk,
    /// HTCDS methods of control → operational ids.
    pub methods_of_control: Crosswalk,
    #[serde(skip)]
    by_id: BTreeMap<IndicatorId, usize>,
}

impl Catalogue {
    /// The indicator with this id.
    pub fn indicator(&self, id: IndicatorId) -> Option<&Indicator> {
        self.by_id.get(&id).and_then(|&i| self.indicators.get(i))
    }

    /// The indicator named by a string id such as `"CD1"`.
    pub fn lookup(&self, id: &str) -> Option<&Indicator> {
        IndicatorId::syntactic(id).and_then(|id| self.indicator(id))
    }

    /// Strength of an indicator in the list that applies to `population`; `None` when the
    /// indicator is not in that list (it is then ignored).
    pub fn strength(&self, id: IndicatorId, population: Population) -> Option<Strength> {
        self.indicator(id)?.entry(population).map(|e| e.strength)
    }

    /// Information about a list by id.
    pub fn list(&self, id: &str) -> Option<&ListInfo> {
        self.lists.iter().find(|l| l.id == id)
    }

    /// The prompt pack of a form, if it has one.
    pub fn pack(&self, form: Form) -> Option<&PromptPack> {
        self.packs.iter().find(|p| p.form == form)
    }

    /// Number of indicators per dimension, in stable order.
    pub fn counts(&self) -> [usize; 6] {
        let mut counts = [0; 6];
        for ind in &self.indicators {
            counts[ind.id.dimension().index()] += 1;
        }
        counts
    }
}

// ----- raw file formats -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicators {
    version: String,
    sources: BTreeMap<String, String>,
    dimension: Vec<DimensionInfo>,
    list: Vec<ListInfo>,
    indicator: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: String,
    label: String,
    adult_labour: ListEntry,
    #[serde(default)]
    child_labour: Option<ListEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestions {
    question: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    stage: Stage,
    indicators: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompts {
    pack: Vec<RawPack>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    form: Form,
    source: String,
    verified: bool,
    #[serde(default)]
    non_punishment: bool,
    #[serde(default)]
    note: Option<String>,
    prompt: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrosswalks {
    forced_labour: RawCrosswalk,
    methods_of_control: RawCrosswalk,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrosswalk {
    source: String,
    verified: bool,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, alias = "method")]
    indicator: Vec<RawCrosswalkItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrosswalkItem {
    id: String,
    label: String,
    maps_to: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

fn ids(
    raw: &[String],
    known: &BTreeMap<IndicatorId, usize>,
    context: &str,
) -> Result<Vec<IndicatorId>, String> {
    let mut out = raw
        .iter()
        .map(|s| {
            IndicatorId::syntactic(s)
                .filter(|id| known.contains_key(id))
                .ok_or_else(|| format!("{context}: `{s}` is not an indicator of the catalogue"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let len = out.len();
    out.sort();
    out.dedup();
    if out.len() != len {
        return Err(format!("{context}: an indicator is listed twice"));
    }
    Ok(out)
}

fn question(raw: RawQuestion, known: &BTreeMap<IndicatorId, usize>) -> Result<QuestionDef, String> {
    let indicators = ids(&raw.indicators, known, &format!("question {}", raw.id))?;
    if indicators.is_empty() {
        return Err(format!("question {} maps to no indicator", raw.id));
    }
    Ok(QuestionDef {
        id: raw.id,
        stage: raw.stage,
        indicators,
    })
}

fn crosswalk(raw: RawCrosswalk, known: &BTreeMap<IndicatorId, usize>) -> Result<Crosswalk, String> {
    let items = raw
        .indicator
        .into_iter()
        .map(|item| {
            Ok(CrosswalkItem {
                maps_to: ids(&item.maps_to, known, &format!("cross-walk {}", item.id))?,
                id: item.id,
                label: item.label,
                note: item.note,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Crosswalk {
        source: raw.source,
        verified: raw.verified,
        note: raw.note,
        items,
    })
}

/// Parses and checks the embedded catalogue files.
pub(crate) fn load() -> Result<Catalogue, String> {
    let raw: RawIndicators =
        toml::from_str(INDICATORS).map_err(|e| format!("catalogue/indicators.toml: {e}"))?;
    let mut indicators = Vec::with_capacity(raw.indicator.len());
    for ri in raw.indicator {
        let id = IndicatorId::syntactic(&ri.id)
            .ok_or_else(|| format!("bad indicator id `{}`", ri.id))?;
        indicators.push(Indicator {
            id,
            label: ri.label,
            adult_labour: ri.adult_labour,
            child_labour: ri.child_labour,
        });
    }
    indicators.sort_by_key(|i| i.id);
    let mut by_id = BTreeMap::new();
    for (i, ind) in indicators.iter().enumerate() {
        if by_id.insert(ind.id, i).is_some() {
            return Err(format!("indicator {} is listed twice", ind.id));
        }
    }
    // Numbers within a dimension are 1..=n with no gap.
    let mut expected = [1u8; 6];
    for ind in &indicators {
        let d = ind.id.dimension().index();
        if ind.id.number() != expected[d] {
            return Err(format!("indicator numbering has a gap before {}", ind.id));
        }
        expected[d] += 1;
    }
    let dims: Vec<Dimension> = raw.dimension.iter().map(|d| d.id).collect();
    if dims != Dimension::ALL {
        return Err("dimensions must be DR, CR, RV, EX, CD, VD in that order".into());
    }

    let raw_q: RawQuestions =
        toml::from_str(QUESTIONS).map_err(|e| format!("catalogue/questions.toml: {e}"))?;
    let questions = raw_q
        .question
        .into_iter()
        .map(|q| question(q, &by_id))
        .collect::<Result<Vec<_>, String>>()?;

    let raw_p: RawPrompts =
        toml::from_str(PROMPTS).map_err(|e| format!("catalogue/prompts.toml: {e}"))?;
    let mut packs = Vec::new();
    for p in raw_p.pack {
        packs.push(PromptPack {
            form: p.form,
            source: p.source,
            verified: p.verified,
            non_punishment: p.non_punishment,
            note: p.note,
            prompts: p
                .prompt
                .into_iter()
                .map(|q| question(q, &by_id))
                .collect::<Result<Vec<_>, String>>()?,
        });
    }

    let raw_c: RawCrosswalks =
        toml::from_str(CROSSWALKS).map_err(|e| format!("catalogue/crosswalks.toml: {e}"))?;

    let catalogue = Catalogue {
        version: raw.version,
        sources: raw.sources,
        dimensions: raw.dimension,
        lists: raw.list,
        indicators,
        questions,
        packs,
        forced_labour: crosswalk(raw_c.forced_labour, &by_id)?,
        methods_of_control: crosswalk(raw_c.methods_of_control, &by_id)?,
        by_id,
    };
    check_references(&catalogue)?;
    Ok(catalogue)
}

fn check_references(c: &Catalogue) -> Result<(), String> {
    let mut sources: Vec<&str> = Vec::new();
    for ind in &c.indicators {
        sources.push(&ind.adult_labour.source);
        if let Some(e) = &ind.child_labour {
            sources.push(&e.source);
        }
    }
    sources.extend(c.lists.iter().map(|l| l.source.as_str()));
    sources.extend(c.packs.iter().map(|p| p.source.as_str()));
    sources.push(&c.forced_labour.source);
    sources.push(&c.methods_of_control.source);
    if let Some(s) = sources.iter().find(|s| !c.sources.contains_key(**s)) {
        return Err(format!("source `{s}` is not declared in [sources]"));
    }
    for l in &c.lists {
        if let Some(f) = &l.fallback
            && c.list(f).is_none_or(|f| !f.available)
        {
            return Err(format!(
                "list {} falls back to `{f}`, which is not an available list",
                l.id
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for q in c
        .questions
        .iter()
        .chain(c.packs.iter().flat_map(|p| p.prompts.iter()))
    {
        if !seen.insert(q.id.as_str()) {
            return Err(format!("question id {} is used twice", q.id));
        }
    }
    let mut forms = BTreeSet::new();
    for p in &c.packs {
        if !forms.insert(p.form) {
            return Err(format!("two prompt packs for {}", p.form.as_str()));
        }
    }
    Ok(())
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| match load() {
    Ok(c) => c,
    // The files are embedded at compile time and checked by the test suite, so this cannot
    // happen in a tested build.
    Err(e) => panic!("the embedded screening catalogue is invalid: {e}"),
});

/// The embedded catalogue.
///
/// # Panics
///
/// Only if the embedded data files are invalid, which the test suite rules out.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}
