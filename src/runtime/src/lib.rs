//! The runtime every concern stands on: supervision, restart policy, the watchdog,
//! deadlines, fault injection, metrics and the bounded pool for CPU-heavy work.
//!
//! A concern plugs in by implementing [`Concern`] and [`Handles`] for each of its
//! messages; the runtime hosts it in a supervised actor ([`host::ConcernHost`]) and
//! hands out a [`Client`] that callers use. Nothing outside this crate
//! touches an actix `Addr`. The seam's vocabulary (`folio_seam`) is re-exported
//! here, so a concern's implementation names one crate for both.

mod concern;
mod faults;
mod handle;
mod host;
mod metrics;
mod nats;
mod pool;
mod supervision;
mod transport;

pub use concern::{Call, Caller, Concern, Handles, NotAPerson};
pub use faults::{Fault, FaultKind, FaultPlan, FaultRequest};
pub use folio_seam::*;
pub use handle::ConcernHandle;
pub use host::ConcernHost;
pub use metrics::Metrics;
pub use nats::{Nats, NatsTransport, Served, subject_of};
pub use pool::CpuPool;
pub use supervision::{ConcernCell, ConcernState, ConcernStatus, RestartPolicy};
pub use transport::{Dispatch, LocalTransport, TRANSPORT_VAR, deliver};

use std::collections::BTreeMap;

/// A concern's status and counters since start: a client polling it derives
/// rates and recent latency from the differences between two reports.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConcernReport {
    #[serde(flatten)]
    pub status: ConcernStatus,
    /// Messages handled since start.
    pub messages: u64,
    /// Messages that failed with a fault (not a refusal like 404 or 403).
    pub errors: u64,
    /// Total handling time of those messages, in milliseconds.
    pub latency_ms_sum: f64,
    pub latency_ms_mean: f64,
}
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Stops one concern; kept type-erased so the runtime can hold concerns of every type.
type Stopper = Box<dyn Fn() + Send>;
/// Offers one hosted concern over NATS; type-erased like [`Stopper`].
type Offer =
    Box<dyn Fn(Nats) -> futures::future::LocalBoxFuture<'static, anyhow::Result<Served>> + Send>;

/// The set of running concerns: what health, metrics and fault injection look at.
#[derive(Clone)]
pub struct Runtime {
    policy: RestartPolicy,
    metrics: Metrics,
    key: SigningKey,
    transport: Arc<LocalTransport>,
    events: EventBus,
    cells: Arc<Mutex<BTreeMap<ConcernName, Arc<ConcernCell>>>>,
    stoppers: Arc<Mutex<Vec<Stopper>>>,
    offers: Arc<Mutex<Vec<Offer>>>,
    served: Arc<Mutex<Vec<Served>>>,
    nats: Arc<OnceLock<Nats>>,
}

impl Runtime {
    pub fn new(policy: RestartPolicy, metrics: Metrics, key: SigningKey) -> Self {
        Self {
            policy,
            metrics,
            key,
            transport: Arc::new(LocalTransport::from_env()),
            events: EventBus::new(),
            cells: Arc::default(),
            stoppers: Arc::default(),
            offers: Arc::default(),
            served: Arc::default(),
            nats: Arc::default(),
        }
    }

    /// Starts concern `C` in its own arbiter (thread), supervised and watched,
    /// and answers its client. Must be called from inside a running actix `System`.
    pub fn start<C: Dispatch>(&self, deps: C::Deps) -> Client<C::Protocol> {
        let cell = Arc::new(ConcernCell::new(
            C::NAME,
            self.policy.clone(),
            self.metrics.for_concern(C::NAME),
            self.key.clone(),
        ));
        if let Ok(mut cells) = self.cells.lock() {
            cells.insert(C::NAME, cell.clone());
        }
        let handle = ConcernHandle::<C>::start(deps, cell);
        handle.watch(self.policy.watchdog_interval);
        self.transport.host(C::NAME, Arc::new(handle.clone()));
        if let Ok(mut stoppers) = self.stoppers.lock() {
            let handle = handle.clone();
            stoppers.push(Box::new(move || handle.stop()));
        }
        if let Ok(mut offers) = self.offers.lock() {
            offers.push(Box::new(move |nats: Nats| {
                let handle = handle.clone();
                Box::pin(async move { nats.serve::<C>(handle).await })
            }));
        }
        self.client()
    }

