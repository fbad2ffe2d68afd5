//! WordPress's WXR export (versions 1.0 to 1.2, as `wp-admin/includes/export.php`
//! writes it) read as a stream: one entry at a time from any `BufRead`, so a
//! large file is never held whole, and every hostile construct refused with
//! its position before a caller has written anything.

use std::io::{self, BufRead};

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};
use serde::{Deserialize, Serialize};

mod input;
mod state;
mod values;

use input::{EVENT_SLACK, LineCounter};
use state::State;

use crate::content::{MediaLookup, NoMedia};
use crate::error::{ImportError, Position};
use crate::model::{Attachment, Author, Export, Item, Limits, Redirect, Report, Term};

/// What the channel says about the site, sent before the first other entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub wxr_version: String,
    pub site_title: String,
    pub site_url: String,
    pub base_site_url: String,
    /// `<folio:version>`: the file is a Folio export, whose posts carry their
    /// Markdown and whose redirects are listed (nothing is to be derived).
    pub folio_version: Option<String>,
}

/// The namespace of what a Folio export adds to WXR (WordPress ignores it).
pub const FOLIO_NS: &str = "urn:folio:export:1";

/// One thing read from the file, in file order (WordPress writes the header,
/// then authors, categories, tags and terms, then items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Header(Header),
    Author(Author),
    Term(Term),
    Attachment(Attachment),
    Item(Box<Item>),
    Redirect(Redirect),
}

/// Reads a whole (small) file into memory, converting content with `media`.
pub fn read_all<R: BufRead>(
    input: R,
    limits: Limits,
    media: &dyn MediaLookup,
) -> Result<Export, ImportError> {
    let mut reader = WxrReader::new(input, limits, media);
    let mut export = Export::default();
    while let Some(entry) = reader.next_entry()? {
        match entry {
            Entry::Header(h) => {
                export.site_title = h.site_title;
                export.site_url = h.site_url;
            }
            Entry::Author(a) => export.authors.push(a),
            Entry::Term(t) => export.terms.push(t),
            Entry::Attachment(a) => export.attachments.push(a),
            Entry::Item(i) => export.items.push(*i),
            Entry::Redirect(r) => export.redirects.push(r),
        }
    }
    export.report = reader.into_report();
    Ok(export)
}

/// Validates the whole file and counts what it holds, keeping nothing: the
/// first pass a caller makes before writing anything. Content is not
/// converted (its warnings come with the items of a converting pass).
pub fn check<R: BufRead>(input: R, limits: Limits) -> Result<Report, ImportError> {
    let mut reader = WxrReader::without_content(input, limits);
    while reader.next_entry()?.is_some() {}
    Ok(reader.into_report())
}

/// The namespaces WXR uses, matched by URI: the prefixes are only the
/// exporter's habit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    None,
    Wp,
    Excerpt,
    Content,
    Dc,
    Folio,
    Other,
}

fn classify(ns: &ResolveResult<'_>) -> Ns {
    match ns {
        ResolveResult::Unbound => Ns::None,
        ResolveResult::Bound(uri) => {
            let uri = uri.as_ref();
            let wxr = uri
                .strip_prefix("http://wordpress.org/export/")
                .or_else(|| uri.strip_prefix("https://wordpress.org/export/"));
            match wxr {
                Some(rest) if rest.ends_with("/excerpt/") => Ns::Excerpt,
                Some(_) => Ns::Wp,
                None if uri == "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
                None if uri == "http://purl.org/dc/elements/1.1/" => Ns::Dc,
                None if uri == FOLIO_NS => Ns::Folio,
                None => Ns::Other,
            }
        }
        ResolveResult::Unknown(_) => Ns::Other,
    }
}

struct Tag {
    ns: Ns,
    local: String,
    qname: String,
}

impl Tag {
    fn is(&self, ns: Ns, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
}

/// Reads entries one at a time; see [`WxrReader::next_entry`].
pub struct WxrReader<'m, R: BufRead> {
    xml: NsReader<LineCounter<R>>,
    buf: Vec<u8>,
    state: State<'m>,
    /// Set at the end or at the first error: quick-xml would read on past
    /// an error, and an entry after one must never reach a caller.
    finished: bool,
}

