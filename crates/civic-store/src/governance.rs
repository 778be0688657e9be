//! Governance events: changes of who may act and of what decides, each
//! made by the ledger writer in the same transaction as its ledger entry
//! (see [`GovernanceAction`]), and read back for the audit listing and for
//! verification.

use civic_core::{
    Digest, Email, GovernanceChange, GovernanceEvent, GovernanceKind, KeyId, ModelRef, Principal,
    Role, Timestamp, from_unix_millis, unix_millis,
};
use futures_util::stream::{BoxStream, StreamExt as _};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::writer::{Append, Appended};
use crate::{
    ApiKey, LedgerWriter, ModelVersion, NewApiKey, NewModel, Store, StoreError, User,
    from_sql_index, to_sql_index,
};

/// A change of who may act or of what decides, for the ledger writer to
/// make and record in one transaction (`LedgerWriter::govern`).
#[derive(Debug, Clone)]
pub enum GovernanceAction {
    /// Create an API key.
    CreateKey {
        /// A name saying who or what uses it (kept with the key, not in the ledger).
        name: String,
        /// What it may do.
        role: Role,
    },
    /// Revoke an API key.
    RevokeKey {
        /// The key.
        id: KeyId,
    },
    /// Add a web user.
    CreateUser {
        /// Their address (kept with the user, never in the ledger).
        email: Email,
        /// What they may do.
        role: Role,
        /// The argon2id hash of their password.
        password_hash: String,
    },
    /// Replace a web user's password hash and end their sessions.
    SetPassword {
        /// Their address.
        email: Email,
        /// The new argon2id hash.
        password_hash: String,
    },
    /// Register a new version of a model and make it the active one.
    RegisterModel(Box<NewModel>),
    /// Make a registered version the active one.
    ActivateModel {
        /// The model's name.
        name: String,
        /// The version.
        version: i64,
    },
    /// Purge what retention no longer allows to be kept, as of `up_to`.
    PurgeInputs {
        /// Everything that lapsed by this time is purged.
        up_to: Timestamp,
    },
    /// Record the settings that alter decisions, if they differ from the
    /// last recorded ones.
    RecordSettings {
        /// The settings by name.
        settings: Map<String, Value>,
    },
}

/// What a governance action made, besides its event.
#[derive(Debug)]
pub enum GovernanceOutcome {
    /// A new key, with its token (shown once).
    KeyCreated(NewApiKey),
    /// A key as it is now.
    Key(ApiKey),
    /// A user as they are now.
    User(User),
    /// A model version as it is now.
    Model(ModelVersion),
    /// How many decisions a purge changed.
    Purged(u64),
    /// The settings were recorded.
    Settings,
}

/// A governance action once durable: its event and what it made.
#[derive(Debug)]
pub struct Governed {
    /// The event, as recorded in the ledger.
    pub event: GovernanceEvent,
    /// What the action made.
    pub outcome: GovernanceOutcome,
}

/// What [`apply`] did: the change to record and what it made, or nothing
/// (an activation of the active version, a purge with nothing lapsed,
/// settings as last recorded).
pub(crate) type Applied = Option<(GovernanceChange, GovernanceOutcome)>;

