//! Configuration: one typed struct, loaded defaults < `civic.toml` in the data
//! directory < environment (`CIVIC_*`) < command-line flags, and validated at
//! start with errors that name the setting.
//!
//! The binary collects flags and environment variables (clap does both) into
//! [`Overrides`]; this module reads the file and merges.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use civic_core::SampleRate;
use serde::Deserialize;

use crate::AppError;

/// The name of the configuration file inside the data directory.
pub const CONFIG_FILE: &str = "civic.toml";

/// Civic's settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the SQLite database, the ledger key and `civic.toml` live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `civic.db` in the data directory.
    pub database_url: String,
    /// The address the server listens on.
    pub bind: SocketAddr,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The largest JSON body of the record endpoints (decisions, reviews,
    /// triage, risk scores, keys), in bytes: at most `body_limit`. A JSON
    /// value takes many times its text in memory, so records get less room
    /// than uploads.
    pub json_body_limit: usize,
    /// Sign a checkpoint at least every this many ledger entries…
    pub checkpoint_every: u64,
    /// …and at least this often while entries are unsigned.
    pub checkpoint_interval: Duration,
    /// How long raw inputs are kept beside their decisions; `None` keeps none.
    pub input_retention: Option<Duration>,
    /// The ledger's name in signed checkpoints, e.g. `civic.example-council.gov.uk/ledger`.
    pub ledger_origin: String,
    /// The file holding the ledger's private signing key.
    pub ledger_key_file: PathBuf,
    /// The file outside the database where every signed checkpoint is also
    /// appended (JSON Lines); by default beside the data directory,
    /// `DATA_DIR.checkpoints.jsonl`. See `crate::checkpoint_log`.
    pub checkpoint_log: PathBuf,
    /// The organisation's name, shown in the web interface.
    pub organisation: String,
    /// `text` (default) or `json` log lines.
    pub log_format: LogFormat,
    /// The web interface's settings.
    pub web: WebConfig,
    /// The safeguarding detector's settings.
    pub safeguarding: crate::safeguarding::SafeguardingConfig,
    /// The witnesses asked to cosign each new checkpoint (file only).
    pub witnesses: Vec<WitnessSetting>,
    /// How many redaction drafts, and how much disk, the Redaction page may
    /// keep (file only).
    pub drafts: crate::redact::drafts::DraftLimits,
}

/// A witness this instance sends its checkpoints to (`[[witnesses]]` in
/// `civic.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct WitnessSetting {
    /// The witness's name, as in its key.
    pub name: String,
    /// Its address, `http://host:port` (the request goes to
    /// `URL/add-checkpoint`).
    pub url: String,
    /// Its public key.
    pub key: civic_ledger::CosignatureVerifier,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WitnessFileSetting {
    name: String,
    url: String,
    key: String,
}

/// The web interface's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct WebConfig {
    /// How long a sign-in lasts.
    pub session_ttl: Duration,
    /// How long an item may wait for review before it counts as late.
    pub review_target: Duration,
    /// When session cookies carry the `Secure` attribute.
    pub secure_cookies: SecureCookies,
    /// The choices a reviewer picks from when overriding a suggestion.
    pub override_reasons: Vec<String>,
    /// The share of would-be automatic decisions queued for a quality check.
    pub quality_sample_rate: SampleRate,
}

/// When session cookies are marked `Secure` (sent over HTTPS only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// When the request came over HTTPS, as a TLS-terminating proxy says
    /// with `X-Forwarded-Proto: https` (the default).
    Auto,
    /// Always (the server is only ever reached over HTTPS).
    Always,
    /// Never (plain HTTP on a trusted network, or local development).
    Never,
}

