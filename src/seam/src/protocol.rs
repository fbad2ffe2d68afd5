//! The contract every concern's protocol is written in: the concerns' names,
//! messages and their answers, errors, and the metadata that travels with a call.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Failure;
use crate::principal::SignedPrincipal;

/// The concerns Folio is made of. A closed set: a typo in a fault request or a
/// metric label is a parse error, not a silent new concern.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ConcernName {
    Auth,
    Posts,
    Media,
    Render,
    Search,
}

impl ConcernName {
    pub const ALL: [ConcernName; 5] = [
        ConcernName::Auth,
        ConcernName::Posts,
        ConcernName::Media,
        ConcernName::Render,
        ConcernName::Search,
    ];
    /// The concerns that own a database.
    pub const STORED: [ConcernName; 3] =
        [ConcernName::Auth, ConcernName::Posts, ConcernName::Media];

    pub fn as_str(self) -> &'static str {
        match self {
            ConcernName::Auth => "auth",
            ConcernName::Posts => "posts",
            ConcernName::Media => "media",
            ConcernName::Render => "render",
            ConcernName::Search => "search",
        }
    }
}

impl fmt::Display for ConcernName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConcernName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConcernName::ALL
            .into_iter()
            .find(|name| name.as_str() == s)
            .ok_or_else(|| {
                format!("unknown concern {s:?}; expected one of auth, posts, media, render, search")
            })
    }
}

/// A concern's error type: serialisable (it crosses the future process boundary),
/// able to carry a runtime [`Failure`], and able to say whether it is a fault
/// (counted in `folio_concern_errors_total`) or an expected answer such as "not found".
pub trait ConcernError:
    From<Failure> + Serialize + DeserializeOwned + fmt::Debug + fmt::Display + Send + 'static
{
    fn is_fault(&self) -> bool;
    /// The runtime failure this error carries, if it is one.
    fn as_failure(&self) -> Option<&Failure>;
}

/// A concern's protocol as a whole: who answers it, the one error type its
/// replies carry and the events its changes announce. Implemented by a marker
/// type per concern through [`crate::protocol!`], beside its messages.
pub trait Protocol: 'static {
    const NAME: ConcernName;
    type Error: ConcernError;
    type Event: Serialize + DeserializeOwned + Clone + fmt::Debug + Send + Sync + 'static;
}

/// A message a concern answers. Plain serde data in and out: only the transport
/// changes when a concern moves to its own process.
pub trait ConcernMessage: Serialize + DeserializeOwned + fmt::Debug + Send + 'static {
    /// Stable name, used in logs and as the NATS subject (`folio.v1.<NAME>`).
    const NAME: &'static str;
    type Protocol: Protocol<Error = Self::Error>;
    type Reply: Serialize + DeserializeOwned + Send + 'static;
    type Error: ConcernError;
}

/// The events of `M`'s protocol.
pub type EventOf<M> = <<M as ConcernMessage>::Protocol as Protocol>::Event;

/// What a concern answers to `M`: the reply (or why not) and the events the
/// change announced, which travel with it so the caller's side can apply them
/// (drop its cached pages) before it answers in turn.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(
    serialize = "R: Serialize, E: Serialize, V: Serialize",
    deserialize = "R: DeserializeOwned, E: DeserializeOwned, V: DeserializeOwned"
))]
pub struct Answer<R, E, V> {
    pub result: Result<R, E>,
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<V>,
}

/// The [`Answer`] to `M`.
pub type AnswerOf<M> =
    Answer<<M as ConcernMessage>::Reply, <M as ConcernMessage>::Error, EventOf<M>>;

impl<R, E, V> Answer<R, E, V> {
    /// An answer with nothing announced: a refusal, a failure, a read.
    pub fn only(result: Result<R, E>) -> Self {
        Self {
            result,
            events: Vec::new(),
        }
    }
}

/// Declares a concern's protocol: its marker type, error and events, and every
/// message with its reply and stable name — the one list, per concern, of what
/// it answers.
///
/// ```ignore
/// protocol!(RenderProtocol: ConcernName::Render, RenderError, NoEvents {
///     Render => Rendered, "render.markdown";
/// });
/// ```
#[macro_export]
macro_rules! protocol {
    ($protocol:ident: $concern:expr, $error:ty, $event:ty {
        $($msg:ty => $reply:ty, $name:literal;)*
    }) => {
        /// This concern's protocol as a whole (see `runtime::Protocol`).
        pub struct $protocol;

        impl $crate::Protocol for $protocol {
            const NAME: $crate::ConcernName = $concern;
            type Error = $error;
            type Event = $event;
        }

        $(
        impl $crate::ConcernMessage for $msg {
            const NAME: &'static str = $name;
            type Protocol = $protocol;
            type Reply = $reply;
            type Error = $error;
        }
        )*
    };
}

/// The events of a concern that announces none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoEvents {}

/// What travels with every message besides its body: who asked (the request id
/// that ties one request's story together across concerns) and how long the
/// caller will wait.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallMeta {
    pub request_id: String,
    #[serde(with = "humantime_serde")]
    pub budget: Duration,
    /// Who the call is made for; `None` for anonymous requests.
    pub principal: Option<SignedPrincipal>,
    /// Sent by the server's own housekeeping (the scheduler), not for a request:
    /// injected faults are left for the messages requests send.
    #[serde(default)]
    pub housekeeping: bool,
    /// When the budget started; across a process boundary, the time of receipt.
    #[serde(skip, default = "Instant::now")]
    started: Instant,
}

impl CallMeta {
    pub fn new(request_id: impl Into<String>, budget: Duration) -> Self {
        Self {
            request_id: request_id.into(),
            budget,
            principal: None,
            housekeeping: false,
            started: Instant::now(),
        }
    }

    /// The same call with a longer (or shorter) deadline, for work known to take long.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    pub fn with_principal(mut self, principal: SignedPrincipal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// The same call, marked as the server's own housekeeping.
    pub fn housekeeping(mut self) -> Self {
        self.housekeeping = true;
        self
    }

    /// Time left before the caller gives up; zero once it has.
    pub fn remaining(&self) -> Duration {
        self.budget.saturating_sub(self.started.elapsed())
    }

    /// The metadata as a wire carries it: the budget is what remains, counted
    /// from now, so the clocks of two processes need not agree. (Keeping the
    /// old start would subtract the time already spent twice.)
    pub fn on_the_wire(mut self) -> Self {
        self.budget = self.remaining();
        self.started = Instant::now();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_the_wire_the_budget_is_what_remains_counted_from_now() {
        let mut meta = CallMeta::new("req", Duration::from_secs(10));
        // As if the request had already spent four seconds.
        meta.started -= Duration::from_secs(4);
        let sent = meta.on_the_wire();
        assert!(sent.budget <= Duration::from_secs(6));
        assert!(
            sent.budget > Duration::from_millis(5_900),
            "{:?}",
            sent.budget
        );
        assert!(
            sent.remaining() > Duration::from_millis(5_900),
            "{:?}",
            sent.remaining()
        );
    }
}
