//! Security headers on every response, page or API.
//!
//! The Content-Security-Policy allows scripts, styles and images from this
//! server only and no inline script at all (the pages' scripts are files
//! under `/assets/`), so an injected `<script>` would not run even if the
//! templates' escaping ever failed. Inline `style` attributes stay allowed:
//! the bar charts size their bars with them, and a style attribute cannot
//! run code. Pages may not be framed (`frame-ancestors 'none'`, and
//! `X-Frame-Options` for older browsers), content types are never sniffed,
//! and no address is sent to other sites as a referrer. HSTS is sent only
//! when the request came over HTTPS (as the session cookies' `Secure`
//! attribute is decided), since over plain HTTP a browser ignores it.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The Content-Security-Policy of every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for a year, for responses to HTTPS requests.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds the security headers to the response of every request; a header
/// a handler set itself is kept.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = crate::web::session::secure(&state, req.headers());
    let mut response = next.run(req).await;
    add(response.headers_mut(), https);
    response
}

fn add(h: &mut HeaderMap, https: bool) {
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if https {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_is_added_and_hsts_only_over_https() {
        let mut plain = HeaderMap::new();
        add(&mut plain, false);
        assert_eq!(plain[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(plain[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(plain[header::REFERRER_POLICY], "same-origin");
        let csp = plain[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap_or("");
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"));
        assert_eq!(script_src, Some("script-src 'self'"), "no inline script");
        assert!(!plain.contains_key(header::STRICT_TRANSPORT_SECURITY));

        let mut secure = HeaderMap::new();
        add(&mut secure, true);
        assert_eq!(
            secure[header::STRICT_TRANSPORT_SECURITY],
            STRICT_TRANSPORT_SECURITY
        );
    }

    #[test]
    fn a_header_set_by_the_handler_is_kept() {
        let mut h = HeaderMap::new();
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        add(&mut h, false);
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    }
}