/// The default override reasons.
pub const DEFAULT_OVERRIDE_REASONS: [&str; 5] = [
    "Wrong team",
    "Urgency was wrong",
    "Safeguarding concern missed",
    "Not a safeguarding concern",
    "Other",
];

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Settings given on the command line or in the environment; `None` means
/// "not given here", so the file or the default applies.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--data-dir` / `CIVIC_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--database-url` / `CIVIC_DATABASE_URL`.
    pub database_url: Option<String>,
    /// `--bind` / `CIVIC_BIND`.
    pub bind: Option<String>,
    /// `CIVIC_BODY_LIMIT`.
    pub body_limit: Option<usize>,
    /// `CIVIC_CHECKPOINT_EVERY`.
    pub checkpoint_every: Option<u64>,
    /// `CIVIC_CHECKPOINT_INTERVAL_SECS`.
    pub checkpoint_interval_secs: Option<u64>,
    /// `CIVIC_INPUT_RETENTION_DAYS`.
    pub input_retention_days: Option<u64>,
    /// `CIVIC_LEDGER_ORIGIN`.
    pub ledger_origin: Option<String>,
    /// `CIVIC_LEDGER_KEY_FILE`.
    pub ledger_key_file: Option<PathBuf>,
    /// `CIVIC_CHECKPOINT_LOG`.
    pub checkpoint_log: Option<PathBuf>,
    /// `CIVIC_ORGANISATION`.
    pub organisation: Option<String>,
    /// `CIVIC_LOG_FORMAT`.
    pub log_format: Option<String>,
    /// `CIVIC_SESSION_HOURS`.
    pub session_hours: Option<u64>,
    /// `CIVIC_REVIEW_TARGET_HOURS`.
    pub review_target_hours: Option<u64>,
    /// `CIVIC_SECURE_COOKIES`.
    pub secure_cookies: Option<String>,
    /// The input retention to use when neither the flags, the environment
    /// nor the file set one: `serve --demo` asks for 30 days so that
    /// reviewers see the demo messages.
    pub default_input_retention_days: Option<u64>,
    /// `CIVIC_QUALITY_SAMPLE_RATE`.
    pub quality_sample_rate: Option<f64>,
}

/// The file's shape: every setting optional, unknown settings refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    body_limit: Option<usize>,
    json_body_limit: Option<usize>,
    checkpoint_every: Option<u64>,
    checkpoint_interval_secs: Option<u64>,
    input_retention_days: Option<u64>,
    ledger_origin: Option<String>,
    ledger_key_file: Option<PathBuf>,
    checkpoint_log: Option<PathBuf>,
    organisation: Option<String>,
    log_format: Option<String>,
    session_hours: Option<u64>,
    review_target_hours: Option<u64>,
    secure_cookies: Option<String>,
    override_reasons: Option<Vec<String>>,
    quality_sample_rate: Option<f64>,
    safeguarding_alert_threshold: Option<f64>,
    safeguarding_watch_threshold: Option<f64>,
    safeguarding_never_auto: Option<bool>,
    safeguarding_procedure_url: Option<String>,
    witnesses: Option<Vec<WitnessFileSetting>>,
    safeguarding_teams: Option<std::collections::BTreeMap<String, String>>,
    redact_drafts_per_user: Option<usize>,
    redact_draft_bytes_per_user: Option<u64>,
    redact_drafts_total_bytes: Option<u64>,
    redact_draft_hours: Option<u64>,
}

/// The default share of would-be automatic decisions checked by a person: 2%.
pub const DEFAULT_QUALITY_SAMPLE_RATE: f64 = 0.02;

/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = "./civic-data";
/// The default listening address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The default request body limit: 10 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;
/// The default limit of a record endpoint's JSON body: 2 MiB (a 10 MiB
/// decision of 700,000 fields took the server from 170 to 390 MB).
pub const DEFAULT_JSON_BODY_LIMIT: usize = 2 * 1024 * 1024;

fn invalid(setting: &'static str, message: impl Into<String>) -> AppError {
    AppError::Config {
        setting,
        message: message.into(),
    }
}

impl Config {
    /// Loads the configuration: `overrides` (flags and environment) win over
    /// `civic.toml` in the data directory, which wins over the defaults.
    pub fn load(overrides: Overrides) -> Result<Self, AppError> {
        let data_dir = overrides
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let file = read_file_settings(&data_dir)?;
        Self::merge(data_dir, overrides, file)
    }