/// Makes the change `action` asks for on `conn`, inside the writer's
/// transaction. `Ok(Err)` is a refusal of this request alone (not found,
/// a conflict), which must not fail the rest of the batch.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    action: &GovernanceAction,
    now: Timestamp,
) -> Result<Result<Applied, StoreError>, StoreError> {
    let change = match action {
        GovernanceAction::CreateKey { name, role } => {
            let made = crate::keys::insert_key(conn, name, *role, now).await?;
            let change = GovernanceChange::KeyCreated {
                key_id: made.key.id,
                role: *role,
            };
            (change, GovernanceOutcome::KeyCreated(made))
        }
        GovernanceAction::RevokeKey { id } => {
            match crate::keys::revoke_key(conn, *id, now).await? {
                Ok(key) => (
                    GovernanceChange::KeyRevoked { key_id: key.id },
                    GovernanceOutcome::Key(key),
                ),
                Err(refused) => return Ok(Err(refused)),
            }
        }
        GovernanceAction::CreateUser {
            email,
            role,
            password_hash,
        } => match crate::users::insert_user(conn, email, *role, password_hash, now).await? {
            Ok(user) => (
                GovernanceChange::UserCreated {
                    user_id: user.id,
                    role: user.role,
                },
                GovernanceOutcome::User(user),
            ),
            Err(refused) => return Ok(Err(refused)),
        },
        GovernanceAction::SetPassword {
            email,
            password_hash,
        } => match crate::users::set_password(conn, email, password_hash).await? {
            Ok(user) => (
                GovernanceChange::PasswordReset { user_id: user.id },
                GovernanceOutcome::User(user),
            ),
            Err(refused) => return Ok(Err(refused)),
        },
        GovernanceAction::RegisterModel(new) => {
            let (version, replaced) = crate::models::register(conn, new, now).await?;
            let change = GovernanceChange::ModelRegistered {
                model: model_ref(&version),
                service: version.service.clone(),
                training_data_sha256: version.training_data_sha256.clone(),
                metrics_sha256: Digest::of_json(&version.metrics),
                replaced_version: replaced.map(|v| v.to_string()),
            };
            (change, GovernanceOutcome::Model(version))
        }
        GovernanceAction::ActivateModel { name, version } => {
            match crate::models::activate(conn, name, *version).await? {
                Ok(Some((activated, replaced))) => (
                    GovernanceChange::ModelActivated {
                        model: model_ref(&activated),
                        replaced_version: replaced.map(|v| v.to_string()),
                    },
                    GovernanceOutcome::Model(activated),
                ),
                Ok(None) => return Ok(Ok(None)),
                Err(refused) => return Ok(Err(refused)),
            }
        }
        GovernanceAction::PurgeInputs { up_to } => {
            let count = crate::decisions::purge_expired_inputs(conn, *up_to).await?;
            if count == 0 {
                return Ok(Ok(None));
            }
            (
                GovernanceChange::InputsPurged {
                    count,
                    up_to: *up_to,
                },
                GovernanceOutcome::Purged(count),
            )
        }
        GovernanceAction::RecordSettings { settings } => {
            let last = last_settings(conn).await?;
            let changed = changed_names(last.as_ref(), settings);
            if changed.is_empty() {
                return Ok(Ok(None));
            }
            (
                GovernanceChange::SettingsChanged {
                    settings: Value::Object(settings.clone()),
                    changed,
                },
                GovernanceOutcome::Settings,
            )
        }
    };
    Ok(Ok(Some(change)))
}

fn model_ref(v: &ModelVersion) -> ModelRef {
    ModelRef {
        name: v.name.clone(),
        version: v.version.to_string(),
    }
}

