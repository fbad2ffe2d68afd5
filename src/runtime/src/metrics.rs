//! Prometheus metrics for the concerns, labelled by `concern`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use super::ConcernName;

/// The registry and metric families; cheap to clone (handles are reference counted).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    up: IntGaugeVec,
    restarts: IntCounterVec,
    panics: IntCounterVec,
    messages: IntCounterVec,
    errors: IntCounterVec,
    duration: HistogramVec,
}

/// One concern's series, resolved once so the hot path does no label lookups.
#[derive(Clone)]
pub struct ConcernMetrics {
    up: IntGauge,
    pub restarts: IntCounter,
    pub panics: IntCounter,
    pub messages: IntCounter,
    pub errors: IntCounter,
    pub duration: prometheus::Histogram,
}

impl ConcernMetrics {
    pub fn set_up(&self, up: bool) {
        self.up.set(i64::from(up));
    }
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let labels = &["concern"];
        let up = IntGaugeVec::new(
            Opts::new(
                "folio_concern_up",
                "1 when the concern is up, 0 when restarting or degraded",
            ),
            labels,
        )?;
        let restarts = IntCounterVec::new(
            Opts::new(
                "folio_concern_restarts_total",
                "Restarts of the concern's actor",
            ),
            labels,
        )?;
        let panics = IntCounterVec::new(
            Opts::new("folio_concern_panics_total", "Panics caught in the concern"),
            labels,
        )?;
        let messages = IntCounterVec::new(
            Opts::new(
                "folio_concern_messages_total",
                "Messages the concern handled",
            ),
            labels,
        )?;
        let errors = IntCounterVec::new(
            Opts::new(
                "folio_concern_errors_total",
                "Messages that ended in a fault (crash, timeout, internal error)",
            ),
            labels,
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "folio_concern_message_duration_seconds",
                "Time the concern spent on a message",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5, 5.0, 10.0,
            ]),
            labels,
        )?;
        registry.register(Box::new(up.clone()))?;
        registry.register(Box::new(restarts.clone()))?;
        registry.register(Box::new(panics.clone()))?;
        registry.register(Box::new(messages.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        Ok(Self {
            registry,
            up,
            restarts,
            panics,
            messages,
            errors,
            duration,
        })
    }

    pub fn for_concern(&self, name: ConcernName) -> ConcernMetrics {
        let label = &[name.as_str()];
        ConcernMetrics {
            up: self.up.with_label_values(label),
            restarts: self.restarts.with_label_values(label),
            panics: self.panics.with_label_values(label),
            messages: self.messages.with_label_values(label),
            errors: self.errors.with_label_values(label),
            duration: self.duration.with_label_values(label),
        }
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec only fails on a malformed family, which registration rules out.
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(%error, "could not encode metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
