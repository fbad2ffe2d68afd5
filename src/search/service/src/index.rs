//! The tantivy index, and the only code that touches it: its schema and
//! "folio" analyzer, writes, the map of what it holds, queries and snippets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use frostem::Algorithm;
use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::LogMergePolicy;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery,
    Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::stems::{PAIR_JOIN, RememberingStemmer, WordPairs};
use super::text::html_to_text;
use folio_posts_protocol::PostId;
use folio_posts_protocol::domain::{PostKind, PostStatus};
use folio_posts_protocol::messages::{PostView, TagRef};
use folio_runtime::UserId;
use folio_search_protocol::domain::Language;
use folio_search_protocol::messages::{SearchHit, SearchPage, SearchStats};

/// The analyzer of every text field, and of the reader's words.
const ANALYZER: &str = "folio";
/// The same words, each joined to the one before (see [`WordPairs`]).
const PAIRS_ANALYZER: &str = "folio-pairs";
/// Where the stemming language the index was built with is written down.
const LANGUAGE_FILE: &str = "language";
/// One indexing thread: a blog's posts index quickly, and the other core
/// keeps serving pages.
const WRITER_HEAP_BYTES: usize = 50_000_000;
/// How many indexed words the last word of a prefix search may stand for:
/// the commonest of them, as an autocomplete would offer. Each is a posting
/// list to walk, so a start such as "se" must not stand for hundreds.
const PREFIX_EXPANSIONS: usize = 16;
/// How many words starting so are weighed to find the commonest, per segment.
const PREFIX_CANDIDATES: usize = 1_000;
/// A snippet's length, in characters.
const SNIPPET_CHARS: usize = 200;

const TITLE_BOOST: f32 = 3.0;
const TAGS_BOOST: f32 = 2.0;
const TITLE_PHRASE_BOOST: f32 = 6.0;
const BODY_PHRASE_BOOST: f32 = 2.0;

/// The full-text index of posts and pages, with what it holds in memory.
/// Cheap to clone: every clone is the same index.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    language: Language,
    /// Reloaded by hand after each commit, so a search sees a write at once
    /// rather than whenever tantivy's file watcher notices.
    reader: IndexReader,
    fields: Fields,
    write: Mutex<WriteState>,
    catching_up: AtomicBool,
    caught_up_at: Mutex<Option<DateTime<Utc>>>,
    answers: Mutex<Answers>,
}

/// Pages already answered, for the index as one searcher generation saw it.
/// A blog's readers ask the same few things and its index changes rarely:
/// between two commits the same search gets the same page, so it is kept
/// rather than ranked again (a common word matches every post, and counting
/// 100,000 matches is most of a search's cost). Any commit starts afresh.
#[derive(Default)]
struct Answers {
    generation: u64,
    pages: HashMap<AnswerKey, SearchPage>,
}

/// What decides a page of results, as parsed: the analysed words, not the
/// text typed (so "Kites" and "kite" share a page).
#[derive(Clone, PartialEq, Eq, Hash)]
struct AnswerKey {
    stemmed: Vec<String>,
    unstemmed: Vec<String>,
    visibility: Visibility,
    prefix: bool,
    page: u32,
    per_page: u32,
}

/// Pages kept at most; past it the whole set starts afresh (cheap, and
/// simpler than tracking which were used least).
const ANSWERS_KEPT: usize = 2_000;

/// The one writer, and what the index holds once what it staged is committed.
struct WriteState {
    writer: IndexWriter,
    held: HashMap<PostId, Held>,
    staged: usize,
}

/// What the index holds of a post: what a catch-up compares with posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) revision: i32,
    pub(crate) author: UserId,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    body: Field,
    body_pairs: Field,
    tags: Field,
    tags_json: Field,
    slug: Field,
    kind: Field,
    status: Field,
    author: Field,
    published: Field,
    updated: Field,
    publish_at: Field,
    revision: Field,
}

/// When a staged write may replace what the index holds.
#[derive(Clone)]
pub(crate) enum Rule {
    /// An event's refresh: a copy older than the one held (two refreshes of
    /// one post that crossed) is not written back over it.
    NotOlder,
    /// A catch-up's fix: only where the index still holds what the
    /// comparison saw; anything else was refreshed meanwhile, and fresher.
    Unchanged(Arc<HashMap<PostId, Held>>),
}

/// Whose posts a search may return besides the published ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Visibility {
    Published,
    PublishedOrBy(UserId),
    Everything,
}

/// A search, its paging already checked.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) words: String,
    pub(crate) prefix: bool,
    pub(crate) visibility: Visibility,
    /// From 1.
    pub(crate) page: u32,
    /// From 1.
    pub(crate) per_page: u32,
}

/// Marks a catch-up as running until dropped, however it ends.
pub(crate) struct CatchingUp(Arc<Inner>);

impl Drop for CatchingUp {
    fn drop(&mut self) {
        self.0.catching_up.store(false, Ordering::SeqCst);
    }
}

