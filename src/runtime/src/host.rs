//! The supervised actor that hosts a concern: it guards every handler against
//! panics, enforces the deadline, applies injected faults and records metrics.
//!
//! actix's `Supervisor` restarts an actor only when it stops itself, and a panic
//! inside a handler would silently kill the actor *and* its supervisor. So every
//! handler body runs under `catch_unwind`; on a panic the caller gets `Crashed`
//! and the actor stops itself, which the `Supervisor` turns into a restart.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::FutureExt;
use futures::future::LocalBoxFuture;
use tracing::Instrument;

use super::faults::Fault;
use super::{Concern, ConcernCell, ConcernError, ConcernMessage, Failure, Handles};
use crate::concern::{Call, Caller};
use folio_seam::{Answer, AnswerOf, EventOf};

pub struct ConcernHost<C: Concern> {
    deps: C::Deps,
    state: C,
    cell: Arc<ConcernCell>,
    /// How long to wait before serving after a (re)start. Decided when the
    /// failure is recorded, so health and metrics agree with the caller's 503.
    backoff: Duration,
}

impl<C: Concern> ConcernHost<C> {
    pub(crate) fn new(deps: C::Deps, cell: Arc<ConcernCell>, backoff: Duration) -> Self {
        Self {
            state: C::start(&deps),
            deps,
            cell,
            backoff,
        }
    }

    /// Starts the handler, turning a panic in its synchronous part into a
    /// panicking future so one guard covers both parts.
    fn begin<M>(
        &mut self,
        msg: M,
        caller: &Caller,
    ) -> LocalBoxFuture<'static, Result<M::Reply, M::Error>>
    where
        C: Handles<M>,
        M: ConcernMessage,
    {
        match catch_unwind(AssertUnwindSafe(|| self.state.handle(msg, caller))) {
            Ok(work) => work,
            Err(payload) => Box::pin(async move { std::panic::resume_unwind(payload) }),
        }
    }
}

/// Blocks the mailbox (not the thread) for `backoff`: calls queue meanwhile.
fn wait_out<C: Concern>(
    backoff: Duration,
    host: &ConcernHost<C>,
    ctx: &mut Context<ConcernHost<C>>,
) {
    if !backoff.is_zero() {
        ctx.wait(actix::clock::sleep(backoff).into_actor(host));
    }
}

impl<C: Concern> Actor for ConcernHost<C> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(self.cell.policy.mailbox_capacity);
        let backoff = std::mem::take(&mut self.backoff);
        wait_out(backoff, self, ctx);
    }
}

impl<C: Concern> Supervised for ConcernHost<C> {
    fn restarting(&mut self, _: &mut Self::Context) {
        // Fresh state: whatever the panic interrupted is thrown away.
        // `started` runs next and waits out the backoff.
        self.state = C::start(&self.deps);
        tracing::info!(concern = %C::NAME, backoff = ?self.backoff, "restarting concern");
    }
}

enum Outcome<T> {
    Done(T),
    Panicked(String),
    TimedOut,
}