impl<'m, R: BufRead> WxrReader<'m, R> {
    pub fn new(input: R, limits: Limits, media: &'m dyn MediaLookup) -> Self {
        let mut xml = NsReader::from_reader(LineCounter {
            inner: input,
            newlines: 0,
            in_event: 0,
            max_event: (limits.max_field_bytes as u64).saturating_add(EVENT_SLACK),
            overflowed: false,
        });
        let config = xml.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        Self {
            xml,
            buf: Vec::new(),
            state: State::new(limits, media),
            finished: false,
        }
    }

    /// A reader for passes that collect authors, terms and attachments:
    /// items come with their fields but an empty `markdown` (converting
    /// every post is most of a read's time).
    pub fn without_content(input: R, limits: Limits) -> WxrReader<'static, R> {
        let mut reader = WxrReader::new(input, limits, &NoMedia);
        reader.state.convert = false;
        reader
    }

    /// The report so far; complete once `next_entry` has answered `None`.
    pub fn report(&self) -> &Report {
        &self.state.report
    }

    pub fn into_report(self) -> Report {
        self.state.report
    }

    /// The next entry, or `None` at the end of a valid file. An error ends
    /// the reading: the file is refused as a whole.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, ImportError> {
        if self.finished {
            return Ok(None);
        }
        let next = self.read_entry();
        self.finished = !matches!(next, Ok(Some(_)));
        next
    }

    fn read_entry(&mut self) -> Result<Option<Entry>, ImportError> {
        loop {
            self.buf.clear();
            self.xml.get_mut().in_event = 0;
            let at = Position {
                line: self.xml.get_ref().newlines + 1,
                byte: self.xml.buffer_position(),
            };
            let (ns, event) = match self.xml.read_resolved_event_into(&mut self.buf) {
                Ok((ns, event)) => (classify(&ns), event),
                Err(err) => {
                    // Encoding errors leave error_position unset: the event's
                    // start is the nearest known place then.
                    let at = Position {
                        line: self.xml.get_ref().newlines + 1,
                        byte: self.xml.error_position().max(at.byte),
                    };
                    if self.xml.get_ref().overflowed {
                        return Err(self.state.field_too_large(at));
                    }
                    return Err(xml_error(err, at));
                }
            };
            let found = match event {
                Event::Start(start) => {
                    let local = start.local_name().as_ref().to_owned();
                    let qname = start.name().as_ref().to_owned();
                    let mut attrs = (String::new(), String::new());
                    if ns == Ns::None && local == "category" {
                        for attr in start.attributes() {
                            let attr = attr.map_err(|e| malformed(e.to_string(), at))?;
                            let value = attr
                                .normalized_value(XmlVersion::Implicit1_0)
                                .map_err(|e| xml_error(e, at))?
                                .into_owned();
                            match attr.key.as_ref() {
                                "domain" => attrs.0 = value,
                                "nicename" => attrs.1 = value,
                                _ => {}
                            }
                        }
                    }
                    self.state.start(Tag { ns, local, qname }, attrs, at)?
                }
                Event::End(_) => self.state.end(at)?,
                Event::Text(text) => {
                    self.state.push_text(&text.xml10_content(), at)?;
                    None
                }
                Event::CData(cdata) => {
                    self.state.push_text(&cdata.xml10_content(), at)?;
                    None
                }
                Event::GeneralRef(reference) => {
                    let ch = match reference.resolve_char_ref() {
                        Ok(Some(ch)) => ch,
                        Ok(None) => match &*reference {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            name => {
                                return Err(ImportError::Entity {
                                    name: name.to_owned(),
                                    at,
                                });
                            }
                        },
                        Err(e) => return Err(malformed(e.to_string(), at)),
                    };
                    self.state.push_text(ch.encode_utf8(&mut [0; 4]), at)?;
                    None
                }
                Event::DocType(_) => return Err(ImportError::Doctype { at }),
                Event::Eof => return self.state.eof(at),
                Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => None,
            };
            if found.is_some() {
                return Ok(found);
            }
        }
    }
}

fn malformed(reason: String, at: Position) -> ImportError {
    ImportError::Malformed { reason, at }
}

fn xml_error(err: quick_xml::Error, at: Position) -> ImportError {
    match err {
        quick_xml::Error::Io(io) => ImportError::Io(io::Error::new(io.kind(), io.to_string())),
        quick_xml::Error::Encoding(_) => ImportError::InvalidUtf8 { at },
        other => malformed(other.to_string(), at),
    }
}

/// The same stream as an iterator: `Some(Err(_))` once, then `None`.
impl<R: BufRead> Iterator for WxrReader<'_, R> {
    type Item = Result<Entry, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_entry().transpose()
    }
}