fn schema() -> Schema {
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let mut builder = Schema::builder();
    builder.add_text_field("id", STRING | STORED | FAST);
    builder.add_text_field("title", text(true));
    // Stored for the snippets.
    builder.add_text_field("body", text(true));
    // Ranks a phrase without reading positions: counts, no positions.
    builder.add_text_field(
        "body_pairs",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(PAIRS_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    builder.add_text_field("tags", text(false));
    builder.add_text_field("tags_json", STORED);
    builder.add_text_field("slug", STRING | STORED);
    builder.add_text_field("kind", STRING | STORED);
    builder.add_text_field("status", STRING | STORED);
    builder.add_text_field("author", STRING | STORED | FAST);
    builder.add_i64_field("published", STORED);
    builder.add_i64_field("updated", STORED);
    builder.add_i64_field("publish_at", STORED);
    builder.add_i64_field("revision", INDEXED | STORED | FAST);
    builder.build()
}

impl Fields {
    fn of(schema: &Schema) -> anyhow::Result<Self> {
        let field = |name: &str| {
            schema
                .get_field(name)
                .context("a field of the search schema")
        };
        Ok(Self {
            id: field("id")?,
            title: field("title")?,
            body: field("body")?,
            body_pairs: field("body_pairs")?,
            tags: field("tags")?,
            tags_json: field("tags_json")?,
            slug: field("slug")?,
            kind: field("kind")?,
            status: field("status")?,
            author: field("author")?,
            published: field("published")?,
            updated: field("updated")?,
            publish_at: field("publish_at")?,
            revision: field("revision")?,
        })
    }
}

fn stemming(language: Language) -> Algorithm {
    match language {
        Language::English => Algorithm::English,
        Language::French => Algorithm::French,
        Language::German => Algorithm::German,
        Language::Spanish => Algorithm::Spanish,
        Language::Italian => Algorithm::Italian,
        Language::Portuguese => Algorithm::Portuguese,
        Language::Dutch => Algorithm::Dutch,
    }
}

/// Words split on anything not a letter or digit, so `title:x AND (` is the
/// words "title", "x" and "and"; folded so "café" and "cafe" are one word.
fn analyzer(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RememberingStemmer(stemming(language)))
        .build()
}

/// The analyzer's words in pairs, for phrases.
fn pairs_analyzer(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(RememberingStemmer(stemming(language)))
        .filter(WordPairs)
        .build()
}

/// The same words unstemmed: a word being typed may not stem like the whole word.
fn unstemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn tokens(mut analyzer: TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while stream.advance() {
        words.push(stream.token().text.clone());
    }
    words
}

/// The index's directory, private to Folio's user like the rest of the data.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    Ok(())
}

/// Empties the directory (the index can always be rebuilt from posts).
fn wipe(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        }
        .with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

/// What every live document of the index is, read from its fast fields (not
/// its stored bodies): ~100,000 posts in well under a second.
fn scan(searcher: &Searcher) -> anyhow::Result<HashMap<PostId, Held>> {
    let mut held = HashMap::new();
    let (mut id, mut author) = (String::new(), String::new());
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let (Some(ids), Some(authors)) = (fast.str("id")?, fast.str("author")?) else {
            continue;
        };
        let revisions = fast.i64("revision")?;
        for doc in segment.doc_ids_alive() {
            let (Some(id_ord), Some(author_ord)) =
                (ids.term_ords(doc).next(), authors.term_ords(doc).next())
            else {
                continue;
            };
            id.clear();
            author.clear();
            if !ids.ord_to_str(id_ord, &mut id)? || !authors.ord_to_str(author_ord, &mut author)? {
                continue;
            }
            let (Ok(post), Ok(author), Some(revision)) = (
                PostId::parse(&id),
                UserId::parse(&author),
                revisions.first(doc),
            ) else {
                continue;
            };
            held.insert(
                post,
                Held {
                    revision: i32::try_from(revision).unwrap_or(i32::MAX),
                    author,
                },
            );
        }
    }
    Ok(held)
}

impl Inner {
    fn open(dir: &Path, language: Language) -> anyhow::Result<Self> {
        let schema = schema();
        let index = if dir.join("meta.json").exists() {
            let index = Index::open_in_dir(dir).context("opening the search index")?;
            if index.schema() != schema {
                bail!("the search index was made by another version of Folio");
            }
            index
        } else {
            Index::create_in_dir(dir, schema.clone()).context("creating the search index")?
        };
        index.tokenizers().register(ANALYZER, analyzer(language));
        index
            .tokenizers()
            .register(PAIRS_ANALYZER, pairs_analyzer(language));
        let fields = Fields::of(&schema)?;
        let writer = index
            .writer_with_num_threads(1, WRITER_HEAP_BYTES)
            .context("opening the search index's writer")?;
        writer.set_merge_policy(Box::new(merge_policy()));
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("opening the search index's reader")?;
        let held = scan(&reader.searcher()).context("reading what the search index holds")?;
        Ok(Self {
            dir: dir.to_owned(),
            language,
            reader,
            fields,
            write: Mutex::new(WriteState {
                writer,
                held,
                staged: 0,
            }),
            catching_up: AtomicBool::new(false),
            caught_up_at: Mutex::new(None),
            answers: Mutex::default(),
        })
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates it. One made with another
    /// language, or that cannot be opened, is replaced by an empty one (with
    /// a warning): a catch-up then rebuilds it from posts.
    pub fn open(dir: &Path, language: Language) -> anyhow::Result<SearchIndex> {
        private_dir(dir)?;
        let recorded = std::fs::read_to_string(dir.join(LANGUAGE_FILE)).ok();
        let recorded = recorded.as_deref().map(str::trim);
        if dir.join("meta.json").exists() && recorded != Some(language.code()) {
            tracing::warn!(
                dir = %dir.display(),
                was = recorded.unwrap_or("unknown"),
                now = language.code(),
                "the search index was built for another language; rebuilding it from posts"
            );
            wipe(dir)?;
        }
        let inner = match Inner::open(dir, language) {
            Ok(inner) => inner,
            // Another process writes this index: never pull it from under it.
            Err(error)
                if matches!(
                    error.downcast_ref::<tantivy::TantivyError>(),
                    Some(tantivy::TantivyError::LockFailure(..))
                ) =>
            {
                return Err(error);
            }
            Err(error) => {
                tracing::warn!(
                    dir = %dir.display(),
                    error = format!("{error:#}"),
                    "the search index cannot be used; rebuilding it from posts"
                );
                wipe(dir)?;
                Inner::open(dir, language)?
            }
        };
        std::fs::write(dir.join(LANGUAGE_FILE), language.code())
            .with_context(|| format!("writing {}", dir.join(LANGUAGE_FILE).display()))?;
        Ok(SearchIndex {
            inner: Arc::new(inner),
        })
    }

    /// The writer. A write that panicked left it poisoned, with changes
    /// half staged: those are dropped, and the map read again from the index.
    fn write(&self) -> MutexGuard<'_, WriteState> {
        match self.inner.write.lock() {
            Ok(state) => state,
            Err(poisoned) => {
                let mut state = poisoned.into_inner();
                self.inner.write.clear_poison();
                tracing::warn!("a write to the search index panicked; its changes are dropped");
                self.back_to_last_commit(&mut state);
                state
            }
        }
    }

