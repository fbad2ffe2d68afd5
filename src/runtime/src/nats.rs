//! Calls and events between processes, over NATS: the transport to concerns
//! that other processes host, the NATS service through which this process
//! answers for its own, and the events both sides share.
//!
//! - A call to message `posts.create` is a NATS request on `folio.v1.posts.create`,
//!   answered by one member of the queue group `folio-posts` (replicas share the
//!   load). Each concern is also a NATS service (`folio-posts`), so `nats micro
//!   ping` and `info` find every replica; the calls are taken by queue
//!   subscriptions of our own, which a stopping process drains (see `serve`).
//! - The call's metadata travels in headers: `Folio-Request-Id`, `Folio-Budget-Ms`
//!   (what remains, counted from receipt), `Folio-Principal` (signed by the
//!   secret every process of a site shares) and `Folio-Housekeeping`.
//! - A runtime failure comes back as `Folio-Failure` (JSON), with NATS's
//!   service-error headers beside it so `nats` tools show it as an error.
//! - A body larger than the server's payload limit travels through a JetStream
//!   object store bucket (`folio-bodies`) and the message names it in
//!   `Folio-Body-Object`; the receiver reads it and deletes it.
//! - The answering side broadcasts the events an answer carries on
//!   `folio.v1.events.<concern>`, with the calling process in `Folio-Origin`:
//!   the caller already applied them before it answered, the others apply
//!   them when they arrive. A call answered inside the calling process is
//!   told the same way, by the caller (`Transport::tell_others`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::object_store::ObjectStore;
use async_nats::service::ServiceExt;
use async_nats::{HeaderMap, RequestErrorKind};
use bytes::Bytes;
use futures::StreamExt;
use futures::future::LocalBoxFuture;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use tokio::sync::OnceCell;

use folio_seam::{
    Body, CallMeta, ConcernName, EventBus, EventsMissed, Failure, Protocol, SignedPrincipal,
};

use crate::handle::ConcernHandle;
use crate::transport::{Dispatch, Endpoint};
use crate::{ConcernReport, ConcernState, ConcernStatus, FaultRequest, Runtime};

const REQUEST_ID: &str = "Folio-Request-Id";
const BUDGET_MS: &str = "Folio-Budget-Ms";
const PRINCIPAL: &str = "Folio-Principal";
const HOUSEKEEPING: &str = "Folio-Housekeeping";
const FAILURE: &str = "Folio-Failure";
const BODY_OBJECT: &str = "Folio-Body-Object";
const ORIGIN: &str = "Folio-Origin";

/// Where large bodies wait for their receiver; entries older than this are
/// ones nobody came for (a caller that gave up) and expire.
const BODIES_BUCKET: &str = "folio-bodies";
const BODIES_MAX_AGE: Duration = Duration::from_secs(600);
/// Room left under the server's payload limit for headers and framing.
const HEADROOM: usize = 16 * 1024;

/// The subject message `message` is called on.
pub fn subject_of(message: &str) -> String {
    format!("folio.v1.{message}")
}

fn events_subject(concern: ConcernName) -> String {
    format!("folio.v1.events.{concern}")
}

/// Where a process answers for a concern's runtime (its report, its faults).
fn runtime_subject(concern: ConcernName, what: &str) -> String {
    format!("folio.v1.runtime.{concern}.{what}")
}

/// How long a report or a fault request to another process may take (a
/// concern nobody runs is said at once: no responders).
const ADMIN_WITHIN: Duration = Duration::from_secs(2);

/// What a fault request over NATS asks: queue faults, or clear them.
#[derive(serde::Serialize, Deserialize)]
enum FaultCall {
    Inject(FaultRequest),
    Clear,
}

/// One process's connection to NATS, shared by its transport, its services
/// and its event subscriptions.
#[derive(Clone)]
pub struct Nats {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    bodies: Arc<OnceCell<ObjectStore>>,
    /// This process, so it can tell the events of its own calls from others'.
    origin: Arc<str>,
    /// Told when the connection comes back after a loss (see [`EventsMissed`]).
    missed: Arc<OnceLock<EventBus>>,
    /// Calls from other processes being answered here: a stopping process
    /// waits for them to be answered before it stops its concerns.
    in_hand: Arc<std::sync::atomic::AtomicUsize>,
}

