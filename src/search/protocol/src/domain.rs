//! What a search is made of, parsed at the edge: a reader's words, never
//! the engine's query syntax.

use serde::{Deserialize, Serialize};

/// The longest query taken, in characters: longer is refused (400), not cut,
/// so nobody gets results for words they did not type.
pub const MAX_QUERY_CHARS: usize = 500;

/// A reader's words: trimmed, not empty, at most [`MAX_QUERY_CHARS`], no
/// control characters. Operators (`AND`, quotes, `field:`) are words like any
/// other: the engine never parses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Query(String);

impl Query {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("type a word or two to search for".into());
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(format!(
                "a search is at most {MAX_QUERY_CHARS} characters; shorten it"
            ));
        }
        // Control characters are never a reader's words; whitespace ones are spaces.
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || c.is_whitespace())
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Query {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl From<Query> for String {
    fn from(query: Query) -> String {
        query.0
    }
}

/// Languages whose stemming the index can use (set once per site; changing
/// it rebuilds the index).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "de")]
    German,
    #[serde(rename = "es")]
    Spanish,
    #[serde(rename = "it")]
    Italian,
    #[serde(rename = "pt")]
    Portuguese,
    #[serde(rename = "nl")]
    Dutch,
}

impl Language {
    pub const ALL: [Language; 7] = [
        Language::English,
        Language::French,
        Language::German,
        Language::Spanish,
        Language::Italian,
        Language::Portuguese,
        Language::Dutch,
    ];

    /// The ISO 639-1 code, as `--search-language` takes it.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::German => "de",
            Language::Spanish => "es",
            Language::Italian => "it",
            Language::Portuguese => "pt",
            Language::Dutch => "nl",
        }
    }
}

impl std::str::FromStr for Language {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, String> {
        Language::ALL
            .into_iter()
            .find(|language| language.code() == code)
            .ok_or_else(|| {
                let codes: Vec<&str> = Language::ALL.iter().map(|l| l.code()).collect();
                format!(
                    "unknown language {code:?}; expected one of {}",
                    codes.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_query_is_trimmed_and_bounded_and_control_characters_go() {
        assert_eq!(
            Query::parse("  kite \t flying ").unwrap().as_str(),
            "kite   flying"
        );
        assert!(Query::parse("   ").is_err());
        assert!(Query::parse(&"a".repeat(MAX_QUERY_CHARS + 1)).is_err());
        assert_eq!(Query::parse("a\u{0}b").unwrap().as_str(), "ab");
    }
}
