//! The compiled stylesheet and script, embedded in the binary.
//!
//! They are built from the pinned `govuk-frontend` npm package by
//! `scripts/assets` and committed under `assets/`, so that `cargo build`
//! needs no node. Each is served at a URL holding a hash of its content,
//! with a year-long immutable cache lifetime: a new build gets a new URL.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};

/// The govuk-frontend version the assets were built from.
pub const GOVUK_FRONTEND_VERSION: &str = include_str!("assets/VERSION");

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// Its file name with the content hash, e.g. `civic-0123456789ab.css`.
    pub name: String,
    /// The bytes.
    pub bytes: &'static [u8],
    /// Its media type.
    pub content_type: &'static str,
}

impl Asset {
    fn new(stem: &str, ext: &str, bytes: &'static [u8], content_type: &'static str) -> Self {
        let hash = hex::encode(Sha256::digest(bytes));
        Asset {
            name: format!("{stem}-{}.{ext}", &hash[..12]),
            bytes,
            content_type,
        }
    }

    /// The URL pages link to.
    pub fn url(&self) -> String {
        format!("/assets/{}", self.name)
    }
}

/// The stylesheet.
pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "civic",
        "css",
        include_bytes!("assets/civic.css"),
        "text/css; charset=utf-8",
    )
});

/// The script (an ES module).
pub static JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "civic",
        "js",
        include_bytes!("assets/civic.js"),
        "text/javascript; charset=utf-8",
    )
});

/// The script run at the start of every page's body (marks the page as
/// having JavaScript for GOV.UK Frontend's styles). Ours, not built: it is
/// in `scripts/`, beside the page script below.
pub static INIT_JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "init",
        "js",
        include_bytes!("scripts/init.js"),
        "text/javascript; charset=utf-8",
    )
});

/// The Redaction review page's script (copies a selection into the form).
pub static REDACT_REVIEW_JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "redact-review",
        "js",
        include_bytes!("scripts/redact-review.js"),
        "text/javascript; charset=utf-8",
    )
});

/// Every embedded file, for [`serve`].
fn all() -> [&'static Asset; 4] {
    [&*CSS, &*JS, &*INIT_JS, &*REDACT_REVIEW_JS]
}

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = all().into_iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed assets must come from the package version pinned in
    /// web/package-lock.json: run `scripts/assets` after changing it.
    #[test]
    fn committed_assets_match_the_pinned_govuk_frontend_version() {
        let lock: serde_json::Value =
            serde_json::from_str(include_str!("../../../../web/package-lock.json"))
                .expect("web/package-lock.json is JSON");
        let pinned = lock["packages"]["node_modules/govuk-frontend"]["version"]
            .as_str()
            .expect("govuk-frontend is in the lock file");
        assert_eq!(GOVUK_FRONTEND_VERSION.trim(), pinned);
        let css = std::str::from_utf8(CSS.bytes).expect("utf-8");
        assert!(
            css.contains(".govuk-header"),
            "the CSS holds GOV.UK Frontend"
        );
        assert!(!css.contains("GDS Transport"), "no GDS Transport font");
        assert!(
            !css.contains("@font-face"),
            "no font files: system fonts only"
        );
        assert!(
            std::str::from_utf8(JS.bytes)
                .expect("utf-8")
                .ends_with("initAll();\n")
        );
    }

    #[test]
    fn asset_names_carry_a_content_hash() {
        assert!(CSS.name.starts_with("civic-") && CSS.name.ends_with(".css"));
        assert_eq!(CSS.name.len(), "civic-".len() + 12 + ".css".len());
        assert_ne!(
            CSS.name,
            Asset::new("civic", "css", b"other", "text/css").name
        );
    }
}