    fn merge(data_dir: PathBuf, o: Overrides, f: FileSettings) -> Result<Self, AppError> {
        let web = web_config(&o, &f)?;
        let safeguarding = safeguarding_config(&f)?;
        let witnesses = witnesses(f.witnesses.as_deref().unwrap_or_default())?;
        let body_limit = o.body_limit.or(f.body_limit).unwrap_or(DEFAULT_BODY_LIMIT);
        if body_limit < 1024 {
            return Err(invalid("body_limit", "must be at least 1024 bytes"));
        }
        let json_body_limit = f
            .json_body_limit
            .unwrap_or(DEFAULT_JSON_BODY_LIMIT)
            .min(body_limit);
        if json_body_limit < 1024 {
            return Err(invalid("json_body_limit", "must be at least 1024 bytes"));
        }
        let drafts = draft_limits(&f, body_limit)?;
        let database_url = o
            .database_url
            .or(f.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("civic.db").display()));
        if civic_store::Backend::from_url(&database_url).is_none() {
            return Err(invalid(
                "database_url",
                format!(
                    "{} is not supported; use sqlite://PATH or postgres://USER@HOST/DB",
                    civic_store::redact_url(&database_url)
                ),
            ));
        }
        let bind_text = o.bind.or(f.bind).unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind = bind_text.parse().map_err(|_| {
            invalid(
                "bind",
                format!("{bind_text:?} is not an address like 127.0.0.1:8080"),
            )
        })?;
        let checkpoint_every = o.checkpoint_every.or(f.checkpoint_every).unwrap_or(1000);
        if checkpoint_every == 0 {
            return Err(invalid("checkpoint_every", "must be at least 1"));
        }
        let interval = o
            .checkpoint_interval_secs
            .or(f.checkpoint_interval_secs)
            .unwrap_or(10);
        if interval == 0 || interval > 86_400 {
            return Err(invalid(
                "checkpoint_interval_secs",
                "must be between 1 and 86400 seconds",
            ));
        }
        let retention = o
            .input_retention_days
            .or(f.input_retention_days)
            .or(o.default_input_retention_days)
            .unwrap_or(0);
        if retention > 3650 {
            return Err(invalid(
                "input_retention_days",
                "must be at most 3650 days (0 keeps no input)",
            ));
        }
        let ledger_origin = o
            .ledger_origin
            .or(f.ledger_origin)
            .unwrap_or_else(|| "civic.local/ledger".to_owned());
        if ledger_origin.trim().is_empty()
            || ledger_origin.contains(char::is_whitespace)
            || ledger_origin.contains('+')
        {
            return Err(invalid(
                "ledger_origin",
                format!(
                    "{ledger_origin:?} must be a name without spaces or '+', e.g. civic.example.gov.uk/ledger"
                ),
            ));
        }
        let ledger_key_file = o
            .ledger_key_file
            .or(f.ledger_key_file)
            .unwrap_or_else(|| data_dir.join("ledger.key"));
        let checkpoint_log = o
            .checkpoint_log
            .or(f.checkpoint_log)
            .unwrap_or_else(|| default_checkpoint_log(&data_dir));
        let organisation = o
            .organisation
            .or(f.organisation)
            .unwrap_or_else(|| "Civic demonstration council".to_owned());
        let log_format = match o.log_format.or(f.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "log_format",
                    format!("{other:?} is not text or json"),
                ));
            }
        };
        Ok(Config {
            checkpoint_log,
            data_dir,
            database_url,
            bind,
            body_limit,
            json_body_limit,
            checkpoint_every,
            checkpoint_interval: Duration::from_secs(interval),
            input_retention: (retention > 0).then(|| Duration::from_secs(retention * 86_400)),
            ledger_origin,
            ledger_key_file,
            organisation,
            log_format,
            web,
            safeguarding,
            witnesses,
            drafts,
        })
    }

    /// The file where witnesses' cosignatures of this ledger's checkpoints
    /// are kept, beside the checkpoint log (`….checkpoints.cosignatures.jsonl`).
    pub fn cosignature_log(&self) -> PathBuf {
        self.checkpoint_log.with_extension("cosignatures.jsonl")
    }

    /// The file with the ledger's public (verifier) key, beside the private key.
    pub fn ledger_public_key_file(&self) -> PathBuf {
        self.ledger_key_file.with_extension("pub")
    }

    /// The database URL with any password replaced, fit to print or log.
    pub fn database_url_redacted(&self) -> String {
        civic_store::redact_url(&self.database_url)
    }
}