impl Nats {
    /// Connects to `url`. Refuses to start when NATS cannot be reached: a
    /// process of a split site is useless without it, and saying so at once
    /// beats every call failing later.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let missed: Arc<OnceLock<EventBus>> = Arc::default();
        let lost = Arc::new(AtomicBool::new(false));
        let on_event = {
            let missed = missed.clone();
            move |event: async_nats::Event| {
                let (missed, lost) = (missed.clone(), lost.clone());
                async move {
                    match event {
                        async_nats::Event::Disconnected => {
                            lost.store(true, Ordering::SeqCst);
                            tracing::warn!(
                                "lost the connection to NATS; calls to other processes fail until it is back"
                            );
                        }
                        async_nats::Event::Connected if lost.swap(false, Ordering::SeqCst) => {
                            tracing::info!("connected to NATS again");
                            if let Some(bus) = missed.get() {
                                bus.publish(&EventsMissed);
                            }
                        }
                        other => tracing::debug!(event = %other, "NATS"),
                    }
                }
            }
        };
        let client = async_nats::ConnectOptions::new()
            .event_callback(on_event)
            .name(format!("folio {}", std::process::id()))
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            // Requests carry their own deadline; this is only the default.
            .request_timeout(Some(Duration::from_secs(30)))
            .connect(url);
        let client = tokio::time::timeout(Duration::from_secs(10), client)
            .await
            .map_err(|_| anyhow::anyhow!("could not reach NATS at {url} within 10 s"))?
            .map_err(|error| anyhow::anyhow!("could not connect to NATS at {url}: {error}"))?;
        Ok(Self {
            jetstream: jetstream::new(client.clone()),
            client,
            bodies: Arc::new(OnceCell::new()),
            origin: uuid::Uuid::new_v4().simple().to_string().into(),
            missed,
            in_hand: Arc::default(),
        })
    }

    /// Where to say that events may have been missed, after a lost connection.
    pub(crate) fn tell_missed_events_to(&self, bus: EventBus) {
        let _ = self.missed.set(bus);
    }

    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    pub fn jetstream(&self) -> &jetstream::Context {
        &self.jetstream
    }

    /// Whether the connection is up now.
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    async fn bodies(&self) -> Result<&ObjectStore, String> {
        self.bodies
            .get_or_try_init(|| async {
                let config = jetstream::object_store::Config {
                    bucket: BODIES_BUCKET.to_owned(),
                    description: Some("Folio: call bodies above NATS's payload limit".to_owned()),
                    max_age: BODIES_MAX_AGE,
                    ..Default::default()
                };
                self.jetstream
                    .create_object_store(config)
                    .await
                    .map_err(|error| {
                        format!("the bucket {BODIES_BUCKET}: {error} (is JetStream on?)")
                    })
            })
            .await
    }

    /// `payload` as it can travel: itself, or when too large for one message,
    /// the name of the object it was stored as (in `headers`).
    async fn outgoing(&self, payload: Vec<u8>, headers: &mut HeaderMap) -> Result<Bytes, String> {
        let limit = self
            .client
            .server_info()
            .max_payload
            .saturating_sub(HEADROOM);
        if payload.len() <= limit {
            return Ok(Bytes::from(payload));
        }
        let name = uuid::Uuid::new_v4().simple().to_string();
        let mut reader = std::io::Cursor::new(payload);
        self.bodies()
            .await?
            .put(name.as_str(), &mut reader)
            .await
            .map_err(|error| format!("storing a large body: {error}"))?;
        headers.insert(BODY_OBJECT, name.as_str());
        Ok(Bytes::new())
    }

    /// The body `message` carries, fetched (and removed) from the object
    /// store when it only names it.
    async fn incoming(
        &self,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) -> Result<Vec<u8>, String> {
        let Some(name) = headers
            .and_then(|h| h.get(BODY_OBJECT))
            .map(|v| v.as_str().to_owned())
        else {
            return Ok(payload.to_vec());
        };
        let bodies = self.bodies().await?;
        let mut object = bodies
            .get(name.as_str())
            .await
            .map_err(|error| format!("reading a large body: {error}"))?;
        let mut bytes = Vec::new();
        object
            .read_to_end(&mut bytes)
            .await
            .map_err(|error| format!("reading a large body: {error}"))?;
        if let Err(error) = bodies.delete(name.as_str()).await {
            // It expires on its own; nothing is lost by leaving it.
            tracing::warn!(%error, "could not delete a large body after reading it");
        }
        Ok(bytes)
    }

    /// Tells the other processes `payload` on `folio.v1.broadcast.<topic>`.
    /// Returns at once: the publish happens on this thread's runtime.
    pub fn broadcast(&self, topic: &str, payload: Vec<u8>) {
        let (client, subject) = (self.client.clone(), format!("folio.v1.broadcast.{topic}"));
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, &*self.origin);
        actix::spawn(async move {
            if let Err(error) = client
                .publish_with_headers(subject, headers, payload.into())
                .await
            {
                tracing::warn!(%error, "could not broadcast to the other processes");
            }
        });
    }

    /// Calls `heard` with every payload the other processes broadcast on `topic`.
    pub async fn on_broadcast(
        &self,
        topic: &str,
        heard: impl Fn(&[u8]) + 'static,
    ) -> anyhow::Result<()> {
        self.hear_others(format!("folio.v1.broadcast.{topic}"), heard)
            .await
    }

    /// Subscribes to `subject` and calls `heard` with each payload another
    /// process published there (this process's own are skipped: it acted on
    /// them already).
    async fn hear_others(
        &self,
        subject: String,
        heard: impl Fn(&[u8]) + 'static,
    ) -> anyhow::Result<()> {
        let mut messages = self.client.subscribe(subject).await?;
        let origin = self.origin.clone();
        actix::spawn(async move {
            while let Some(message) = messages.next().await {
                let mine = message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(ORIGIN))
                    .is_some_and(|o| o.as_str() == &*origin);
                if !mine {
                    heard(&message.payload);
                }
            }
        });
        Ok(())
    }

    /// Applies on `bus` the events other processes' calls to protocol `P`
    /// announced. Those of this process's own calls were applied already.
    pub async fn follow<P: Protocol>(&self, bus: EventBus) -> anyhow::Result<()> {
        self.hear_others(events_subject(P::NAME), move |payload| {
            match serde_json::from_slice::<P::Event>(payload) {
                Ok(event) => bus.publish(&event),
                Err(error) => {
                    tracing::warn!(concern = %P::NAME, %error, "an event from NATS did not decode; ignored")
                }
            }
        })
        .await
    }

    /// Waits until the server has every subscription this process made: a
    /// subscription is sent when made, not confirmed, and a process that
    /// says it is ready must be found by the calls and events meant for it.
    pub async fn confirm_subscriptions(&self) -> anyhow::Result<()> {
        self.client.flush().await.map_err(|error| {
            anyhow::anyhow!("NATS did not confirm this process's subscriptions: {error}")
        })
    }

    /// Answers, for every concern `runtime` runs, its report and (when
    /// `faults`) fault requests: what the status page, `/readyz` and the
    /// faults API of a gateway in another process ask.
    pub(crate) async fn serve_runtime(&self, runtime: Runtime, faults: bool) -> anyhow::Result<()> {
        for status in runtime.statuses() {
            let concern = status.concern;
            for what in ["report", "faults"] {
                let mut requests = self
                    .client
                    .queue_subscribe(runtime_subject(concern, what), service_name(concern))
                    .await?;
                let (client, runtime) = (self.client.clone(), runtime.clone());
                actix::spawn(async move {
                    while let Some(request) = requests.next().await {
                        let Some(reply) = request.reply else { continue };
                        let answer = match what {
                            "report" => runtime
                                .reports()
                                .into_iter()
                                .find(|report| report.status.concern == concern)
                                .map(|report| serde_json::to_vec(&report)),
                            _ => Some(serde_json::to_vec(&fault_call(
                                &runtime,
                                concern,
                                faults,
                                &request.payload,
                            ))),
                        };
                        if let Some(Ok(answer)) = answer
                            && let Err(error) = client.publish(reply, answer.into()).await
                        {
                            tracing::warn!(%concern, %error, "could not answer a runtime request");
                        }
                    }
                });
            }
        }
        Ok(())
    }

    /// `concern`'s report from the process that runs it; `Unreachable` when none answers.
    pub(crate) async fn report(&self, concern: ConcernName) -> ConcernReport {
        let asked = self
            .client
            .request(runtime_subject(concern, "report"), Bytes::new());
        if let Ok(Ok(reply)) = tokio::time::timeout(ADMIN_WITHIN, asked).await
            && let Ok(report) = serde_json::from_slice(&reply.payload)
        {
            return report;
        }
        ConcernReport {
            status: ConcernStatus {
                concern,
                state: ConcernState::Unreachable,
                restarts: 0,
                panics: 0,
                recent_restarts: 0,
                retry_after_secs: None,
                pending_faults: 0,
            },
            messages: 0,
            errors: 0,
            latency_ms_sum: 0.0,
            latency_ms_mean: 0.0,
        }
    }

    pub(crate) async fn inject_fault(&self, request: &FaultRequest) -> Result<u32, String> {
        self.fault_call(request.concern, &FaultCall::Inject(request.clone()))
            .await?
    }

    pub(crate) async fn clear_faults(&self, concern: ConcernName) {
        if let Err(error) = self.fault_call(concern, &FaultCall::Clear).await {
            tracing::warn!(%concern, %error, "could not clear faults in another process");
        }
    }

    async fn fault_call(
        &self,
        concern: ConcernName,
        call: &FaultCall,
    ) -> Result<Result<u32, String>, String> {
        let payload = serde_json::to_vec(call).map_err(|error| error.to_string())?;
        let asked = self
            .client
            .request(runtime_subject(concern, "faults"), payload.into());
        match tokio::time::timeout(ADMIN_WITHIN, asked).await {
            Ok(Ok(reply)) => {
                serde_json::from_slice(&reply.payload).map_err(|error| error.to_string())
            }
            _ => Err(format!(
                "the {concern} concern is not running anywhere that answers"
            )),
        }
    }

    /// Answers concern `C`'s messages from NATS, on the handle this process
    /// hosts, until the returned service is stopped.
    pub async fn serve<C: Dispatch>(&self, handle: ConcernHandle<C>) -> anyhow::Result<Served> {
        let service = self
            .client
            .service_builder()
            .description(format!("Folio's {} concern", C::NAME))
            .queue_group(service_name(C::NAME))
            .start(service_name(C::NAME), env!("CARGO_PKG_VERSION"))
            .await
            .map_err(|error| {
                anyhow::anyhow!("could not start the NATS service for {}: {error}", C::NAME)
            })?;
        let endpoint: Arc<dyn Endpoint> = Arc::new(handle);
        // The calls are taken by queue subscriptions of our own rather than
        // the service's endpoints: a stopping process must drain them (the
        // server confirms it stopped routing before the subscription goes),
        // and the service API only unsubscribes, which drops whatever the
        // server sent meanwhile and leaves its caller waiting out its budget.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        for &message in C::MESSAGES {
            let mut requests = self
                .client
                .queue_subscribe(subject_of(message), service_name(C::NAME))
                .await
                .map_err(|error| anyhow::anyhow!("could not subscribe to {message}: {error}"))?;
            let nats = self.clone();
            let endpoint = endpoint.clone();
            let mut stopped = stopped.clone();
            actix::spawn(async move {
                let mut draining = false;
                loop {
                    tokio::select! {
                        next = requests.next() => {
                            let Some(request) = next else { break };
                            let nats = nats.clone();
                            let endpoint = endpoint.clone();
                            let in_hand = InHand::count(&nats.in_hand);
                            actix::spawn(async move {
                                nats.answer(C::NAME, message, endpoint, request).await;
                                drop(in_hand);
                            });
                        }
                        _ = stopped.changed(), if !draining => {
                            draining = true;
                            if let Err(error) = requests.drain().await {
                                tracing::warn!(%error, message, "could not drain a subscription");
                            }
                        }
                    }
                }
            });
        }
        Ok(Served { service, stop })
    }

    /// Waits until every call from another process taken here is answered,
    /// at most `limit`; says how many were still in hand.
    pub async fn answered_all(&self, limit: Duration) -> usize {
        let deadline = std::time::Instant::now() + limit;
        // Requests delivered just before the queue groups were left are still
        // on their way to a handler: let them be taken (and counted) first.
        actix::clock::sleep(Duration::from_millis(100)).await;
        loop {
            let left = self.in_hand.load(Ordering::SeqCst);
            if left == 0 || std::time::Instant::now() >= deadline {
                return left;
            }
            actix::clock::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn answer(
        &self,
        concern: ConcernName,
        message: &'static str,
        endpoint: Arc<dyn Endpoint>,
        request: async_nats::Message,
    ) {
        let Some(reply) = request.reply.clone() else {
            tracing::warn!(message, "a call over NATS without a reply subject; dropped");
            return;
        };
        let headers = request.headers.clone();
        let meta = meta_from(headers.as_ref());
        let origin = headers
            .as_ref()
            .and_then(|h| h.get(ORIGIN))
            .map(|o| o.as_str().to_owned());
        let body = self
            .incoming(headers.as_ref(), request.payload.clone())
            .await
            .map_err(|reason| Failure::Undeliverable { concern, reason });
        let answer = match body {
            Ok(body) => endpoint.deliver(message, Body::Bytes(body), meta).await,
            Err(failure) => Err(failure),
        };
        let mut reply_headers = HeaderMap::new();
        let outcome = match answer {
            Ok(Body::Bytes(bytes)) => {
                self.announce(concern, &bytes, origin.as_deref()).await;
                match self.outgoing(bytes, &mut reply_headers).await {
                    Ok(payload) => Ok(payload),
                    Err(reason) => Err(Failure::Undeliverable { concern, reason }),
                }
            }
            Ok(Body::Value(_)) => Err(Failure::Undeliverable {
                concern,
                reason: format!("the answer to {message} was not encoded"),
            }),
            Err(failure) => Err(failure),
        };
        let payload = match outcome {
            Ok(payload) => payload,
            Err(failure) => {
                reply_headers = failure_headers(&failure);
                Bytes::new()
            }
        };
        let sent = self
            .client
            .publish_with_headers(reply, reply_headers, payload)
            .await;
        if let Err(error) = sent {
            tracing::warn!(%concern, message, %error, "could not send an answer over NATS");
        }
    }

    /// Publishes the events an encoded answer carries to the other processes.
    async fn announce(&self, concern: ConcernName, answer: &[u8], origin: Option<&str>) {
        #[derive(Deserialize)]
        struct Announced {
            #[serde(default)]
            events: Vec<serde_json::Value>,
        }
        let Ok(announced) = serde_json::from_slice::<Announced>(answer) else {
            return;
        };
        for event in announced.events {
            let mut headers = HeaderMap::new();
            if let Some(origin) = origin {
                headers.insert(ORIGIN, origin);
            }
            let payload = Bytes::from(event.to_string());
            if let Err(error) = self
                .client
                .publish_with_headers(events_subject(concern), headers, payload)
                .await
            {
                tracing::warn!(%concern, %error, "could not broadcast an event");
            }
        }
    }
}

/// A concern's NATS service; stopping it leaves the queue groups, so new
/// calls go to the other replicas while this one finishes what it holds.
pub struct Served {
    /// Answers NATS's ping, info and stats for the concern.
    service: async_nats::service::Service,
    /// Tells the concern's subscriptions to drain.
    stop: tokio::sync::watch::Sender<bool>,
}

impl Served {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.service.stop().await {
            tracing::warn!(%error, "could not stop a NATS service cleanly");
        }
    }
}

