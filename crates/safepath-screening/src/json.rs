//! The JSON contract: `safepath screen FILE` and `POST /api/v1/screenings/evaluate`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::engine::{Age, ScreeningInput, Smuggling, evaluate};
use crate::error::{ScreeningError, quote};
use crate::profile::profile;
use crate::types::{Answer, Form, IndicatorId, Locale, Rule};

const REQUIRED: &[&str] = &["form", "act_established", "indicators"];
const OPTIONAL: &[&str] = &[
    "age_years",
    "likely_child",
    "smuggling",
    "free_to_leave",
    "rule",
    "jurisdiction",
    "disability_prevents_self_protection",
    "locale",
];
const SMUGGLING_KEYS: &[&str] = &[
    "irregular_crossing_for_fee",
    "consented_to_movement",
    "relationship_ended_on_arrival",
];
const DUPLICATE: &str = "duplicate key ";

/// A JSON value parsed without silently dropping a duplicated key.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{}", quote(&key))));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn parse_document(input: &[u8]) -> Result<Map<String, Value>, ScreeningError> {
    if let Err(e) = std::str::from_utf8(input) {
        return Err(ScreeningError::new(
            "invalid_utf8",
            format!(
                "the document is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ),
        ));
    }
    let StrictValue(value) = serde_json::from_slice(input).map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with(DUPLICATE) {
            ScreeningError::new("duplicate_key", format!("a key appears twice: {msg}"))
        } else {
            ScreeningError::new(
                "malformed_json",
                format!("the document is not valid JSON: {msg}"),
            )
        }
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(ScreeningError::new(
            "not_an_object",
            format!("the document must be a JSON object, not {}", kind(&other)),
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Number(n) => quote(&n.to_string()),
        other => kind(other).to_string(),
    }
}

fn invalid_type(key: &str, expected: &str, got: &Value) -> ScreeningError {
    ScreeningError::new(
        "invalid_type",
        format!("`{key}` must be {expected}, not {}", show(got)),
    )
}

/// An optional boolean: absent or null gives `false`.
fn opt_bool(map: &Map<String, Value>, key: &str, path: &str) -> Result<bool, ScreeningError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(invalid_type(path, "true or false", other)),
    }
}

fn str_value<'a>(map: &'a Map<String, Value>, key: &str) -> Option<Result<&'a str, &'a Value>> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Ok(s)),
        Some(other) => Some(Err(other)),
    }
}

