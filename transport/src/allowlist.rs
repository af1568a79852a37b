//! The outbound allowlist: every request URL is checked against it before any connection.
//!
//! A rule is an `https://host[:port][/path-prefix]` URL. A request URL matches a rule when the
//! scheme is `https`, the host is the same (ASCII case-insensitive, no wildcards), the port is
//! the same (443 when absent) and the path starts with the rule's prefix on a segment boundary
//! (`/api` matches `/api` and `/api/v1` but not `/apix`). Request URLs with user information,
//! or with `.`/`..` path segments (plain or percent-encoded), never match: they could otherwise
//! escape a prefix. An empty allowlist refuses everything.
//!
//! ```
//! use fleetwire_transport::Allowlist;
//!
//! let allow = Allowlist::new(["https://rs.example.com/api/"])?;
//! assert!(allow.check("https://rs.example.com/api/upload").is_ok());
//! assert!(allow.check("https://rs.example.com/admin").is_err());
//! assert!(allow.check("http://rs.example.com/api/upload").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{ConfigError, TransportError};
use ureq::http::Uri;

/// One allowlist rule: host, port and path prefix (the scheme is always https).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowRule {
    host: String,
    port: u16,
    path_prefix: String,
}

impl AllowRule {
    /// Parses `https://host[:port][/path-prefix]`.
    pub fn parse(rule: &str) -> Result<Self, ConfigError> {
        let bad = |reason: &str| ConfigError::AllowRule {
            rule: rule.to_owned(),
            reason: reason.to_owned(),
        };
        let parts = parse_https(rule).map_err(|r| bad(&r))?;
        if parts.path.contains('?') {
            return Err(bad("a rule has no query"));
        }
        let mut prefix = parts.path;
        while prefix.len() > 1 && prefix.ends_with('/') {
            prefix.pop();
        }
        Ok(Self {
            host: parts.host,
            port: parts.port,
            path_prefix: prefix,
        })
    }

    fn matches(&self, host: &str, port: u16, path: &str) -> bool {
        if !self.host.eq_ignore_ascii_case(host) || self.port != port {
            return false;
        }
        if self.path_prefix == "/" {
            return true;
        }
        match path.strip_prefix(self.path_prefix.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'),
            None => false,
        }
    }
}

/// A list of [`AllowRule`]s; see the [module documentation](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    rules: Vec<AllowRule>,
}

impl Allowlist {
    /// Builds an allowlist from rule strings.
    pub fn new<I, S>(rules: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let rules = rules
            .into_iter()
            .map(|r| AllowRule::parse(r.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { rules })
    }

    /// Adds one rule.
    pub fn push(&mut self, rule: AllowRule) {
        self.rules.push(rule);
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[AllowRule] {
        &self.rules
    }

    /// Checks a request URL. `Ok` means a connection may be made.
    ///
    /// A non-https URL is always [`TransportError::NotHttps`], even when no rule would match it.
    pub fn check(&self, url: &str) -> Result<(), TransportError> {
        let uri: Uri =
            url.parse().map_err(
                |e: ureq::http::uri::InvalidUri| TransportError::InvalidUrl {
                    url: url.to_owned(),
                    reason: e.to_string(),
                },
            )?;
        let scheme = uri.scheme_str().unwrap_or("");
        if !scheme.eq_ignore_ascii_case("https") {
            return Err(TransportError::NotHttps {
                url: url.to_owned(),
                scheme: scheme.to_owned(),
            });
        }
        let parts = parse_https(url).map_err(|reason| TransportError::InvalidUrl {
            url: url.to_owned(),
            reason,
        })?;
        if has_dot_segment(&parts.path) {
            return Err(TransportError::NotAllowed {
                url: url.to_owned(),
            });
        }
        if self
            .rules
            .iter()
            .any(|r| r.matches(&parts.host, parts.port, &parts.path))
        {
            Ok(())
        } else {
            Err(TransportError::NotAllowed {
                url: url.to_owned(),
            })
        }
    }
}

struct UrlParts {
    host: String,
    port: u16,
    path: String,
}

fn parse_https(url: &str) -> Result<UrlParts, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e: ureq::http::uri::InvalidUri| e.to_string())?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => {}
        Some(s) => return Err(format!("scheme {s:?} is not https")),
        None => return Err("no scheme".to_owned()),
    }
    let authority = uri.authority().ok_or("no host")?;
    if authority.as_str().contains('@') {
        return Err("user information in the URL is not allowed".to_owned());
    }
    let host = authority.host();
    if host.is_empty() {
        return Err("empty host".to_owned());
    }
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = authority.port_u16().unwrap_or(443);
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/".to_owned());
    Ok(UrlParts { host, port, path })
}

fn has_dot_segment(path_and_query: &str) -> bool {
    let path = path_and_query.split('?').next().unwrap_or("");
    path.split('/').any(|seg| {
        let s = seg.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".." || seg.to_ascii_lowercase().contains("%2f")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn matching() {
        let a =
            Allowlist::new(["https://Rs.Example.com/api", "https://other.example:8443"]).unwrap();
        assert!(a.check("https://rs.example.com/api").is_ok());
        assert!(a.check("https://rs.example.com/api/v1?x=1").is_ok());
        assert!(a.check("https://rs.example.com/api?x=1").is_ok());
        assert!(a.check("https://rs.example.com:443/api/x").is_ok());
        assert!(a.check("https://other.example:8443/anything").is_ok());
        for bad in [
            "https://rs.example.com/apix",
            "https://rs.example.com/",
            "https://rs.example.com:444/api",
            "https://evil.example/api",
            "https://rs.example.com.evil.example/api",
            "https://other.example/anything",
            "https://rs.example.com/api/../admin",
            "https://rs.example.com/api/%2e%2E/admin",
            "https://rs.example.com/api%2f..%2fadmin",
            "https://user:pw@rs.example.com/api",
        ] {
            assert!(a.check(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            a.check("http://rs.example.com/api"),
            Err(TransportError::NotHttps { .. })
        ));
        assert!(matches!(
            a.check("https://evil.example/api"),
            Err(TransportError::NotAllowed { .. })
        ));
        assert!(
            Allowlist::default()
                .check("https://rs.example.com/api")
                .is_err()
        );
    }

    #[test]
    fn bad_rules() {
        for r in [
            "http://a/",
            "a.example/x",
            "https://u:p@a/",
            "https://a/x?q",
            "",
        ] {
            assert!(AllowRule::parse(r).is_err(), "{r}");
        }
    }
}