/// The settings of the last `settings_changed` event, if any.
async fn last_settings(conn: &mut AnyConnection) -> Result<Option<Map<String, Value>>, StoreError> {
    let row = sqlx::query(
        "SELECT details FROM governance_events WHERE event = $1 ORDER BY ledger_index DESC LIMIT 1",
    )
    .bind(GovernanceKind::SettingsChanged.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let details: String = row.try_get("details")?;
    match GovernanceChange::from_details(GovernanceKind::SettingsChanged.as_str(), &details) {
        Ok(GovernanceChange::SettingsChanged {
            settings: Value::Object(map),
            ..
        }) => Ok(Some(map)),
        _ => Err(StoreError::Corrupt(
            "the last recorded settings cannot be read".into(),
        )),
    }
}

/// The names of the settings that differ between `last` and `now` (added,
/// removed or changed), sorted; every name of `now` when nothing was
/// recorded before.
fn changed_names(last: Option<&Map<String, Value>>, now: &Map<String, Value>) -> Vec<String> {
    let Some(last) = last else {
        return now.keys().cloned().collect();
    };
    let mut names: Vec<String> = now
        .iter()
        .filter(|(k, v)| last.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .chain(last.keys().filter(|k| !now.contains_key(*k)).cloned())
        .collect();
    names.sort();
    names
}

/// The row of a governance event, in the order of [`INSERT_COLUMNS`].
pub(crate) fn row_values(e: &GovernanceEvent) -> (String, String, String, String, i64, i64) {
    (
        e.id.to_string(),
        e.change.kind().as_str().to_owned(),
        e.by.to_string(),
        e.change.details(),
        unix_millis(e.created_at),
        to_sql_index(e.ledger_index),
    )
}

/// The table and columns a governance event is inserted into.
pub(crate) const INSERT_COLUMNS: &str =
    "governance_events (id, event, actor, details, created_at, ledger_index)";

const COLUMNS: &str = "id, event, actor, details, created_at, ledger_index";

/// A governance event's row as stored, for verification: its position,
/// its id as text, and the event if its columns read as one (`None` when a
/// column was altered so that it no longer parses).
#[derive(Debug, Clone)]
pub struct StoredGovernanceEvent {
    /// Its claimed position in the ledger.
    pub ledger_index: u64,
    /// Its id, as stored.
    pub id: String,
    /// The event, if its columns read as one.
    pub event: Option<GovernanceEvent>,
}

fn row_to_stored(row: &AnyRow) -> Result<StoredGovernanceEvent, StoreError> {
    let ledger_index = from_sql_index(row.try_get("ledger_index")?)?;
    let id: String = row.try_get("id")?;
    let event: String = row.try_get("event")?;
    let actor: String = row.try_get("actor")?;
    let details: String = row.try_get("details")?;
    let created_at: i64 = row.try_get("created_at")?;
    let parsed = (|| {
        Some(GovernanceEvent {
            id: id.parse().ok()?,
            by: actor.parse().ok()?,
            change: GovernanceChange::from_details(&event, &details).ok()?,
            created_at: from_unix_millis(created_at)?,
            ledger_index,
        })
    })();
    Ok(StoredGovernanceEvent {
        ledger_index,
        id,
        event: parsed,
    })
}

/// Which governance events to list (`Store::governance_events`).
#[derive(Debug, Clone, Default)]
pub struct GovernanceFilter {
    /// Only events of this kind.
    pub kind: Option<GovernanceKind>,
    /// Only events by this principal.
    pub by: Option<Principal>,
    /// Only events at or after this time.
    pub from: Option<Timestamp>,
    /// Only events before this time.
    pub to: Option<Timestamp>,
    /// Only events before this ledger position (the next page of a listing).
    pub before_index: Option<u64>,
}

impl Store {
    /// Up to `limit` governance events matching `filter`, newest first.
    /// An event whose stored columns no longer read as one is an error
    /// (`civic audit verify` names it).
    pub async fn governance_events(
        &self,
        filter: &GovernanceFilter,
        limit: u32,
    ) -> Result<Vec<GovernanceEvent>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM governance_events WHERE 1 = 1");
        let mut n = 0;
        let backend = self.backend();
        let mut clause = |sql: &mut String, text: &str| {
            n += 1;
            sql.push_str(text);
            backend.push_placeholder(sql, n);
        };
        if filter.kind.is_some() {
            clause(&mut sql, " AND event = ");
        }
        if filter.by.is_some() {
            clause(&mut sql, " AND actor = ");
        }
        if filter.from.is_some() {
            clause(&mut sql, " AND created_at >= ");
        }
        if filter.to.is_some() {
            clause(&mut sql, " AND created_at < ");
        }
        if filter.before_index.is_some() {
            clause(&mut sql, " AND ledger_index < ");
        }
        sql.push_str(&format!(" ORDER BY ledger_index DESC LIMIT {limit}"));
        let mut query = sqlx::query(&sql);
        if let Some(kind) = filter.kind {
            query = query.bind(kind.as_str());
        }
        if let Some(by) = &filter.by {
            query = query.bind(by.to_string());
        }
        if let Some(from) = filter.from {
            query = query.bind(unix_millis(from));
        }
        if let Some(to) = filter.to {
            query = query.bind(unix_millis(to));
        }
        if let Some(before) = filter.before_index {
            query = query.bind(to_sql_index(before));
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let stored = row_to_stored(row)?;
                stored.event.ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "governance event {} (ledger entry {}) cannot be read; run `civic audit verify`",
                        stored.id, stored.ledger_index
                    ))
                })
            })
            .collect()
    }

    /// Every governance event in ledger order, streamed, for verification.
    pub fn governance_in_ledger_order(
        &self,
    ) -> BoxStream<'_, Result<StoredGovernanceEvent, StoreError>> {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!("SELECT {COLUMNS} FROM governance_events ORDER BY ledger_index")
        });
        sqlx::query(sql)
            .fetch(self.pool())
            .map(|r| {
                r.map_err(StoreError::from)
                    .and_then(|row| row_to_stored(&row))
            })
            .boxed()
    }
}

impl LedgerWriter {
    /// Makes the change `action` asks for and records it, naming `by`, as
    /// a governance entry in the same transaction; returns `None` when
    /// there was nothing to change (and nothing was recorded).
    pub async fn govern(
        &self,
        action: GovernanceAction,
        by: Principal,
    ) -> Result<Option<Governed>, StoreError> {
        match self
            .append(Append::Governance {
                action: Box::new(action),
                by,
            })
            .await?
        {
            Appended::Governance(governed) => Ok(Some(*governed)),
            Appended::Unchanged => Ok(None),
            _ => Err(StoreError::Corrupt(
                "the writer answered a governance change with another record".into(),
            )),
        }
    }