/// Parses and validates a screening document into a [`ScreeningInput`].
///
/// # Errors
///
/// A [`ScreeningError`] naming the offending key or value: `invalid_utf8`, `malformed_json`,
/// `duplicate_key`, `not_an_object`, `unknown_field`, `missing_field`, `invalid_type`,
/// `invalid_form`, `invalid_rule`, `invalid_age`, `unknown_indicator`, `invalid_answer`,
/// `unknown_jurisdiction`, `invalid_locale`.
pub fn parse_input(input: &[u8]) -> Result<ScreeningInput, ScreeningError> {
    let map = parse_document(input)?;

    if let Some(key) = map
        .keys()
        .find(|k| !REQUIRED.contains(&k.as_str()) && !OPTIONAL.contains(&k.as_str()))
    {
        return Err(ScreeningError::new(
            "unknown_field",
            format!(
                "unknown key {}; the keys are {} (required) and {}",
                quote(key),
                REQUIRED.join(", "),
                OPTIONAL.join(", ")
            ),
        ));
    }
    if let Some(key) = REQUIRED.iter().find(|k| !map.contains_key(**k)) {
        return Err(ScreeningError::new(
            "missing_field",
            format!("the required key `{key}` is missing"),
        ));
    }

    let form = match map.get("form") {
        Some(Value::String(s)) => Form::parse(s).ok_or_else(|| {
            ScreeningError::new(
                "invalid_form",
                format!(
                    "`form` must be one of {}, not {}",
                    Form::ALL.map(Form::as_str).join(", "),
                    quote(s)
                ),
            )
        })?,
        Some(other) => {
            return Err(ScreeningError::new(
                "invalid_form",
                format!("`form` must be a string, not {}", show(other)),
            ));
        }
        None => {
            return Err(ScreeningError::new(
                "missing_field",
                "the required key `form` is missing",
            ));
        }
    };

    let act_established = match map.get("act_established") {
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(invalid_type("act_established", "true or false", other)),
        None => {
            return Err(ScreeningError::new(
                "missing_field",
                "the required key `act_established` is missing",
            ));
        }
    };

    let indicators = match map.get("indicators") {
        Some(Value::Object(obj)) => parse_indicators(obj)?,
        Some(other) => {
            return Err(invalid_type(
                "indicators",
                "an object mapping indicator ids to \"yes\", \"no\" or \"unknown\"",
                other,
            ));
        }
        None => {
            return Err(ScreeningError::new(
                "missing_field",
                "the required key `indicators` is missing",
            ));
        }
    };

    let age_years = match map.get("age_years") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_f64().and_then(Age::new).ok_or_else(|| {
            ScreeningError::new(
                "invalid_age",
                format!(
                    "`age_years` must be between 0 and 130, not {}",
                    quote(&n.to_string())
                ),
            )
        })?),
        Some(other) => {
            return Err(ScreeningError::new(
                "invalid_age",
                format!("`age_years` must be a number or null, not {}", show(other)),
            ));
        }
    };

    let smuggling = match map.get("smuggling") {
        None | Some(Value::Null) => Smuggling::default(),
        Some(Value::Object(obj)) => {
            if let Some(key) = obj.keys().find(|k| !SMUGGLING_KEYS.contains(&k.as_str())) {
                return Err(ScreeningError::new(
                    "unknown_field",
                    format!(
                        "unknown key {} in `smuggling`; the keys are {}",
                        quote(key),
                        SMUGGLING_KEYS.join(", ")
                    ),
                ));
            }
            Smuggling {
                irregular_crossing_for_fee: opt_bool(
                    obj,
                    "irregular_crossing_for_fee",
                    "smuggling.irregular_crossing_for_fee",
                )?,
                consented_to_movement: opt_bool(
                    obj,
                    "consented_to_movement",
                    "smuggling.consented_to_movement",
                )?,
                relationship_ended_on_arrival: opt_bool(
                    obj,
                    "relationship_ended_on_arrival",
                    "smuggling.relationship_ended_on_arrival",
                )?,
            }
        }
        Some(other) => return Err(invalid_type("smuggling", "an object", other)),
    };

    let rule = match str_value(&map, "rule") {
        None => None,
        Some(Ok(s)) => Some(Rule::parse(s).ok_or_else(|| {
            ScreeningError::new(
                "invalid_rule",
                format!("`rule` must be \"broad\" or \"strict\", not {}", quote(s)),
            )
        })?),
        Some(Err(other)) => {
            return Err(ScreeningError::new(
                "invalid_rule",
                format!(
                    "`rule` must be \"broad\" or \"strict\", not {}",
                    show(other)
                ),
            ));
        }
    };

    let jurisdiction = match str_value(&map, "jurisdiction") {
        None => None,
        Some(Ok(s)) => Some(profile(s).ok_or_else(|| {
            ScreeningError::new(
                "unknown_jurisdiction",
                format!(
                    "`jurisdiction` must be one of {}, not {}",
                    crate::profile::profiles()
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    quote(s)
                ),
            )
        })?),
        Some(Err(other)) => return Err(invalid_type("jurisdiction", "a profile id", other)),
    };

    let locale = match str_value(&map, "locale") {
        None => Locale::En,
        Some(Ok(s)) => Locale::parse(s).ok_or_else(|| {
            ScreeningError::new(
                "invalid_locale",
                format!(
                    "`locale` must be one of {}, not {}",
                    Locale::ALL.map(Locale::as_str).join(", "),
                    quote(s)
                ),
            )
        })?,
        Some(Err(other)) => return Err(invalid_type("locale", "a language tag", other)),
    };

    Ok(ScreeningInput {
        age_years,
        likely_child: opt_bool(&map, "likely_child", "likely_child")?,
        form,
        act_established,
        indicators,
        smuggling,
        free_to_leave: opt_bool(&map, "free_to_leave", "free_to_leave")?,
        rule,
        jurisdiction,
        disability_prevents_self_protection: opt_bool(
            &map,
            "disability_prevents_self_protection",
            "disability_prevents_self_protection",
        )?,
        locale,
    })
}

fn parse_indicators(
    obj: &Map<String, Value>,
) -> Result<BTreeMap<IndicatorId, Answer>, ScreeningError> {
    let mut out = BTreeMap::new();
    for (key, value) in obj {
        let id = IndicatorId::new(key).ok_or_else(|| {
            ScreeningError::new(
                "unknown_indicator",
                format!(
                    "{} in `indicators` is not an indicator of the catalogue (version {}); ids look like DR1, CR3, EX4, CD1",
                    quote(key),
                    crate::catalogue::catalogue().version
                ),
            )
        })?;
        let answer = match value {
            Value::String(s) => Answer::parse(s),
            _ => None,
        }
        .ok_or_else(|| {
            ScreeningError::new(
                "invalid_answer",
                format!(
                    "`indicators.{key}` must be \"yes\", \"no\" or \"unknown\", not {}",
                    show(value)
                ),
            )
        })?;
        out.insert(id, answer);
    }
    Ok(out)
}

/// Evaluates one JSON screening document and returns the evaluation as JSON: the contract of
/// `safepath screen FILE` and `POST /api/v1/screenings/evaluate`.
///
/// Required keys: `form`, `act_established`, `indicators`. Optional: `age_years` (number or
/// null), `likely_child`, `smuggling` (`irregular_crossing_for_fee`, `consented_to_movement`,
/// `relationship_ended_on_arrival`), `free_to_leave`, `rule` (`broad` | `strict`), and the
/// SafePath extensions `jurisdiction`, `disability_prevents_self_protection`, `locale`. Any
/// other key is refused.
///
/// # Errors
///
/// See [`parse_input`]; `internal` only if the evaluation cannot be serialized.
pub fn evaluate_json(input: &[u8]) -> Result<Value, ScreeningError> {
    let parsed = parse_input(input)?;
    let evaluation = evaluate(&parsed);
    serde_json::to_value(&evaluation).map_err(|e| {
        ScreeningError::new("internal", format!("cannot serialize the evaluation: {e}"))
    })
}