/// The redaction drafts' limits: the defaults for `body_limit`, changed by
/// the file's settings.
fn draft_limits(
    f: &FileSettings,
    body_limit: usize,
) -> Result<crate::redact::drafts::DraftLimits, AppError> {
    let d = crate::redact::drafts::DraftLimits::for_body_limit(body_limit);
    let per_user = f.redact_drafts_per_user.unwrap_or(d.per_user);
    if !(1..=100).contains(&per_user) {
        return Err(invalid(
            "redact_drafts_per_user",
            "must be between 1 and 100",
        ));
    }
    let bytes_per_user = f.redact_draft_bytes_per_user.unwrap_or(d.bytes_per_user);
    if bytes_per_user < 1024 {
        return Err(invalid(
            "redact_draft_bytes_per_user",
            "must be at least 1024 bytes",
        ));
    }
    let total_bytes = f.redact_drafts_total_bytes.unwrap_or(d.total_bytes);
    if total_bytes < bytes_per_user {
        return Err(invalid(
            "redact_drafts_total_bytes",
            format!("must be at least redact_draft_bytes_per_user ({bytes_per_user})"),
        ));
    }
    let hours = f
        .redact_draft_hours
        .unwrap_or(crate::redact::drafts::DEFAULT_HOURS);
    if !(1..=720).contains(&hours) {
        return Err(invalid(
            "redact_draft_hours",
            "must be between 1 and 720 hours (30 days)",
        ));
    }
    Ok(crate::redact::drafts::DraftLimits {
        per_user,
        bytes_per_user,
        total_bytes,
        ttl: Duration::from_secs(hours * 3600),
    })
}

fn safeguarding_config(
    f: &FileSettings,
) -> Result<crate::safeguarding::SafeguardingConfig, AppError> {
    let d = crate::safeguarding::SafeguardingConfig::default();
    crate::safeguarding::SafeguardingConfig {
        alert_threshold: f.safeguarding_alert_threshold.unwrap_or(d.alert_threshold),
        watch_threshold: f.safeguarding_watch_threshold.unwrap_or(d.watch_threshold),
        never_auto: f.safeguarding_never_auto.unwrap_or(d.never_auto),
        procedure_url: f.safeguarding_procedure_url.clone().or(d.procedure_url),
        teams: safeguarding_teams(f.safeguarding_teams.as_ref())?,
    }
    .validate()
}

/// Parses `[[witnesses]]`: each key must be a witness (cosignature/v1) key
/// named as the entry is, each address plain `http://` (see
/// `docs/configuration.md` for why), and no witness given twice.
fn witnesses(list: &[WitnessFileSetting]) -> Result<Vec<WitnessSetting>, AppError> {
    let mut out: Vec<WitnessSetting> = Vec::new();
    for (i, w) in list.iter().enumerate() {
        let key = civic_ledger::CosignatureVerifier::from_verifier_key(&w.key)
            .map_err(|e| invalid("witnesses", format!("entry {}: key: {e}", i + 1)))?;
        if key.name() != w.name {
            return Err(invalid(
                "witnesses",
                format!(
                    "entry {}: the name {:?} differs from the key's name {:?}",
                    i + 1,
                    w.name,
                    key.name()
                ),
            ));
        }
        let url = w.url.trim_end_matches('/');
        let host = url.strip_prefix("http://").unwrap_or_default();
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(invalid(
                "witnesses",
                format!(
                    "entry {}: url {:?} must be http://HOST[:PORT][/PATH] (https is not built in; see docs/configuration.md)",
                    i + 1,
                    w.url
                ),
            ));
        }
        if out.iter().any(|o| o.name == w.name) {
            return Err(invalid(
                "witnesses",
                format!("entry {}: the witness {:?} is given twice", i + 1, w.name),
            ));
        }
        out.push(WitnessSetting {
            name: w.name.clone(),
            url: url.to_owned(),
            key,
        });
    }
    Ok(out)
}