    fn back_to_last_commit(&self, state: &mut WriteState) {
        if let Err(error) = state.writer.rollback() {
            tracing::error!(%error, "rolling back the search index's writer");
        }
        state.staged = 0;
        let rescanned = self
            .inner
            .reader
            .reload()
            .map_err(anyhow::Error::from)
            .and_then(|()| scan(&self.inner.reader.searcher()));
        match rescanned {
            Ok(held) => state.held = held,
            // Left as it was: a catch-up may then fix a little more than needed.
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "rereading the search index")
            }
        }
    }

    fn document(&self, post: &PostView) -> anyhow::Result<TantivyDocument> {
        let f = &self.inner.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, post.id.to_string());
        doc.add_text(f.title, &post.title);
        let body = html_to_text(&post.html);
        doc.add_text(f.body_pairs, &body);
        doc.add_text(f.body, body);
        for tag in &post.tags {
            doc.add_text(f.tags, &tag.name);
        }
        doc.add_text(f.tags_json, serde_json::to_string(&post.tags)?);
        doc.add_text(f.slug, &post.slug);
        doc.add_text(f.kind, post.kind.as_str());
        doc.add_text(f.status, post.status.as_str());
        doc.add_text(f.author, post.author.to_string());
        if let Some(at) = post.published_at {
            doc.add_i64(f.published, at.timestamp());
        }
        if let Some(at) = post.publish_at {
            doc.add_i64(f.publish_at, at.timestamp());
        }
        doc.add_i64(f.updated, post.updated_at.timestamp());
        doc.add_i64(f.revision, i64::from(post.revision));
        Ok(doc)
    }

    fn id_term(&self, id: PostId) -> Term {
        Term::from_field_text(self.inner.fields.id, &id.to_string())
    }

    /// Writes `posts` over their old copies and deletes `gone`, where `rule`
    /// allows; visible to searches after [`commit`](Self::commit). Answers how
    /// many changes it staged.
    pub(crate) fn stage(
        &self,
        posts: &[PostView],
        gone: &[PostId],
        rule: Rule,
    ) -> anyhow::Result<usize> {
        // Turning HTML into documents needs no lock.
        let docs = posts
            .iter()
            .map(|post| {
                let held = Held {
                    revision: post.revision,
                    author: post.author,
                };
                Ok((post.id, held, self.document(post)?))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut state = self.write();
        let allowed = |state: &WriteState, id: &PostId, revision: Option<i32>| {
            let current = state.held.get(id);
            match (&rule, revision) {
                (Rule::NotOlder, Some(revision)) => current.is_none_or(|c| c.revision <= revision),
                (Rule::NotOlder, None) => true,
                (Rule::Unchanged(seen), _) => seen.get(id) == current,
            }
        };
        let mut changed = 0;
        for (id, held, doc) in docs {
            if !allowed(&state, &id, Some(held.revision)) {
                continue;
            }
            state.writer.delete_term(self.id_term(id));
            state.writer.add_document(doc)?;
            state.held.insert(id, held);
            changed += 1;
        }
        for id in gone {
            if allowed(&state, id, None) && state.held.remove(id).is_some() {
                state.writer.delete_term(self.id_term(*id));
                changed += 1;
            }
        }
        state.staged += changed;
        Ok(changed)
    }

    /// Makes what was staged durable and searchable. On failure the staged
    /// changes are dropped (a catch-up finds them again).
    pub(crate) fn commit(&self) -> anyhow::Result<()> {
        let mut state = self.write();
        if state.staged == 0 {
            return Ok(());
        }
        if let Err(error) = state.writer.commit() {
            self.back_to_last_commit(&mut state);
            return Err(anyhow::Error::from(error).context("committing the search index"));
        }
        state.staged = 0;
        drop(state);
        self.inner
            .reader
            .reload()
            .context("reloading the search index's reader")
    }

    /// A copy of what the index holds (and has staged).
    pub(crate) fn held(&self) -> HashMap<PostId, Held> {
        self.write().held.clone()
    }

    /// `None` while another catch-up runs.
    pub(crate) fn begin_catch_up(&self) -> Option<CatchingUp> {
        self.inner
            .catching_up
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .ok()
            .map(|_| CatchingUp(self.inner.clone()))
    }

    pub(crate) fn caught_up(&self) {
        *self
            .inner
            .caught_up_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Utc::now());
    }

    pub(crate) fn stats(&self) -> anyhow::Result<SearchStats> {
        let mut index_bytes = 0;
        for entry in std::fs::read_dir(&self.inner.dir)? {
            // A merge deletes the segments it replaced at any moment: a file
            // listed a moment ago may be gone, and is no longer the index.
            let metadata = match entry.and_then(|entry| entry.metadata()) {
                Ok(metadata) => metadata,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(error.into()),
            };
            if metadata.is_file() {
                index_bytes += metadata.len();
            }
        }
        Ok(SearchStats {
            documents: self.inner.reader.searcher().num_docs(),
            index_bytes,
            catching_up: self.inner.catching_up.load(Ordering::SeqCst),
            caught_up_at: *self
                .inner
                .caught_up_at
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            language: self.inner.language.code().to_owned(),
        })
    }

    /// The reader's words as the index has them, stemmed (and unstemmed, for
    /// the word being typed).
    fn words(&self, text: &str) -> (Vec<String>, Vec<String>) {
        (
            tokens(analyzer(self.inner.language), text),
            tokens(unstemmed_analyzer(), text),
        )
    }

    pub(crate) fn search(&self, request: &Request) -> anyhow::Result<SearchPage> {
        let (page, per_page) = (request.page.max(1), request.per_page.max(1));
        let empty = SearchPage {
            total: 0,
            page,
            per_page,
            hits: Vec::new(),
        };
        let searcher = self.inner.reader.searcher();
        let (stemmed, unstemmed) = self.words(&request.words);
        if stemmed.is_empty() {
            return Ok(empty);
        }
        let generation = searcher.generation().generation_id();
        let key = AnswerKey {
            stemmed: stemmed.clone(),
            unstemmed: unstemmed.clone(),
            visibility: request.visibility,
            prefix: request.prefix,
            page,
            per_page,
        };
        if let Some(found) = self.answered(generation, &key) {
            return Ok(found);
        }
        let found = self.rank(&searcher, &stemmed, &unstemmed, request, empty)?;
        let mut answers = self
            .inner
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if answers.generation == generation {
            if answers.pages.len() >= ANSWERS_KEPT {
                answers.pages.clear();
            }
            answers.pages.insert(key, found.clone());
        }
        Ok(found)
    }

    /// The page kept for `key`, if the index is still as it was then.
    fn answered(&self, generation: u64, key: &AnswerKey) -> Option<SearchPage> {
        let mut answers = self
            .inner
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if answers.generation < generation {
            // Kept pages are of an older index (or of none yet): start afresh.
            answers.generation = generation;
            answers.pages.clear();
            return None;
        }
        if answers.generation > generation {
            // This search started before a commit others have seen.
            return None;
        }
        answers.pages.get(key).cloned()
    }

    fn rank(
        &self,
        searcher: &Searcher,
        stemmed: &[String],
        unstemmed: &[String],
        request: &Request,
        empty: SearchPage,
    ) -> anyhow::Result<SearchPage> {
        let (page, per_page) = (empty.page, empty.per_page);
        let query = self.query(searcher, stemmed, unstemmed, request)?;
        let offset = (page as usize - 1) * per_page as usize;
        let top = TopDocs::with_limit(per_page as usize)
            .and_offset(offset)
            .order_by_score();
        let (total, top) = searcher.search(&query, &(Count, top))?;
        let mut snippets = SnippetGenerator::create(searcher, &query, self.inner.fields.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(top.len());
        let needles: Vec<&str> = stemmed
            .iter()
            .chain(unstemmed)
            .map(String::as_str)
            .collect();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(hit) = self.hit(&doc, &snippets, &needles) {
                hits.push(hit);
            }
        }
        Ok(SearchPage {
            total: total as u64,
            hits,
            ..empty
        })
    }

    /// Every word must match (in the title, the text or a tag, the title
    /// counting most); the words as a phrase rank above the same words apart.
    fn query(
        &self,
        searcher: &Searcher,
        stemmed: &[String],
        unstemmed: &[String],
        request: &Request,
    ) -> anyhow::Result<BooleanQuery> {
        let f = &self.inner.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let last = stemmed.len() - 1;
        for (i, word) in stemmed.iter().enumerate() {
            let fields = [(f.title, TITLE_BOOST), (f.body, 1.0), (f.tags, TAGS_BOOST)];
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, boost) in fields {
                let terms = if request.prefix && i == last {
                    let mut starts = vec![word.as_str()];
                    starts.extend(unstemmed.get(i).map(String::as_str));
                    expand(searcher, field, &starts)?
                } else {
                    vec![Term::from_field_text(field, word)]
                };
                for term in terms {
                    alternatives.push((Occur::Should, boosted(term_query(term), boost)));
                }
            }
            let word_query: Box<dyn Query> = if alternatives.is_empty() {
                Box::new(EmptyQuery)
            } else {
                Box::new(BooleanQuery::new(alternatives))
            };
            clauses.push((Occur::Must, word_query));
        }
        if stemmed.len() >= 2 {
            let phrase = |field: Field| -> Box<dyn Query> {
                let terms: Vec<Term> = stemmed
                    .iter()
                    .map(|word| Term::from_field_text(field, word))
                    .collect();
                if request.prefix {
                    Box::new(PhrasePrefixQuery::new(terms))
                } else {
                    Box::new(PhraseQuery::new(terms))
                }
            };
            clauses.push((Occur::Should, boosted(phrase(f.title), TITLE_PHRASE_BOOST)));
            if request.prefix {
                // The last word is a start: no pair holds it whole.
                clauses.push((Occur::Should, boosted(phrase(f.body), BODY_PHRASE_BOOST)));
            } else {
                // Bodies are long: reading their positions in every post
                // that has the words cost most of a query's time. Pairs of
                // words in a row rank the same way from counts alone.
                let share = BODY_PHRASE_BOOST / (stemmed.len() - 1) as f32;
                for pair in stemmed.windows(2) {
                    let term = Term::from_field_text(
                        f.body_pairs,
                        &format!("{}{PAIR_JOIN}{}", pair[0], pair[1]),
                    );
                    clauses.push((Occur::Should, boosted(term_query(term), share)));
                }
            }
        }
        let status =
            |status: PostStatus| term_query(Term::from_field_text(f.status, status.as_str()));
        match request.visibility {
            Visibility::Everything => {}
            Visibility::Published => {
                // Leaving out the few posts not published skips them in
                // their short lists; requiring "published" walked a list
                // as long as the index beside every match.
                for hidden in [PostStatus::Draft, PostStatus::Scheduled] {
                    match hidden {
                        PostStatus::Published => {}
                        PostStatus::Draft | PostStatus::Scheduled => {
                            clauses.push((Occur::MustNot, status(hidden)));
                        }
                    }
                }
            }
            Visibility::PublishedOrBy(user) => {
                let filter = BooleanQuery::new(vec![
                    (Occur::Should, status(PostStatus::Published)),
                    (
                        Occur::Should,
                        term_query(Term::from_field_text(f.author, &user.to_string())),
                    ),
                ]);
                // A filter, not a match: it adds nothing to the score.
                clauses.push((
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(filter), 0.0)),
                ));
            }
        }
        Ok(BooleanQuery::new(clauses))
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        snippets: &SnippetGenerator,
        needles: &[&str],
    ) -> Option<SearchHit> {
        let f = &self.inner.fields;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|value| value.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let number = |field: Field| doc.get_first(field).and_then(|value| value.as_i64());
        let tags: Vec<TagRef> = serde_json::from_str(&text(f.tags_json)).unwrap_or_default();
        let body = text(f.body);
        let mut snippet = snippets.snippet(snippet_window(&body, needles));
        let snippet_html = if snippet.is_empty() {
            lead(&body)
        } else {
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            snippet.to_html()
        };
        Some(SearchHit {
            id: PostId::parse(&text(f.id)).ok()?,
            kind: PostKind::parse(&text(f.kind)).unwrap_or_default(),
            title: text(f.title),
            slug: text(f.slug),
            status: PostStatus::parse(&text(f.status)).unwrap_or_default(),
            published_at: number(f.published).and_then(|secs| DateTime::from_timestamp(secs, 0)),
            publish_at: number(f.publish_at).and_then(|secs| DateTime::from_timestamp(secs, 0)),
            updated_at: number(f.updated).and_then(|secs| DateTime::from_timestamp(secs, 0)),
            author: UserId::parse(&text(f.author)).ok()?,
            tags,
            snippet_html,
        })
    }
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if boost == 1.0 {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// The indexed words of `field` that start with one of `starts`: the
/// [`PREFIX_EXPANSIONS`] found in most posts, as terms. Each then scores and
/// highlights like a word typed in full.
fn expand(searcher: &Searcher, field: Field, starts: &[&str]) -> anyhow::Result<Vec<Term>> {
    let mut found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        for start in starts {
            let mut stream = inverted
                .terms()
                .range()
                .ge(str::as_bytes(start))
                .into_stream()?;
            let mut weighed = 0;
            while weighed < PREFIX_CANDIDATES && stream.advance() {
                let Ok(word) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if !word.starts_with(start) {
                    break;
                }
                weighed += 1;
                *found.entry(word.to_owned()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut found: Vec<(String, u64)> = found.into_iter().collect();
    // Commonest first; among equals, the shortest (closest to what was typed).
    found.sort_by(|(a, a_posts), (b, b_posts)| {
        b_posts
            .cmp(a_posts)
            .then(a.len().cmp(&b.len()))
            .then(a.cmp(b))
    });
    Ok(found
        .iter()
        .take(PREFIX_EXPANSIONS)
        .map(|(word, _)| Term::from_field_text(field, word))
        .collect())
}

/// Every query pays for each segment: its terms looked up, its scorers set
/// up, and its own top hits collected then merged with the others'
/// (a deep page keeps thousands per segment). Merged when four segments of a
/// size have gathered, not tantivy's default eight: at 100,000 posts one
/// segment instead of seven answered random pages 15% faster (wrk -c16).
fn merge_policy() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_min_num_segments(MERGE_AT_SEGMENTS);
    policy
}

const MERGE_AT_SEGMENTS: usize = 4;

/// Where a hit's snippet is cut from: a stretch of its text around the
/// first place one of the query's words or stems appears (a plain byte
/// search), or the whole text when none does (a word matched through its
/// accents). The snippet generator tokenises and stems all it is given,
/// and whole bodies made that the largest part of a query's time; the
/// fragment it picks is at most [`SNIPPET_CHARS`] long, so the stretch
/// leaves it room either side.
fn snippet_window<'t>(text: &'t str, needles: &[&str]) -> &'t str {
    let lower = text.to_ascii_lowercase();
    let Some(at) = needles
        .iter()
        .filter(|needle| !needle.is_empty())
        .filter_map(|needle| lower.find(needle))
        .min()
    else {
        return text;
    };
    let mut start = at.saturating_sub(SNIPPET_CHARS * 2);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + SNIPPET_CHARS * 4).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    // Whole words only: a word cut in two would show as a word.
    if start > 0 {
        start = text[start..at]
            .find(char::is_whitespace)
            .map_or(at, |space| start + space);
    }
    if end < text.len() {
        end = text[at..end]
            .rfind(char::is_whitespace)
            .map_or(end, |space| at + space);
    }
    &text[start..end]
}

