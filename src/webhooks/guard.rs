//! Where webhooks may go: `https://` URLs (plain `http://` with
//! `DATELINE_WEBHOOK_ALLOW_HTTP`) of hosts on the public internet. Loopback, private,
//! link-local and other internal addresses are refused unless `DATELINE_WEBHOOK_ALLOW_PRIVATE`
//! is set, both when the URL is given and at every delivery: the resolver the client uses
//! checks every address a name resolves to, so a name that later points inside is refused
//! when it is sent to, not only when it was saved.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::config::WebhookSettings;

/// The longest URL accepted.
pub const MAX_URL_CHARS: usize = 2000;

/// Whether `ip` is an address on the public internet: not loopback, private, link-local,
/// shared (CGNAT), unspecified, broadcast, multicast, documentation or reserved, nor an IPv6
/// form of one of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        // 0.0.0.0/8 ("this network"), 100.64.0.0/10 (shared, CGNAT), 192.0.0.0/24 (protocol
        // assignments), 198.18.0.0/15 (benchmarking), 240.0.0.0/4 (reserved).
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        // Site-local (deprecated), documentation 2001:db8::/32, and NAT64/6to4/Teredo forms
        // that can carry an internal IPv4 address.
        || (first & 0xffc0) == 0xfec0
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || first == 0x0064
        || first == 0x2002
        || (first == 0x2001 && ip.segments()[1] == 0)
        // IPv4-compatible ::a.b.c.d and SIIT ::ffff:0:a.b.c.d (both carry an IPv4 address),
        // and the discard prefix 100::/64.
        || ip.segments()[..6] == [0; 6]
        || ip.segments()[..6] == [0, 0, 0, 0, 0xffff, 0]
        || (first == 0x0100 && ip.segments()[1..4] == [0; 3]))
}

/// Checks `raw` as a webhook endpoint under `settings`; the message says what is wrong.
/// Names are not resolved here (see [`check_resolved`]).
pub fn check_url(raw: &str, settings: &WebhookSettings) -> Result<Url, String> {
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(format!("must be at most {MAX_URL_CHARS} characters"));
    }
    let url = Url::parse(raw.trim())
        .map_err(|e| format!("is not a URL ({e}); give one such as https://example.com/hooks"))?;
    match url.scheme() {
        "https" => {}
        "http" if settings.allow_http => {}
        "http" => {
            return Err(
                "must be https:// (plain http:// is allowed only with DATELINE_WEBHOOK_ALLOW_HTTP)"
                    .into(),
            );
        }
        other => return Err(format!("must be an https:// URL, not {other}:")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment (#…)".into());
    }
    let refused = |what: &str| {
        Err(format!(
            "points at {what}, which webhooks may not reach (set DATELINE_WEBHOOK_ALLOW_PRIVATE \
             to allow loopback, private and link-local addresses)"
        ))
    };
    match url.host() {
        None => return Err("has no host".into()),
        Some(_) if settings.allow_private => {}
        Some(Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => return refused(&ip.to_string()),
        Some(Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => return refused(&ip.to_string()),
        Some(Host::Domain(name)) if is_local_name(name) => return refused(name),
        Some(_) => {}
    }
    Ok(url)
}

/// Names that always mean this machine or its network.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".local")
        || name.ends_with(".internal")
        || !name.contains('.')
}

/// Resolves the URL's host and refuses it if any address it names is not public (unless
/// private addresses are allowed). A name that does not resolve (yet) passes: it is checked
/// again at every delivery.
pub async fn check_resolved(url: &Url, settings: &WebhookSettings) -> Result<(), String> {
    if settings.allow_private {
        return Ok(());
    }
    let Some(Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let lookup = tokio::net::lookup_host((name, port));
    let Ok(Ok(addrs)) = tokio::time::timeout(std::time::Duration::from_secs(3), lookup).await
    else {
        return Ok(());
    };
    for addr in addrs {
        if !is_public(addr.ip()) {
            return Err(format!(
                "names {name}, which resolves to {}, an address webhooks may not reach (set \
                 DATELINE_WEBHOOK_ALLOW_PRIVATE to allow loopback, private and link-local \
                 addresses)",
                addr.ip()
            ));
        }
    }
    Ok(())
}

/// The delivery client's resolver: the system's, refusing a name any of whose addresses is
/// not public (unless `allow_private`).
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_private && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(Refused(format!(
                    "{host} resolves to {}, an address webhooks may not reach",
                    bad.ip()
                ))
                .into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Why a delivery was not sent to an address.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> WebhookSettings {
        WebhookSettings::default()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::7f00:1",
            "::ffff:0:7f00:1",
            "100::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_must_be_https_to_public_hosts() {
        assert!(check_url("https://hooks.example.com/dateline", &strict()).is_ok());
        for bad in [
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "https://127.0.0.1/",
            "https://[::1]:8443/",
            "https://10.0.0.8/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://localhost/",
            "https://api.localhost/",
            "https://intranet/",
            "https://0x7f000001/",
            "not a url",
        ] {
            assert!(check_url(bad, &strict()).is_err(), "{bad}");
        }
        let open = WebhookSettings {
            allow_http: true,
            allow_private: true,
            ..strict()
        };
        assert!(check_url("http://127.0.0.1:9000/hook", &open).is_ok());
    }
}
