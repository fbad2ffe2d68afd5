//! Why a file was refused, in words a user can act on, with where in the file
//! when that is known.

use std::fmt;

/// A place in a file: the line is 1-based, the byte offset 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub byte: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, byte {}", self.line, self.byte)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),

    #[error(
        "{at}: the file declares a DOCTYPE; WordPress exports never do, and it is refused \
         so that no entity can be expanded or fetched"
    )]
    Doctype { at: Position },

    #[error(
        "{at}: the entity reference `&{name};` is refused; only XML's five (&amp; &lt; &gt; \
         &quot; &apos;) and numeric character references are allowed"
    )]
    Entity { name: String, at: Position },

    #[error("{at}: the file is not well-formed XML: {reason}")]
    Malformed { reason: String, at: Position },

    #[error("{at}: the file is not valid UTF-8; re-export it, or convert it to UTF-8 first")]
    InvalidUtf8 { at: Position },

    #[error("Ghost post {post}: its {field} is not valid JSON: {reason}")]
    GhostContent {
        post: String,
        field: String,
        reason: String,
    },

    #[error("{at}: the field <{field}> is larger than the limit of {limit} bytes")]
    FieldTooLarge {
        field: String,
        limit: usize,
        at: Position,
    },

    #[error("the file holds more than {limit} items, the limit; split the export")]
    TooManyItems { limit: usize },

    #[error("{at}: the id {id} is used by two entries; the export is inconsistent")]
    DuplicateId { id: String, at: Position },

    #[error(
        "{at}: attachment {id} has the file path {path:?}, which is absolute or leaves the \
         uploads folder (`..`, backslash); refused"
    )]
    UnsafePath {
        id: String,
        path: String,
        at: Position,
    },

    #[error("{at}: <{field}> should be a number, not {value:?}")]
    NotANumber {
        field: String,
        value: String,
        at: Position,
    },

    #[error("this is not a WordPress export (WXR): {reason}")]
    NotWxr { reason: String },

    #[error("this is not a Ghost export: {reason}")]
    NotGhost { reason: String },

    #[error("Ghost post {post}: its {field} is larger than the limit of {limit} bytes")]
    GhostFieldTooLarge {
        post: String,
        field: String,
        limit: usize,
    },

    #[error("the id {id} is used by two {table}; the export is inconsistent")]
    GhostDuplicateId { table: String, id: String },

    #[error("the file is {size} bytes, over the limit of {limit} bytes")]
    FileTooLarge { size: u64, limit: u64 },

    #[error("line {line}, column {column}: the file is not valid JSON: {reason}")]
    Json {
        reason: String,
        line: usize,
        column: usize,
    },
}