/// Carries out a fault request for `concern`, which this process runs.
fn fault_call(
    runtime: &Runtime,
    concern: ConcernName,
    allowed: bool,
    payload: &[u8],
) -> Result<u32, String> {
    if !allowed {
        return Err(format!(
            "fault injection is off in the process that runs {concern}; start it with --fault-injection"
        ));
    }
    let cell = runtime
        .cell(concern)
        .ok_or_else(|| format!("the {concern} concern is not running here"))?;
    match serde_json::from_slice::<FaultCall>(payload).map_err(|error| error.to_string())? {
        FaultCall::Inject(request) => {
            let fault = request.fault()?;
            cell.faults.push(fault, request.count);
            Ok(cell.faults.pending())
        }
        FaultCall::Clear => {
            cell.faults.clear();
            Ok(0)
        }
    }
}

fn service_name(concern: ConcernName) -> String {
    format!("folio-{concern}")
}

/// A failure as the reply's headers: ours, and NATS's service-error pair, so
/// `nats` tools show it as an error too.
fn failure_headers(failure: &Failure) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let encoded = serde_json::to_string(failure).unwrap_or_default();
    headers.insert(FAILURE, encoded.as_str());
    headers.insert("Nats-Service-Error", failure.to_string().as_str());
    headers.insert("Nats-Service-Error-Code", "503");
    headers
}