    /// Creates an API key, recorded as made by `by`.
    pub async fn create_key(
        &self,
        name: &str,
        role: Role,
        by: Principal,
    ) -> Result<NewApiKey, StoreError> {
        let action = GovernanceAction::CreateKey {
            name: name.to_owned(),
            role,
        };
        match self.govern(action, by).await?.map(|g| g.outcome) {
            Some(GovernanceOutcome::KeyCreated(made)) => Ok(made),
            _ => Err(unexpected("a key")),
        }
    }

    /// Revokes a key; its token stops working at once. A key already
    /// revoked is a conflict, an unknown one not found.
    pub async fn revoke_key(&self, id: KeyId, by: Principal) -> Result<ApiKey, StoreError> {
        match self
            .govern(GovernanceAction::RevokeKey { id }, by)
            .await?
            .map(|g| g.outcome)
        {
            Some(GovernanceOutcome::Key(key)) => Ok(key),
            _ => Err(unexpected("a key")),
        }
    }

    /// Adds a web user; an address already in use is a conflict.
    pub async fn create_user(
        &self,
        email: &Email,
        role: Role,
        password_hash: &str,
        by: Principal,
    ) -> Result<User, StoreError> {
        let action = GovernanceAction::CreateUser {
            email: email.clone(),
            role,
            password_hash: password_hash.to_owned(),
        };
        self.user_outcome(action, by).await
    }

    /// Replaces a live user's password hash and ends all their sessions.
    pub async fn set_password(
        &self,
        email: &Email,
        password_hash: &str,
        by: Principal,
    ) -> Result<User, StoreError> {
        let action = GovernanceAction::SetPassword {
            email: email.clone(),
            password_hash: password_hash.to_owned(),
        };
        self.user_outcome(action, by).await
    }

    async fn user_outcome(
        &self,
        action: GovernanceAction,
        by: Principal,
    ) -> Result<User, StoreError> {
        match self.govern(action, by).await?.map(|g| g.outcome) {
            Some(GovernanceOutcome::User(user)) => Ok(user),
            _ => Err(unexpected("a user")),
        }
    }

    /// Registers a new version of a model and makes it the active one.
    pub async fn register_model(
        &self,
        new: NewModel,
        by: Principal,
    ) -> Result<ModelVersion, StoreError> {
        let action = GovernanceAction::RegisterModel(Box::new(new));
        match self.govern(action, by).await?.map(|g| g.outcome) {
            Some(GovernanceOutcome::Model(version)) => Ok(version),
            _ => Err(unexpected("a model version")),
        }
    }

    /// Makes `version` the active version of `name`; `None` when it already
    /// was (nothing changed, nothing was recorded).
    pub async fn activate_model(
        &self,
        name: &str,
        version: i64,
        by: Principal,
    ) -> Result<Option<ModelVersion>, StoreError> {
        let action = GovernanceAction::ActivateModel {
            name: name.to_owned(),
            version,
        };
        match self.govern(action, by).await?.map(|g| g.outcome) {
            Some(GovernanceOutcome::Model(version)) => Ok(Some(version)),
            None => Ok(None),
            _ => Err(unexpected("a model version")),
        }
    }

    /// Purges the raw inputs, explanations and references whose retention
    /// had lapsed by `up_to`; returns how many decisions lost something (a
    /// purge is recorded only when that is more than none).
    pub async fn purge_expired_inputs(
        &self,
        up_to: Timestamp,
        by: Principal,
    ) -> Result<u64, StoreError> {
        match self
            .govern(GovernanceAction::PurgeInputs { up_to }, by)
            .await?
            .map(|g| g.outcome)
        {
            Some(GovernanceOutcome::Purged(n)) => Ok(n),
            None => Ok(0),
            _ => Err(unexpected("a purge")),
        }
    }

    /// Records `settings` when they differ from the last recorded ones;
    /// returns the event, or `None` when they are the same.
    pub async fn record_settings(
        &self,
        settings: Map<String, Value>,
        by: Principal,
    ) -> Result<Option<GovernanceEvent>, StoreError> {
        Ok(self
            .govern(GovernanceAction::RecordSettings { settings }, by)
            .await?
            .map(|g| g.event))
    }
}

fn unexpected(what: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "the writer answered a governance change with something other than {what}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn changed_settings_are_named_whether_changed_added_or_removed() {
        let now = map(json!({"a": 1, "b": [1, 2], "c": "x"}));
        assert_eq!(changed_names(None, &now), ["a", "b", "c"]);
        assert!(changed_names(Some(&now), &now).is_empty());
        let last = map(json!({"a": 1, "b": [2, 1], "d": true}));
        assert_eq!(changed_names(Some(&last), &now), ["b", "c", "d"]);
    }
}