/// `safeguarding_teams`: category id → team, every id one of the seven.
fn safeguarding_teams(
    teams: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<std::collections::BTreeMap<civic_triage::safeguarding::Category, String>, AppError> {
    use civic_triage::safeguarding::Category;
    let mut out = std::collections::BTreeMap::new();
    for (id, team) in teams.into_iter().flatten() {
        let category = Category::parse(id).ok_or_else(|| {
            invalid(
                "safeguarding_teams",
                format!(
                    "{id:?} is not a safeguarding category; use one of {}",
                    Category::ALL.map(Category::id).join(", ")
                ),
            )
        })?;
        out.insert(category, team.clone());
    }
    Ok(out)
}

fn web_config(o: &Overrides, f: &FileSettings) -> Result<WebConfig, AppError> {
    let session_hours = o.session_hours.or(f.session_hours).unwrap_or(8);
    if !(1..=720).contains(&session_hours) {
        return Err(invalid("session_hours", "must be between 1 and 720 hours"));
    }
    let target_hours = o
        .review_target_hours
        .or(f.review_target_hours)
        .unwrap_or(48);
    if !(1..=8760).contains(&target_hours) {
        return Err(invalid(
            "review_target_hours",
            "must be between 1 and 8760 hours",
        ));
    }
    let secure_cookies = match o.secure_cookies.as_deref().or(f.secure_cookies.as_deref()) {
        None | Some("auto") => SecureCookies::Auto,
        Some("always") => SecureCookies::Always,
        Some("never") => SecureCookies::Never,
        Some(other) => {
            return Err(invalid(
                "secure_cookies",
                format!("{other:?} is not auto, always or never"),
            ));
        }
    };
    let override_reasons = match &f.override_reasons {
        None => DEFAULT_OVERRIDE_REASONS.map(str::to_owned).to_vec(),
        Some(list) => {
            let valid = !list.is_empty()
                && list.len() <= 50
                && list
                    .iter()
                    .all(|r| !r.trim().is_empty() && r.chars().count() <= 100);
            if !valid {
                return Err(invalid(
                    "override_reasons",
                    "give 1 to 50 reasons of 1 to 100 characters each",
                ));
            }
            list.iter().map(|r| r.trim().to_owned()).collect()
        }
    };
    let rate = o
        .quality_sample_rate
        .or(f.quality_sample_rate)
        .unwrap_or(DEFAULT_QUALITY_SAMPLE_RATE);
    let quality_sample_rate =
        SampleRate::new(rate).map_err(|e| invalid("quality_sample_rate", e.message))?;
    Ok(WebConfig {
        quality_sample_rate,
        session_ttl: Duration::from_secs(session_hours * 3600),
        review_target: Duration::from_secs(target_hours * 3600),
        secure_cookies,
        override_reasons,
    })
}

/// `DATA_DIR.checkpoints.jsonl`, beside the data directory: outside the
/// database and outside the folder a backup or a copy of the data
/// directory carries, so that replacing the one does not replace the other.
fn default_checkpoint_log(data_dir: &Path) -> PathBuf {
    let name = data_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| "civic-data".to_owned());
    let parent = match data_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() && data_dir.file_name().is_some() => p.to_owned(),
        _ => data_dir.join(".."),
    };
    parent.join(format!("{name}.checkpoints.jsonl"))
}