fn meta_from(headers: Option<&HeaderMap>) -> CallMeta {
    let get = |name: &str| {
        headers
            .and_then(|h| h.get(name))
            .map(|v| v.as_str().to_owned())
    };
    let budget = get(BUDGET_MS)
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    let mut meta = CallMeta::new(get(REQUEST_ID).unwrap_or_default(), budget);
    if let Some(principal) =
        get(PRINCIPAL).and_then(|p| serde_json::from_str::<SignedPrincipal>(&p).ok())
    {
        meta = meta.with_principal(principal);
    }
    if get(HOUSEKEEPING).is_some() {
        meta = meta.housekeeping();
    }
    meta
}

/// One call from another process being answered here, counted while it lives.
struct InHand(Arc<std::sync::atomic::AtomicUsize>);

impl InHand {
    fn count(counter: &Arc<std::sync::atomic::AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter.clone())
    }
}

impl Drop for InHand {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The transport to the concerns other processes host.
pub struct NatsTransport {
    nats: Nats,
}

impl NatsTransport {
    pub fn new(nats: Nats) -> Self {
        Self { nats }
    }

    async fn request(
        nats: Nats,
        to: ConcernName,
        message: &'static str,
        body: Vec<u8>,
        meta: CallMeta,
    ) -> Result<Body, Failure> {
        // While the connection is down the client would queue the request
        // until it is back, past any deadline: say at once that nothing
        // was delivered.
        if !nats.is_connected() {
            return Err(Failure::Unavailable {
                concern: to,
                retry_after_secs: 1,
            });
        }
        let budget = meta.remaining();
        let timeout_ms = crate::host::millis(meta.budget);
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, meta.request_id.as_str());
        headers.insert(BUDGET_MS, crate::host::millis(budget).to_string().as_str());
        headers.insert(ORIGIN, &*nats.origin);
        if let Some(principal) = &meta.principal {
            let encoded = serde_json::to_string(principal).unwrap_or_default();
            headers.insert(PRINCIPAL, encoded.as_str());
        }
        if meta.housekeeping {
            headers.insert(HOUSEKEEPING, "1");
        }
        let payload =
            nats.outgoing(body, &mut headers)
                .await
                .map_err(|reason| Failure::Undeliverable {
                    concern: to,
                    reason,
                })?;
        let request = async_nats::Request::new()
            .payload(payload)
            .headers(headers)
            .timeout(Some(budget));
        let reply = match nats.client.send_request(subject_of(message), request).await {
            Ok(reply) => reply,
            Err(error) => {
                return Err(match error.kind() {
                    RequestErrorKind::NoResponders => Failure::NoResponders { concern: to },
                    // Never retried: the call may have done its work.
                    RequestErrorKind::TimedOut => Failure::Timeout {
                        concern: to,
                        timeout_ms,
                    },
                    RequestErrorKind::InvalidSubject | RequestErrorKind::MaxPayloadExceeded => {
                        Failure::Undeliverable {
                            concern: to,
                            reason: error.to_string(),
                        }
                    }
                    // The connection is down: nothing was delivered.
                    RequestErrorKind::Other => Failure::Unavailable {
                        concern: to,
                        retry_after_secs: 1,
                    },
                });
            }
        };
        if let Some(failure) = reply.headers.as_ref().and_then(|h| h.get(FAILURE)) {
            return Err(
                serde_json::from_str(failure.as_str()).unwrap_or(Failure::Undeliverable {
                    concern: to,
                    reason: format!("an unreadable failure: {failure}"),
                }),
            );
        }
        nats.incoming(reply.headers.as_ref(), reply.payload)
            .await
            .map(Body::Bytes)
            .map_err(|reason| Failure::Undeliverable {
                concern: to,
                reason,
            })
    }
}