    /// Joins a split site: calls to concerns this process does not host go
    /// over `nats`, and every concern started so far answers there too, as
    /// do their reports and (with `faults`) fault injection. Call once, after
    /// starting this process's concerns.
    pub async fn share(&self, nats: Nats, faults: bool) -> anyhow::Result<()> {
        self.transport
            .set_remote(Arc::new(NatsTransport::new(nats.clone())));
        if self.nats.set(nats.clone()).is_err() {
            anyhow::bail!("this process already shares its concerns over NATS");
        }
        nats.tell_missed_events_to(self.events.clone());
        let offers = match self.offers.lock() {
            Ok(mut offers) => std::mem::take(&mut *offers),
            Err(_) => Vec::new(),
        };
        for offer in offers {
            let served = offer(nats.clone()).await?;
            if let Ok(mut all) = self.served.lock() {
                all.push(served);
            }
        }
        nats.serve_runtime(self.clone(), faults).await
    }

    /// Every concern's report, those other processes run included (asked
    /// over NATS; `Unreachable` when none answers in time).
    pub async fn reports_everywhere(&self) -> Vec<ConcernReport> {
        let mut reports = self.reports();
        if let Some(nats) = self.nats() {
            for concern in ConcernName::ALL {
                if self.cell(concern).is_none() {
                    reports.push(nats.report(concern).await);
                }
            }
            reports.sort_by_key(|report| report.status.concern);
        }
        reports
    }

    /// Queues `request`'s faults in the concern it names, wherever it runs;
    /// answers how many are pending there, or why not.
    pub async fn inject_fault(&self, request: &FaultRequest) -> Result<u32, String> {
        let fault = request.fault()?;
        if let Some(cell) = self.cell(request.concern) {
            cell.faults.push(fault, request.count);
            return Ok(cell.faults.pending());
        }
        match self.nats() {
            Some(nats) => nats.inject_fault(request).await,
            None => Err(format!(
                "the {} concern is not running here",
                request.concern
            )),
        }
    }

    /// Clears every pending fault, in every process.
    pub async fn clear_faults(&self) {
        for concern in ConcernName::ALL {
            match (self.cell(concern), self.nats()) {
                (Some(cell), _) => cell.faults.clear(),
                (None, Some(nats)) => nats.clear_faults(concern).await,
                (None, None) => {}
            }
        }
    }

    /// The NATS connection, when the site is split.
    pub fn nats(&self) -> Option<&Nats> {
        self.nats.get()
    }

    /// Leaves every NATS queue group this process answers in: new calls go
    /// to other replicas, while calls already taken finish.
    pub async fn unshare(&self) {
        let served = match self.served.lock() {
            Ok(mut served) => std::mem::take(&mut *served),
            Err(_) => Vec::new(),
        };
        for service in served {
            service.stop().await;
        }
    }

    /// The client of protocol `P`, whichever process hosts it. It may be made
    /// before the concern starts: until then, calls answer "no responders".
    pub fn client<P: Protocol>(&self) -> Client<P> {
        Client::new(Link::new(self.transport.clone(), self.events.clone()))
    }

    /// How this process reaches its concerns.
    pub fn transport(&self) -> Arc<dyn Transport> {
        self.transport.clone()
    }

    /// Where this process's concerns and clients publish what changed.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    pub fn policy(&self) -> &RestartPolicy {
        &self.policy
    }

    pub fn cell(&self, name: ConcernName) -> Option<Arc<ConcernCell>> {
        self.cells.lock().ok()?.get(&name).cloned()
    }

    /// Every started concern's status, in a stable order.
    pub fn statuses(&self) -> Vec<ConcernStatus> {
        let cells: Vec<_> = match self.cells.lock() {
            Ok(cells) => cells.values().cloned().collect(),
            Err(_) => Vec::new(),
        };
        cells.iter().map(|cell| cell.status()).collect()
    }

    /// Every concern's status with its traffic counters, for the status page.
    pub fn reports(&self) -> Vec<ConcernReport> {
        self.statuses()
            .into_iter()
            .map(|status| {
                let metrics = self.metrics.for_concern(status.concern);
                let messages = metrics.messages.get();
                let latency_ms_sum = metrics.duration.get_sample_sum() * 1000.0;
                let samples = metrics.duration.get_sample_count();
                ConcernReport {
                    status,
                    messages,
                    errors: metrics.errors.get(),
                    latency_ms_sum,
                    latency_ms_mean: if samples == 0 {
                        0.0
                    } else {
                        latency_ms_sum / samples as f64
                    },
                }
            })
            .collect()
    }

    /// The Prometheus text exposition, with the `up` gauges read fresh.
    pub fn render_metrics(&self) -> String {
        for status in self.statuses() {
            self.metrics
                .for_concern(status.concern)
                .set_up(status.state == ConcernState::Up);
        }
        self.metrics.render()
    }

    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    pub fn call_timeout(&self) -> Duration {
        self.policy.call_timeout
    }

    /// Stops every concern's actor and arbiter; the stores are closed by their owners after.
    pub fn stop(&self) {
        if let Ok(stoppers) = self.stoppers.lock() {
            for stop in stoppers.iter() {
                stop();
            }
        }
    }
}
