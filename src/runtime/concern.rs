//! The contract between a concern and the runtime: names, messages, the call envelope.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::Failure;
use super::principal::{Principal, SignedPrincipal};

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
}

impl ConcernName {
    pub const ALL: [ConcernName; 4] = [
        ConcernName::Auth,
        ConcernName::Posts,
        ConcernName::Media,
        ConcernName::Render,
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
                format!("unknown concern {s:?}; expected one of auth, posts, media, render")
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

/// A concern's state. It is rebuilt from `Deps` on every restart, so whatever a
/// panic may have left half-changed is thrown away.
pub trait Concern: Sized + Unpin + 'static {
    const NAME: ConcernName;
    /// What survives restarts: the store handle, the handles of other concerns.
    type Deps: Clone + Send + Sync + Unpin + 'static;

    fn start(deps: &Self::Deps) -> Self;
}

/// A message a concern answers. Plain serde data in and out: only the transport
/// changes when a concern moves to its own process.
pub trait ConcernMessage: Serialize + DeserializeOwned + fmt::Debug + Send + 'static {
    /// Stable name, used in logs and as the future NATS subject (`folio.v1.<NAME>`).
    const NAME: &'static str;
    type Reply: Serialize + DeserializeOwned + Send + 'static;
    type Error: ConcernError;
}

/// The handler of message `M` in concern `Self`. The returned future must own
/// what it needs (clone the store) so it can run concurrently with others.
pub trait Handles<M: ConcernMessage>: Concern {
    fn handle(
        &mut self,
        msg: M,
        caller: &Caller,
    ) -> LocalBoxFuture<'static, Result<M::Reply, M::Error>>;
}

/// Implements [`Handles`] for a concern whose state keeps its dependencies in
/// `deps`, sending each message to the `deps` method named beside it — the one
/// list, per concern, from message to handler:
///
/// ```ignore
/// concern_handlers!(Media { Stats => stats; Ingest => ingest; });
/// ```
#[macro_export]
macro_rules! concern_handlers {
    ($concern:ty { $($msg:ty => $method:ident;)* }) => {
        $crate::concern_dispatch!($concern { $($msg),* });
        $(
        impl $crate::runtime::Handles<$msg> for $concern {
            fn handle(
                &mut self,
                msg: $msg,
                caller: &$crate::runtime::Caller,
            ) -> ::futures::future::LocalBoxFuture<
                'static,
                Result<
                    <$msg as $crate::runtime::ConcernMessage>::Reply,
                    <$msg as $crate::runtime::ConcernMessage>::Error,
                >,
            > {
                let deps = self.deps.clone();
                let caller = caller.clone();
                Box::pin(async move { deps.$method(msg, &caller).await })
            }
        }
    )*};
}

/// What a handler knows about who called: the request id and the principal,
/// already verified by the host.
#[derive(Clone, Debug)]
pub struct Caller {
    pub request_id: String,
    pub principal: Option<Principal>,
}

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

    /// The metadata as a wire carries it: the budget is what remains, relative,
    /// so the clocks of two processes need not agree.
    pub fn on_the_wire(mut self) -> Self {
        self.budget = self.remaining();
        self
    }
}

/// The envelope a handle sends to a concern's actor: the message and its meta.
#[derive(Debug, Serialize, Deserialize)]
pub struct Call<M> {
    pub msg: M,
    pub meta: CallMeta,
}

impl<M: ConcernMessage> actix::Message for Call<M> {
    type Result = Result<M::Reply, M::Error>;
}
