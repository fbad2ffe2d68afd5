//! The handle every caller holds to reach a concern: one generic client over
//! the transport, so a concern's protocol needs no client code of its own and
//! no caller ever names a concern's actor, store or address.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::events::EventBus;
use crate::transport::{self, Body, Transport};
use crate::{AnswerOf, CallMeta, ConcernMessage, Protocol};

/// What every client of a process shares: how calls travel, and where the
/// events their answers carry are published.
#[derive(Clone)]
pub struct Link {
    transport: Arc<dyn Transport>,
    events: EventBus,
}

impl Link {
    pub fn new(transport: Arc<dyn Transport>, events: EventBus) -> Self {
        Self { transport, events }
    }
}

/// The client of protocol `P` (`PostsClient` is `Client<PostsProtocol>`).
pub struct Client<P> {
    link: Link,
    protocol: PhantomData<fn() -> P>,
}

impl<P> Clone for Client<P> {
    fn clone(&self) -> Self {
        Self {
            link: self.link.clone(),
            protocol: PhantomData,
        }
    }
}

impl<P: Protocol> Client<P> {
    pub fn new(link: Link) -> Self {
        Self {
            link,
            protocol: PhantomData,
        }
    }

    /// Sends `msg` and waits for the reply, at most until the call's deadline.
    /// The events the answer carries are published in this process before the
    /// reply is handed on, so whoever changed something reads their own write.
    pub async fn call<M>(&self, msg: M, meta: CallMeta) -> Result<M::Reply, P::Error>
    where
        M: ConcernMessage<Protocol = P, Error = P::Error>,
    {
        let transport = &self.link.transport;
        let body = if transport.carries_values(P::NAME) {
            Ok(Body::Value(Box::new(msg)))
        } else {
            transport::encode(P::NAME, M::NAME, "the call", &msg).map(Body::Bytes)
        };
        let sent = match body {
            Ok(body) => transport.send(P::NAME, M::NAME, body, meta).await,
            Err(failure) => Err(failure),
        };
        let answer: AnswerOf<M> = transport::answer_of::<M>(P::NAME, sent);
        for event in &answer.events {
            self.link.events.publish(event);
        }
        if !answer.events.is_empty() && transport.tells_others(P::NAME) {
            let encoded = answer
                .events
                .iter()
                .filter_map(|event| serde_json::to_vec(event).ok())
                .collect();
            transport.tell_others(P::NAME, encoded);
        }
        answer.result
    }
}
