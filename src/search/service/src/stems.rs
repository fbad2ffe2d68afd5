//! The index's token filters of our own: stemming with a memory, and word
//! pairs. The same words are stemmed again and again (every snippet re-reads
//! its post's text, every post shares most of its words with the others), and
//! the stemmer was a fifth of a query's time; word pairs let a phrase rank by
//! a term's posting list instead of every matching post's positions.

use std::borrow::Cow;
use std::cell::RefCell;
use std::mem;

use frostem::Algorithm;
use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words remembered per thread; past it the memory starts afresh (a
/// language has far fewer words in use than this).
const REMEMBERED: usize = 50_000;

/// One language's stems: a site stems in one language, so another one
/// (in tests) simply starts the memory afresh.
struct Stems {
    algorithm: Option<Algorithm>,
    // Fx, not SipHash: the words are the site's own, and hashing them was
    // a tenth of a snippet's time.
    words: FxHashMap<String, String>,
}

thread_local! {
    static STEMS: RefCell<Stems> = RefCell::new(Stems {
        algorithm: None,
        words: FxHashMap::default(),
    });
}

/// Tantivy's `Stemmer`, remembering each word's stem: the same stems, so an
/// index written with either reads with the other.
#[derive(Clone, Copy)]
pub(crate) struct RememberingStemmer(pub(crate) Algorithm);

impl TokenFilter for RememberingStemmer {
    type Tokenizer<T: Tokenizer> = RememberingStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> RememberingStemmerFilter<T> {
        RememberingStemmerFilter {
            algorithm: self.0,
            inner,
        }
    }
}

#[derive(Clone)]
pub(crate) struct RememberingStemmerFilter<T> {
    algorithm: Algorithm,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for RememberingStemmerFilter<T> {
    type TokenStream<'a> = RememberingStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberingStemmerStream {
            tail: self.inner.token_stream(text),
            algorithm: self.algorithm,
            stemmer: None,
        }
    }
}

pub(crate) struct RememberingStemmerStream<T> {
    tail: T,
    algorithm: Algorithm,
    /// Made on the first word not remembered: most streams need none.
    stemmer: Option<frostem::Stemmer>,
}

impl<T: TokenStream> TokenStream for RememberingStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let algorithm = self.algorithm;
        let stemmer = &mut self.stemmer;
        let token = self.tail.token_mut();
        STEMS.with_borrow_mut(|stems| {
            if stems.algorithm != Some(algorithm) {
                stems.algorithm = Some(algorithm);
                stems.words.clear();
            }
            let stems = &mut stems.words;
            if let Some(stem) = stems.get(&token.text) {
                token.text.clone_from(stem);
                return;
            }
            let stemmer = stemmer.get_or_insert_with(|| frostem::Stemmer::new(algorithm));
            let stem = match stemmer.stem(&token.text) {
                Cow::Owned(stem) => stem,
                Cow::Borrowed(stem) => stem.to_owned(),
            };
            if stems.len() >= REMEMBERED {
                stems.clear();
            }
            let word = mem::replace(&mut token.text, stem.clone());
            stems.insert(word, stem);
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Each word joined to the one before it ("small blog" for "a small blog"
/// gives "a small", "small blog"): a phrase of two words is then one term, as
/// Elasticsearch's `index_phrases` does.
#[derive(Clone, Copy)]
pub(crate) struct WordPairs;

/// What joins the two words of a pair; a word never holds it.
pub(crate) const PAIR_JOIN: char = ' ';

impl TokenFilter for WordPairs {
    type Tokenizer<T: Tokenizer> = WordPairsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> WordPairsFilter<T> {
        WordPairsFilter { inner }
    }
}

#[derive(Clone)]
pub(crate) struct WordPairsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for WordPairsFilter<T> {
    type TokenStream<'a> = WordPairsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordPairsStream {
            tail: self.inner.token_stream(text),
            previous: None,
        }
    }
}

pub(crate) struct WordPairsStream<T> {
    tail: T,
    previous: Option<String>,
}

impl<T: TokenStream> TokenStream for WordPairsStream<T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            let word = token.text.clone();
            if let Some(previous) = self.previous.replace(word) {
                token.text = format!("{previous}{PAIR_JOIN}{}", token.text);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    fn words(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut words = Vec::new();
        while stream.advance() {
            words.push(stream.token().text.clone());
        }
        words
    }

    #[test]
    fn remembered_stems_are_the_stemmers_own_every_time() {
        let text = "Sailing boats sailed; the sailors sail on, sailing again and running runs";
        let plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        let remembering = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(RememberingStemmer(Algorithm::English))
            .build();
        let expected = words(plain, text);
        assert_eq!(words(remembering.clone(), text), expected);
        // A second pass reads every stem from memory.
        assert_eq!(words(remembering, text), expected);
        assert!(expected.contains(&"sail".to_owned()));
    }

    #[test]
    fn pairs_join_each_word_to_the_one_before() {
        let pairs = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(WordPairs)
            .build();
        assert_eq!(
            words(pairs.clone(), "A small, quiet blog"),
            vec!["a small", "small quiet", "quiet blog"]
        );
        assert!(words(pairs.clone(), "alone").is_empty());
        assert!(words(pairs, "").is_empty());
    }

    #[test]
    fn languages_keep_their_own_stems() {
        let text = "running sailing";
        let with = |filter: RememberingStemmer, language| {
            let plain = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(Stemmer::new(language))
                .build();
            let remembering = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(filter)
                .build();
            (words(plain, text), words(remembering, text))
        };
        let (english, remembered_english) =
            with(RememberingStemmer(Algorithm::English), Language::English);
        let (french, remembered_french) =
            with(RememberingStemmer(Algorithm::French), Language::French);
        assert_ne!(
            english, french,
            "the words must stem apart for this test to mean anything"
        );
        assert_eq!(remembered_english, english);
        assert_eq!(remembered_french, french);
    }
}