impl<C, M> Handler<Call<M>> for ConcernHost<C>
where
    C: Handles<M>,
    M: ConcernMessage,
{
    type Result = ResponseActFuture<Self, AnswerOf<M>>;

    fn handle(&mut self, call: Call<M>, ctx: &mut Self::Context) -> Self::Result {
        let concern = C::NAME;
        let Call { msg, meta } = call;
        // Defence in depth: the handle refuses a degraded concern's calls already.
        if let Some(refusal) = self.cell.refusal() {
            return Box::pin(fut::ready(Answer::only(Err(refusal.into()))));
        }
        let remaining = meta.remaining();
        if remaining.is_zero() {
            // The caller has given up while the message queued: don't do the work.
            let timeout_ms = millis(meta.budget);
            return Box::pin(fut::ready(Answer::only(Err(Failure::Timeout {
                concern,
                timeout_ms,
            }
            .into()))));
        }
        let principal = match &meta.principal {
            None => None,
            Some(signed) => match self.cell.key.verify(signed) {
                Some(principal) => Some(principal),
                None => {
                    return Box::pin(fut::ready(Answer::only(Err(Failure::Unauthenticated {
                        concern,
                    }
                    .into()))));
                }
            },
        };
        let caller = Caller::new(meta.request_id.clone(), principal);
        let span = tracing::info_span!("message", concern = %concern, msg = M::NAME, request_id = %meta.request_id);
        // The server's own housekeeping (the scheduler's tick) never takes an
        // injected fault: each one is meant for a message some request sent.
        let fault = if meta.housekeeping {
            None
        } else {
            self.cell.faults.take()
        };
        let entered = span.enter();
        // Each fault fires where it acts; until then, dropping the work puts it back.
        let work: LocalBoxFuture<'static, Result<M::Reply, M::Error>> = match fault {
            None => self.begin(msg, &caller),
            Some(taken) => match taken.fault() {
                Fault::Panic => Box::pin(async move {
                    taken.fire();
                    panic!("injected panic in the {concern} concern")
                }),
                Fault::Hang => Box::pin(async move {
                    taken.fire();
                    futures::future::pending().await
                }),
                Fault::Error => Box::pin(async move {
                    taken.fire();
                    Err(Failure::Injected { concern }.into())
                }),
                Fault::Delay(delay) => {
                    let work = self.begin(msg, &caller);
                    Box::pin(async move {
                        taken.fire();
                        actix::clock::sleep(delay).await;
                        work.await
                    })
                }
                Fault::Block(duration) => {
                    taken.fire();
                    // Deliberately blocks the thread, as a wedged handler would: the
                    // caller-side deadline and the handle's recycling must cope.
                    std::thread::sleep(duration);
                    self.begin(msg, &caller)
                }
                Fault::Crash => {
                    // Outside the guard on purpose: this kills the actor and its
                    // supervisor, as a panic in a timer would; the watchdog must step in.
                    ctx.run_later(Duration::ZERO, move |_, _| {
                        taken.fire();
                        panic!("injected crash in the {concern} concern, outside any handler")
                    });
                    Box::pin(futures::future::ready(Err(
                        Failure::Crashed { concern }.into()
                    )))
                }
            },
        };
        drop(entered);
        let started = Instant::now();
        let guarded = async move {
            match actix::clock::timeout(remaining, AssertUnwindSafe(work).catch_unwind()).await {
                Ok(Ok(result)) => Outcome::Done(result),
                Ok(Err(payload)) => Outcome::Panicked(panic_message(payload.as_ref())),
                Err(_) => Outcome::TimedOut,
            }
        }
        .instrument(span.clone());
        Box::pin(guarded.into_actor(self).map(move |outcome, host, ctx| {
            let _entered = span.enter();
            let metrics = &host.cell.metrics;
            metrics.messages.inc();
            metrics.duration.observe(started.elapsed().as_secs_f64());
            // What the call changed travels with its answer, whatever the
            // answer is (a handler that committed, then failed, changed things
            // all the same); the caller's side publishes it.
            let events: Vec<EventOf<M>> = caller.take_announced();
            let result = match outcome {
                Outcome::Done(Ok(reply)) => Ok(reply),
                Outcome::Done(Err(error)) => {
                    if error.is_fault() {
                        metrics.errors.inc();
                        tracing::warn!(%error, "message failed");
                    }
                    Err(error)
                }
                Outcome::TimedOut => {
                    metrics.errors.inc();
                    tracing::warn!(budget = ?meta.budget, "message passed its deadline; abandoned");
                    Err(Failure::Timeout {
                        concern,
                        timeout_ms: millis(meta.budget),
                    }
                    .into())
                }
                Outcome::Panicked(message) => {
                    metrics.errors.inc();
                    host.cell.record_panic();
                    host.backoff = host.cell.record_restart();
                    tracing::error!(panic = %message, "handler panicked; restarting the concern");
                    ctx.stop();
                    Err(Failure::Crashed { concern }.into())
                }
            };
            Answer { result, events }
        }))
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
