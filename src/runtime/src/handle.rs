//! The handle callers hold to reach a concern. It follows the concern's current
//! address (the watchdog may replace it), refuses at once while the concern is
//! degraded, and never waits past the call's deadline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use actix::prelude::*;

use super::host::{ConcernHost, millis};
use super::{Concern, ConcernCell, ConcernError, ConcernMessage, Failure, Handles};
use crate::concern::Call;
use folio_seam::{Answer, AnswerOf, CallMeta};

pub struct ConcernHandle<C: Concern> {
    inner: Arc<Inner<C>>,
}

impl<C: Concern> Clone for ConcernHandle<C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<C: Concern> {
    addr: RwLock<Addr<ConcernHost<C>>>,
    /// The concern's own thread, so a slow handler in one concern never delays another.
    arbiter: Mutex<Arbiter>,
    deps: C::Deps,
    cell: Arc<ConcernCell>,
    /// Set at shutdown so the watchdog does not bring a stopped concern back.
    stopped: AtomicBool,
}

fn spawn_host<C: Concern>(
    arbiter: &ArbiterHandle,
    deps: C::Deps,
    cell: Arc<ConcernCell>,
    backoff: Duration,
) -> Addr<ConcernHost<C>> {
    Supervisor::start_in_arbiter(arbiter, move |_| ConcernHost::new(deps, cell, backoff))
}

impl<C: Concern> ConcernHandle<C> {
    pub(crate) fn start(deps: C::Deps, cell: Arc<ConcernCell>) -> Self {
        let arbiter = Arbiter::new();
        let addr = spawn_host::<C>(
            &arbiter.handle(),
            deps.clone(),
            cell.clone(),
            Duration::ZERO,
        );
        Self {
            inner: Arc::new(Inner {
                addr: RwLock::new(addr),
                arbiter: Mutex::new(arbiter),
                deps,
                cell,
                stopped: AtomicBool::new(false),
            }),
        }
    }

    pub fn cell(&self) -> &ConcernCell {
        &self.inner.cell
    }

    /// Sends `msg` and waits for the answer, at most until the call's deadline.
    pub async fn call<M>(&self, msg: M, meta: CallMeta) -> AnswerOf<M>
    where
        C: Handles<M>,
        M: ConcernMessage,
    {
        let concern = C::NAME;
        if let Some(refusal) = self.inner.cell.refusal() {
            return Answer::only(Err(refusal.into()));
        }
        let budget = meta.remaining();
        let timeout_ms = millis(meta.budget);
        let addr = self.addr();
        let sent = actix::clock::timeout(budget, addr.send(Call { msg, meta })).await;
        let answer = match sent {
            Ok(Ok(answer)) => answer,
            // The actor died or restarted with this call in flight.
            Ok(Err(MailboxError::Closed)) => {
                self.revive_if_dead();
                Answer::only(Err(Failure::Crashed { concern }.into()))
            }
            Ok(Err(MailboxError::Timeout)) | Err(_) => Answer::only(Err(Failure::Timeout {
                concern,
                timeout_ms,
            }
            .into())),
        };
        match &answer.result {
            Err(error) if matches!(error.as_failure(), Some(Failure::Timeout { .. })) => {
                if self.inner.cell.record_timeout() {
                    self.recycle();
                }
            }
            Err(_) => {}
            Ok(_) => self.inner.cell.record_answer(),
        }
        answer
    }

    fn addr(&self) -> Addr<ConcernHost<C>> {
        match self.inner.addr.read() {
            Ok(addr) => addr.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Respawns the concern if its actor is gone (a panic outside any handler
    /// kills the actor together with its supervisor). Returns whether it did.
    pub fn revive_if_dead(&self) -> bool {
        let mut addr = match self.inner.addr.write() {
            Ok(addr) => addr,
            Err(poisoned) => poisoned.into_inner(),
        };
        if addr.connected() || self.inner.stopped.load(Ordering::SeqCst) {
            return false;
        }
        self.inner.cell.record_panic();
        tracing::error!(concern = %C::NAME, "concern actor died outside a handler; the watchdog respawns it");
        self.respawn(&mut addr, false);
        true
    }

    /// Restarts a concern whose calls keep timing out on a fresh thread: if a
    /// handler is blocking the old one, neither its timers nor a stop message
    /// would get through there. The old thread ends once it unblocks.
    fn recycle(&self) {
        let mut addr = match self.inner.addr.write() {
            Ok(addr) => addr,
            Err(poisoned) => poisoned.into_inner(),
        };
        if self.inner.stopped.load(Ordering::SeqCst) {
            return;
        }
        tracing::error!(concern = %C::NAME, "calls keep timing out; restarting the concern on a fresh thread");
        self.respawn(&mut addr, true);
    }

    fn respawn(&self, addr: &mut Addr<ConcernHost<C>>, fresh_thread: bool) {
        let cell = &self.inner.cell;
        let backoff = cell.record_restart();
        let mut arbiter = match self.inner.arbiter.lock() {
            Ok(arbiter) => arbiter,
            Err(poisoned) => poisoned.into_inner(),
        };
        // An arbiter whose thread is gone refuses work; give the concern a new one.
        if fresh_thread || !arbiter.spawn(async {}) {
            arbiter.stop();
            *arbiter = Arbiter::new();
        }
        *addr = spawn_host::<C>(
            &arbiter.handle(),
            self.inner.deps.clone(),
            cell.clone(),
            backoff,
        );
    }

    /// Starts the watchdog for this concern on the current arbiter. It stops by
    /// itself once every handle is dropped.
    pub(crate) fn watch(&self, every: Duration) {
        let weak: Weak<Inner<C>> = Arc::downgrade(&self.inner);
        actix::spawn(async move {
            loop {
                actix::clock::sleep(every).await;
                let Some(inner) = weak.upgrade() else { break };
                ConcernHandle { inner }.revive_if_dead();
            }
        });
    }

    pub(crate) fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        if let Ok(arbiter) = self.inner.arbiter.lock() {
            arbiter.stop();
        }
    }
}