fn read_file_settings(data_dir: &Path) -> Result<FileSettings, AppError> {
    let path = data_dir.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileSettings::default()),
        Err(e) => {
            return Err(AppError::Io {
                path: path.clone(),
                message: e.to_string(),
            });
        }
    };
    toml::from_str(&text).map_err(|e| AppError::ConfigFile {
        path,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_with(file: &str, overrides: Overrides) -> Result<Config, AppError> {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join(CONFIG_FILE), file).expect("write");
        Config::load(Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..overrides
        })
    }

    #[test]
    fn defaults_apply_without_a_file() {
        let dir = tempfile::tempdir().expect("dir");
        let c = Config::load(Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..Overrides::default()
        })
        .expect("valid");
        assert_eq!(c.bind.to_string(), DEFAULT_BIND);
        assert!(c.database_url.starts_with("sqlite://"));
        assert_eq!(c.input_retention, None);
        assert_eq!(c.ledger_key_file, dir.path().join("ledger.key"));
        assert_eq!(c.web.quality_sample_rate.get(), DEFAULT_QUALITY_SAMPLE_RATE);
    }

    #[test]
    fn the_quality_sample_rate_comes_from_the_file_or_the_environment() {
        let c = load_with("quality_sample_rate = 0.5\n", Overrides::default()).expect("valid");
        assert_eq!(c.web.quality_sample_rate.get(), 0.5);
        let c = load_with(
            "quality_sample_rate = 0.5\n",
            Overrides {
                quality_sample_rate: Some(0.0),
                ..Overrides::default()
            },
        )
        .expect("valid");
        assert_eq!(c.web.quality_sample_rate, SampleRate::NONE);
    }

    #[test]
    fn the_json_body_limit_defaults_to_2_mib_and_never_exceeds_the_body_limit() {
        let c = load_with("", Overrides::default()).expect("valid");
        assert_eq!(c.json_body_limit, 2 << 20);
        let c = load_with("body_limit = 4096\n", Overrides::default()).expect("valid");
        assert_eq!(c.json_body_limit, 4096);
        let c = load_with("json_body_limit = 65536\n", Overrides::default()).expect("valid");
        assert_eq!(c.json_body_limit, 65536);
        let e = load_with("json_body_limit = 10\n", Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("json_body_limit"), "{e}");
    }

    #[test]
    fn redaction_draft_limits_follow_the_body_limit_unless_set() {
        let c = load_with("body_limit = 2048\n", Overrides::default()).expect("valid");
        assert_eq!(c.drafts.per_user, 3);
        assert_eq!(c.drafts.bytes_per_user, 20_480);
        assert_eq!(c.drafts.total_bytes, 204_800);
        assert_eq!(c.drafts.ttl, Duration::from_secs(24 * 3600));
        let c = load_with(
            "redact_drafts_per_user = 5\nredact_draft_bytes_per_user = 4096\nredact_drafts_total_bytes = 8192\nredact_draft_hours = 2\n",
            Overrides::default(),
        )
        .expect("valid");
        assert_eq!(
            (
                c.drafts.per_user,
                c.drafts.bytes_per_user,
                c.drafts.total_bytes
            ),
            (5, 4096, 8192)
        );
        assert_eq!(c.drafts.ttl, Duration::from_secs(7200));
        for (file, setting) in [
            ("redact_drafts_per_user = 0\n", "redact_drafts_per_user"),
            ("redact_draft_hours = 0\n", "redact_draft_hours"),
            (
                "redact_draft_bytes_per_user = 4096\nredact_drafts_total_bytes = 2048\n",
                "redact_drafts_total_bytes",
            ),
        ] {
            let e = load_with(file, Overrides::default()).expect_err(file);
            assert!(
                matches!(e, AppError::Config { setting: s, .. } if s == setting),
                "{file}: {e}"
            );
        }
    }

    #[test]
    fn a_default_retention_applies_only_when_none_is_configured() {
        let asked = || Overrides {
            default_input_retention_days: Some(30),
            ..Overrides::default()
        };
        let c = load_with("", asked()).expect("valid");
        assert_eq!(c.input_retention, Some(Duration::from_secs(30 * 86_400)));
        let c = load_with("input_retention_days = 0\n", asked()).expect("valid");
        assert_eq!(c.input_retention, None, "the file's 0 is kept");
        let c = load_with(
            "",
            Overrides {
                input_retention_days: Some(2),
                ..asked()
            },
        )
        .expect("valid");
        assert_eq!(c.input_retention, Some(Duration::from_secs(2 * 86_400)));
    }

    #[test]
    fn safeguarding_teams_replace_the_named_categories_only() {
        use civic_triage::safeguarding::Category;
        let c = load_with(
            "[safeguarding_teams]\nchild_at_risk = \"Early help hub\"\n",
            Overrides::default(),
        )
        .expect("valid");
        let detector = c.safeguarding.detector().expect("detector");
        assert_eq!(
            detector.suggested_team(Category::ChildAtRisk),
            "Early help hub"
        );
        assert_eq!(
            detector.suggested_team(Category::AdultAtRisk),
            Category::AdultAtRisk.suggested_team()
        );
    }

    #[test]
    fn flags_and_environment_win_over_the_file() {
        let c = load_with(
            "bind = \"127.0.0.1:9000\"\ncheckpoint_every = 50\n",
            Overrides {
                bind: Some("127.0.0.1:9001".into()),
                ..Overrides::default()
            },
        )
        .expect("valid");
        assert_eq!(c.bind.port(), 9001);
        assert_eq!(c.checkpoint_every, 50);
    }

    #[test]
    fn bad_settings_are_named() {
        let cases = [
            ("bind = \"nowhere\"", "bind"),
            ("checkpoint_every = 0", "checkpoint_every"),
            ("database_url = \"mysql://x\"", "database_url"),
            ("ledger_origin = \"has space\"", "ledger_origin"),
            ("log_format = \"xml\"", "log_format"),
            ("session_hours = 0", "session_hours"),
            ("review_target_hours = 0", "review_target_hours"),
            ("secure_cookies = \"sometimes\"", "secure_cookies"),
            ("override_reasons = []", "override_reasons"),
            ("quality_sample_rate = 1.5", "quality_sample_rate"),
            ("quality_sample_rate = -0.01", "quality_sample_rate"),
            (
                "[safeguarding_teams]\nflooding = \"Drainage\"",
                "safeguarding_teams",
            ),
            (
                "[safeguarding_teams]\nchild_at_risk = \"\"",
                "safeguarding_teams",
            ),
        ];
        for (file, setting) in cases {
            match load_with(file, Overrides::default()) {
                Err(AppError::Config { setting: s, .. }) => assert_eq!(s, setting, "{file}"),
                other => panic!("{file}: expected a config error, got {other:?}"),
            }
        }
    }

    #[test]
    fn witnesses_are_read_from_the_file_and_bad_ones_named() {
        let w = civic_ledger::Cosigner::generate("w.test/a", &mut rand::rngs::OsRng).expect("key");
        let entry = |name: &str, url: &str, key: &str| {
            format!("[[witnesses]]\nname = \"{name}\"\nurl = \"{url}\"\nkey = \"{key}\"\n")
        };
        let key = w.verifier_key();
        let c = load_with(
            &entry("w.test/a", "http://127.0.0.1:7380/", key),
            Overrides::default(),
        )
        .expect("valid");
        assert_eq!(c.witnesses.len(), 1);
        assert_eq!(
            c.witnesses[0].url, "http://127.0.0.1:7380",
            "no trailing slash"
        );
        assert_eq!(c.witnesses[0].key, w.verifier());
        assert!(
            c.cosignature_log()
                .ends_with(".checkpoints.cosignatures.jsonl")
                || c.cosignature_log()
                    .to_string_lossy()
                    .ends_with(".checkpoints.cosignatures.jsonl")
        );
        let twice = entry("w.test/a", "http://a", key) + &entry("w.test/a", "http://b", key);
        for (file, says) in [
            (entry("w.test/a", "http://a", "not-a-key"), "key"),
            (entry("w.test/other", "http://a", key), "differs"),
            (entry("w.test/a", "https://a", key), "http://"),
            (entry("w.test/a", "a:7380", key), "http://"),
            (twice, "twice"),
        ] {
            match load_with(&file, Overrides::default()) {
                Err(AppError::Config { setting, message }) => {
                    assert_eq!(setting, "witnesses", "{file}");
                    assert!(message.contains(says), "{file}: {message}");
                }
                other => panic!("{file}: expected a config error, got {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_settings_in_the_file_are_refused_with_the_path() {
        let err = load_with("colour = \"blue\"", Overrides::default()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("civic.toml") && text.contains("colour"),
            "{text}"
        );
    }
}
