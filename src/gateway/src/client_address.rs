//! Who the client is, by address: the peer of the connection, unless that peer
//! is one of the `--trusted-proxies`, in which case the address it forwarded
//! (`Forwarded: for=…` or `X-Forwarded-For`) is believed. Nothing else may set
//! it: a forwarded header from anyone else is a claim the client makes about
//! itself, and believing it would let a guesser pick a fresh address for every
//! attempt and write any address it likes into the logs.
//!
//! The request's log span is built here too, so its `http.client_ip` is this
//! address and never a forged header (tracing-actix-web's default span takes
//! whatever the headers say).

use std::net::{IpAddr, SocketAddr};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::{HttpMessage, web};
use ipnet::IpNet;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use super::Services;

/// The proxies whose forwarded headers are believed.
#[derive(Clone, Debug, Default)]
pub(crate) struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub(crate) fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a connection from `peer` carrying `headers`.
    /// Walks the forwarded chain from the nearest hop outwards and stops at the
    /// first address that is not a trusted proxy: hops further out were written
    /// by someone we don't trust.
    pub(crate) fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = canonical(peer?.ip());
        if self.0.is_empty() || !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        for hop in forwarded_chain(headers).into_iter().rev() {
            let Some(ip) = hop else {
                // "unknown" or an obfuscated name: nothing further out can be trusted.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// An IPv4 address seen as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The forwarded addresses, farthest first: RFC 7239 `Forwarded` when present
/// (it is the standard), else `X-Forwarded-For`. `None` for a hop that names
/// no address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|hop| hop.trim().to_owned())
            .filter(|hop| !hop.is_empty())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .find_map(|pair| {
                        let (key, value) = pair.split_once('=')?;
                        key.trim().eq_ignore_ascii_case("for").then_some(value)
                    })
                    .and_then(parse_node)
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .map(|hop| parse_node(hop))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(canonical(socket.ip()));
    }
    let bracketed = node.strip_prefix('[')?;
    let inner = bracketed.split(']').next()?;
    inner.parse::<IpAddr>().ok().map(canonical)
}

/// The request span, with the believed client address (see the module doc).
pub(crate) struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let client = request
            .app_data::<web::Data<Services>>()
            .map_or_else(
                || request.peer_addr().map(|peer| canonical(peer.ip())),
                |services| {
                    services
                        .trusted_proxies
                        .client(request.peer_addr(), request.headers())
                },
            )
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.client_ip = %client,
            http.target = %request.uri().path_and_query().map(|p| p.as_str()).unwrap_or(""),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            nets.iter()
                .map(|n| n.parse().unwrap_or_else(|_| panic!("{n}")))
                .collect(),
        )
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().ok()?, 4711))
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn without_trusted_proxies_forwarded_headers_are_ignored() {
        let forged = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=198.51.100.1"),
        ]);
        assert_eq!(
            proxies(&[]).client(peer("10.0.0.5"), &forged),
            ip("10.0.0.5")
        );
        assert_eq!(
            proxies(&["192.168.0.0/16"]).client(peer("10.0.0.5"), &forged),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(trusted.client(peer("10.0.0.5"), &chain), ip("203.0.113.9"));
        let rfc = headers(&[(
            "forwarded",
            "for=1.1.1.1, for=\"[2001:db8::1]:4711\";proto=https",
        )]);
        assert_eq!(trusted.client(peer("10.0.0.5"), &rfc), ip("2001:db8::1"));
        let unknown = headers(&[("forwarded", "for=1.1.1.1, for=unknown")]);
        assert_eq!(trusted.client(peer("10.0.0.5"), &unknown), ip("10.0.0.5"));
        assert_eq!(
            trusted.client(peer("::ffff:10.0.0.5"), &chain),
            ip("203.0.113.9")
        );
    }
}