/// The start of a text with no match in it, escaped, cut at a word.
fn lead(body: &str) -> String {
    let mut end = body.len();
    if let Some((cut, _)) = body.char_indices().nth(SNIPPET_CHARS) {
        end = body[..cut].rfind(char::is_whitespace).unwrap_or(cut);
    }
    let mut lead = escape(body[..end].trim_end());
    if end < body.len() {
        lead.push('…');
    }
    lead
}

/// The same characters tantivy's snippets escape.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    struct Site {
        _dir: tempfile::TempDir,
        index: SearchIndex,
    }

    fn site() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(&dir.path().join("search"), Language::English).unwrap();
        Site { _dir: dir, index }
    }

    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn post(n: u128, title: &str, html: &str) -> PostView {
        let at = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
        PostView {
            id: PostId::from_uuid(Uuid::from_u128(n)),
            kind: PostKind::Post,
            title: title.to_owned(),
            slug: format!("post-{n}"),
            markdown: String::new(),
            html: html.to_owned(),
            excerpt: String::new(),
            tags: Vec::new(),
            status: PostStatus::Published,
            publish_at: None,
            published_at: Some(at),
            feature_image: None,
            author: user(1),
            revision: 1,
            created_at: at,
            updated_at: at,
            words: 0,
            seo: Default::default(),
            review_requested_at: None,
        }
    }

    fn draft(n: u128, title: &str, author: UserId) -> PostView {
        PostView {
            status: PostStatus::Draft,
            published_at: None,
            author,
            ..post(n, title, "<p>draft text</p>")
        }
    }

    impl Site {
        fn put(&self, posts: &[PostView]) {
            self.index.stage(posts, &[], Rule::NotOlder).unwrap();
            self.index.commit().unwrap();
        }

        fn find_as(&self, words: &str, visibility: Visibility, prefix: bool) -> SearchPage {
            self.index
                .search(&Request {
                    words: words.to_owned(),
                    prefix,
                    visibility,
                    page: 1,
                    per_page: 10,
                })
                .unwrap()
        }

        fn find(&self, words: &str) -> Vec<String> {
            self.find_as(words, Visibility::Published, false)
                .hits
                .into_iter()
                .map(|hit| hit.title)
                .collect()
        }
    }

    #[test]
    fn a_kept_answer_is_never_older_than_the_last_commit() {
        let site = site();
        site.put(&[post(1, "Kites", "<p>paper kites</p>")]);
        assert_eq!(site.find("kites"), ["Kites"]);
        assert_eq!(site.find("kites"), ["Kites"], "asked again: the same");
        site.put(&[post(2, "More kites", "<p>kites again</p>")]);
        assert_eq!(site.find("kites").len(), 2, "a commit makes it rank again");
        site.index
            .stage(
                &[],
                &[PostId::from_uuid(Uuid::from_u128(1))],
                Rule::NotOlder,
            )
            .unwrap();
        site.index.commit().unwrap();
        assert_eq!(site.find("kites"), ["More kites"]);
    }

    #[test]
    fn a_title_match_ranks_above_a_body_match() {
        let site = site();
        site.put(&[
            post(
                1,
                "Notes from the weekend",
                "<p>We flew a kite on the beach.</p>",
            ),
            post(2, "Kite", "<p>Notes from the weekend on the beach.</p>"),
        ]);
        assert_eq!(site.find("kite"), ["Kite", "Notes from the weekend"]);
    }

    #[test]
    fn an_exact_phrase_ranks_above_the_same_words_apart() {
        let site = site();
        site.put(&[
            post(
                1,
                "One",
                "<p>Red paint on the door, and a kite that was blue.</p>",
            ),
            post(
                2,
                "Two",
                "<p>Under the sky a blue kite, flying away from red hands.</p>",
            ),
        ]);
        assert_eq!(site.find("blue kite"), ["Two", "One"]);
    }

    #[test]
    fn words_are_found_by_their_stem_and_without_their_accents() {
        let site = site();
        site.put(&[
            post(1, "Morning", "<p>I run every morning.</p>"),
            post(2, "Café culture", "<p>Crème brûlée.</p>"),
        ]);
        assert_eq!(site.find("running"), ["Morning"]);
        assert_eq!(site.find("runs"), ["Morning"]);
        assert_eq!(site.find("cafe"), ["Café culture"]);
        assert_eq!(site.find("CAFÉS"), ["Café culture"]);
        assert_eq!(site.find("creme brulee"), ["Café culture"]);
    }

    #[test]
    fn every_word_must_match() {
        let site = site();
        site.put(&[
            post(1, "Kites", "<p>Blue ones.</p>"),
            post(2, "Kites", "<p>Red ones.</p>"),
        ]);
        assert_eq!(
            site.find_as("kites blue", Visibility::Published, false)
                .total,
            1
        );
    }

    #[test]
    fn the_last_word_can_be_the_start_of_a_word() {
        let site = site();
        site.put(&[post(1, "Photography basics", "<p>Light.</p>")]);
        assert!(site.find("photog").is_empty());
        let page = site.find_as("photog", Visibility::Published, true);
        assert_eq!(page.total, 1);
        let page = site.find_as("basics phot", Visibility::Published, true);
        assert_eq!(page.total, 1);
        assert_eq!(site.find_as("zzz", Visibility::Published, true).total, 0);
    }

    #[test]
    fn drafts_show_only_to_whom_may_see_them() {
        let site = site();
        let (me, other) = (user(7), user(8));
        site.put(&[
            post(1, "Kite published", "<p>x</p>"),
            draft(2, "Kite mine", me),
            draft(3, "Kite theirs", other),
            PostView {
                status: PostStatus::Scheduled,
                ..draft(4, "Kite scheduled", other)
            },
        ]);
        let titles = |visibility| {
            let mut titles: Vec<String> = site
                .find_as("kite", visibility, false)
                .hits
                .into_iter()
                .map(|hit| hit.title)
                .collect();
            titles.sort();
            titles
        };
        assert_eq!(titles(Visibility::Published), ["Kite published"]);
        assert_eq!(
            titles(Visibility::PublishedOrBy(me)),
            ["Kite mine", "Kite published"]
        );
        assert_eq!(titles(Visibility::Everything).len(), 4);
    }

    #[test]
    fn hostile_queries_are_words_or_nothing_and_never_fail() {
        let site = site();
        site.put(&[post(1, "Title x", "<p>and more</p>")]);
        // The operators are words: "title", "x", "and" all match this post.
        assert_eq!(site.find("title:x AND ("), ["Title x"]);
        for words in [
            "\"\"\"",
            "*",
            "((((",
            "-",
            "title:",
            "ｔｉｔｌｅ",
            "\u{0430}nd",
            "𝐭𝐢𝐭𝐥𝐞",
            "a\u{0301}\u{0301}\u{0301}",
            "\u{202e}kite",
            &"x".repeat(500),
            &"é ".repeat(250),
        ] {
            let page = site.find_as(words, Visibility::Published, true);
            assert!(page.total <= 1, "{words}");
        }
        assert_eq!(
            site.find_as("!!! ... ???", Visibility::Published, false)
                .total,
            0
        );
    }

    #[test]
    fn a_snippet_marks_the_word_and_escapes_the_rest() {
        let site = site();
        site.put(&[
            post(
                1,
                "One",
                "<p>Never run &lt;script&gt;alert(1)&lt;/script&gt; near a kite.</p>",
            ),
            post(
                2,
                "Kite",
                "<p>Text with <b>&lt;b&gt;</b> &amp; no match.</p>",
            ),
        ]);
        let page = site.find_as("kite", Visibility::Published, false);
        let one = page.hits.iter().find(|hit| hit.title == "One").unwrap();
        assert!(
            one.snippet_html.contains("<mark>kite</mark>"),
            "{}",
            one.snippet_html
        );
        assert!(
            one.snippet_html.contains("&lt;script&gt;"),
            "{}",
            one.snippet_html
        );
        assert!(!one.snippet_html.contains("<script>"));
        let two = page.hits.iter().find(|hit| hit.title == "Kite").unwrap();
        assert_eq!(two.snippet_html, "Text with &lt;b&gt; &amp; no match.");
    }

    #[test]
    fn a_snippet_comes_from_around_the_first_match_even_in_a_long_text() {
        let filler = "Nothing to see in this sentence at all. ".repeat(200);
        let body =
            format!("<p>{filler}</p><p>The kite flew high above the bay.</p><p>{filler}</p>");
        let one = site();
        one.put(&[post(1, "Long", &body)]);
        let page = one.find_as("kite", Visibility::Published, false);
        let snippet = &page.hits[0].snippet_html;
        assert!(snippet.contains("The <mark>kite</mark>"), "{snippet}");
        assert!(snippet.chars().count() <= SNIPPET_CHARS + 30, "{snippet}");
        // A word the text holds with accents only: the whole text is searched.
        let other = site();
        other.put(&[post(
            2,
            "Cafe",
            &format!("<p>{filler}</p><p>A café by the sea.</p>"),
        )]);
        let page = other.find_as("cafe", Visibility::Published, false);
        assert!(
            page.hits[0].snippet_html.contains("<mark>café</mark>"),
            "{}",
            page.hits[0].snippet_html
        );
    }

    #[test]
    fn a_window_never_cuts_a_word_or_a_character() {
        let text = "é".repeat(900) + " kite " + &"ü".repeat(900);
        let window = snippet_window(&text, &["kite"]);
        assert!(window.contains("kite"));
        assert!(window.len() < text.len());
        assert_eq!(snippet_window("no match here", &["kite"]), "no match here");
    }

    #[test]
    fn a_hit_carries_what_a_result_list_shows() {
        let site = site();
        let tags = vec![TagRef {
            name: "Outdoors".into(),
            slug: "outdoors".into(),
        }];
        site.put(&[PostView {
            tags: tags.clone(),
            kind: PostKind::Page,
            ..post(1, "About", "<p>Me.</p>")
        }]);
        let hit = &site.find_as("outdoors", Visibility::Published, false).hits[0];
        assert_eq!(hit.tags, tags);
        assert_eq!(hit.kind, PostKind::Page);
        assert_eq!(hit.slug, "post-1");
        assert_eq!(
            hit.published_at,
            Some(Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap())
        );
    }

    #[test]
    fn pages_split_the_hits_and_total_counts_them_all() {
        let site = site();
        let posts: Vec<PostView> = (1..=25).map(|n| post(n, "Kite", "<p>x</p>")).collect();
        site.put(&posts);
        let page = |page| {
            site.index
                .search(&Request {
                    words: "kite".into(),
                    prefix: false,
                    visibility: Visibility::Published,
                    page,
                    per_page: 10,
                })
                .unwrap()
        };
        assert_eq!((page(1).total, page(1).hits.len()), (25, 10));
        assert_eq!(page(3).hits.len(), 5);
        assert!(page(4).hits.is_empty());
    }

    #[test]
    fn writes_replace_and_delete_and_the_map_follows() {
        let site = site();
        site.put(&[post(1, "Kite", "<p>x</p>"), post(2, "Kite two", "<p>x</p>")]);
        site.put(&[PostView {
            revision: 2,
            ..post(1, "Balloon", "<p>x</p>")
        }]);
        // An older copy arriving late does not overwrite the newer one.
        site.put(&[post(1, "Kite", "<p>x</p>")]);
        assert_eq!(site.find("kite"), ["Kite two"]);
        assert_eq!(site.find("balloon"), ["Balloon"]);
        let id2 = PostId::from_uuid(Uuid::from_u128(2));
        site.index.stage(&[], &[id2], Rule::NotOlder).unwrap();
        site.index.commit().unwrap();
        assert!(site.find("kite").is_empty());
        let held = site.index.held();
        assert_eq!(held.len(), 1);
        assert_eq!(held[&PostId::from_uuid(Uuid::from_u128(1))].revision, 2);
        assert_eq!(site.index.stats().unwrap().documents, 1);
    }

    #[test]
    fn a_catch_up_leaves_alone_what_changed_since_it_compared() {
        let site = site();
        site.put(&[post(1, "Kite", "<p>x</p>")]);
        let seen = site.index.held();
        // An event's refresh lands meanwhile…
        site.put(&[PostView {
            revision: 3,
            ..post(1, "Balloon", "<p>x</p>")
        }]);
        // …so the catch-up's older copy is not written.
        let written = site
            .index
            .stage(
                &[PostView {
                    revision: 2,
                    ..post(1, "Kite", "<p>x</p>")
                }],
                &[],
                Rule::Unchanged(Arc::new(seen)),
            )
            .unwrap();
        assert_eq!(written, 0);
    }

    #[test]
    fn reopening_keeps_the_index_and_another_language_starts_it_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search");
        {
            let index = SearchIndex::open(&path, Language::English).unwrap();
            index
                .stage(&[post(1, "Kite", "<p>x</p>")], &[], Rule::NotOlder)
                .unwrap();
            index.commit().unwrap();
        }
        let index = SearchIndex::open(&path, Language::English).unwrap();
        assert_eq!(index.held().len(), 1);
        assert_eq!(index.stats().unwrap().documents, 1);
        drop(index);
        let index = SearchIndex::open(&path, Language::French).unwrap();
        assert!(index.held().is_empty());
        let stats = index.stats().unwrap();
        assert_eq!((stats.documents, stats.language.as_str()), (0, "fr"));
    }

    #[test]
    fn a_broken_index_is_replaced_by_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search");
        drop(SearchIndex::open(&path, Language::English).unwrap());
        std::fs::write(path.join("meta.json"), "not json").unwrap();
        let index = SearchIndex::open(&path, Language::English).unwrap();
        assert_eq!(index.stats().unwrap().documents, 0);
    }

    #[test]
    fn a_write_that_panicked_leaves_the_index_usable() {
        let site = site();
        site.put(&[post(1, "Kite", "<p>x</p>")]);
        let index = site.index.clone();
        let crashed = std::thread::spawn(move || {
            let state = index.write();
            state
                .writer
                .delete_term(index.id_term(PostId::from_uuid(Uuid::from_u128(1))));
            panic!("a panic in the middle of a write");
        })
        .join();
        assert!(crashed.is_err());
        site.put(&[post(2, "Kite two", "<p>x</p>")]);
        assert_eq!(site.find("kite").len(), 2);
        assert_eq!(site.index.held().len(), 2);
    }

    #[test]
    fn one_catch_up_at_a_time() {
        let site = site();
        let first = site.index.begin_catch_up().unwrap();
        assert!(site.index.begin_catch_up().is_none());
        assert!(site.index.stats().unwrap().catching_up);
        drop(first);
        assert!(site.index.begin_catch_up().is_some());
    }

    #[test]
    fn a_lead_is_cut_at_a_word_and_escaped() {
        assert_eq!(lead("a < b"), "a &lt; b");
        let long = "word ".repeat(100);
        let cut = lead(&long);
        assert!(cut.ends_with("word…"));
        assert!(cut.chars().count() <= SNIPPET_CHARS + 1);
    }
}