impl folio_seam::Transport for NatsTransport {
    fn carries_values(&self, _: ConcernName) -> bool {
        false
    }

    /// Events of a concern this process hosts, from a call made here: the
    /// other processes hear them as they hear those of calls over NATS.
    fn tell_others(&self, from: ConcernName, events: Vec<Vec<u8>>) {
        let (client, subject) = (self.nats.client.clone(), events_subject(from));
        let origin = self.nats.origin.clone();
        actix::spawn(async move {
            for event in events {
                let mut headers = HeaderMap::new();
                headers.insert(ORIGIN, &*origin);
                if let Err(error) = client
                    .publish_with_headers(subject.clone(), headers, event.into())
                    .await
                {
                    tracing::warn!(concern = %from, %error, "could not broadcast an event");
                }
            }
        });
    }

    fn send(
        &self,
        to: ConcernName,
        message: &'static str,
        body: Body,
        meta: CallMeta,
    ) -> LocalBoxFuture<'static, Result<Body, Failure>> {
        let nats = self.nats.clone();
        Box::pin(async move {
            match body {
                Body::Bytes(bytes) => Self::request(nats, to, message, bytes, meta).await,
                Body::Value(_) => Err(Failure::Undeliverable {
                    concern: to,
                    reason: format!("{message} was not encoded for NATS"),
                }),
            }
        })
    }
}
