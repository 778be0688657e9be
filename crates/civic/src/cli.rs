//! Command-line arguments (clap derive). Every setting that `civic.toml` can
//! hold can also be given as a flag or a `CIVIC_*` environment variable;
//! flags win over the environment, which wins over the file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Civic: accountable AI services for public bodies, with a tamper-evident ledger.
#[derive(Debug, Parser)]
#[command(name = "civic", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Who is running this command, as recorded in the ledger (`operator:NAME`) for
    /// what it changes [default: the operating-system user].
    #[arg(long, global = true, env = "CIVIC_OPERATOR", value_name = "NAME")]
    pub operator_name: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings shared by every command.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The data directory: SQLite database, ledger key, civic.toml.
    #[arg(long, global = true, env = "CIVIC_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The database: sqlite://PATH (default: civic.db in the data directory) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "CIVIC_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Sign a ledger checkpoint at least every N entries [default: 1000].
    #[arg(
        long,
        global = true,
        env = "CIVIC_CHECKPOINT_EVERY",
        value_name = "N",
        hide_short_help = true
    )]
    pub checkpoint_every: Option<u64>,
    /// …and at least every S seconds while entries are unsigned [default: 10].
    #[arg(
        long,
        global = true,
        env = "CIVIC_CHECKPOINT_INTERVAL_SECS",
        value_name = "S",
        hide_short_help = true
    )]
    pub checkpoint_interval_secs: Option<u64>,
    /// Keep raw inputs beside decisions for this many days (0 keeps none) [default: 0].
    #[arg(
        long,
        global = true,
        env = "CIVIC_INPUT_RETENTION_DAYS",
        value_name = "DAYS",
        hide_short_help = true
    )]
    pub input_retention_days: Option<u64>,
    /// The ledger's name in signed checkpoints [default: civic.local/ledger].
    #[arg(
        long,
        global = true,
        env = "CIVIC_LEDGER_ORIGIN",
        value_name = "NAME",
        hide_short_help = true
    )]
    pub ledger_origin: Option<String>,
    /// The ledger's private signing key file [default: ledger.key in the data directory].
    #[arg(
        long,
        global = true,
        env = "CIVIC_LEDGER_KEY_FILE",
        value_name = "FILE",
        hide_short_help = true
    )]
    pub ledger_key_file: Option<PathBuf>,
    /// The file outside the database where every signed checkpoint is also kept
    /// [default: DATA_DIR.checkpoints.jsonl, beside the data directory].
    #[arg(
        long,
        global = true,
        env = "CIVIC_CHECKPOINT_LOG",
        value_name = "FILE",
        hide_short_help = true
    )]
    pub checkpoint_log: Option<PathBuf>,
    /// The organisation's name, shown in the web interface.
    #[arg(
        long,
        global = true,
        env = "CIVIC_ORGANISATION",
        value_name = "NAME",
        hide_short_help = true
    )]
    pub organisation: Option<String>,
    /// Log format: text or json [default: text]. Set the level with RUST_LOG (e.g. RUST_LOG=debug).
    #[arg(
        long,
        global = true,
        env = "CIVIC_LOG_FORMAT",
        value_name = "FORMAT",
        hide_short_help = true
    )]
    pub log_format: Option<String>,
    /// How long a web sign-in lasts, in hours [default: 8].
    #[arg(
        long,
        global = true,
        env = "CIVIC_SESSION_HOURS",
        value_name = "HOURS",
        hide_short_help = true
    )]
    pub session_hours: Option<u64>,
    /// How long an item may wait for review before it counts as late, in hours [default: 48].
    #[arg(
        long,
        global = true,
        env = "CIVIC_REVIEW_TARGET_HOURS",
        value_name = "HOURS",
        hide_short_help = true
    )]
    pub review_target_hours: Option<u64>,
    /// When web session cookies are marked Secure: auto (when X-Forwarded-Proto is https), always or never [default: auto].
    #[arg(
        long,
        global = true,
        env = "CIVIC_SECURE_COOKIES",
        value_name = "WHEN",
        hide_short_help = true
    )]
    pub secure_cookies: Option<String>,
    /// The share of would-be automatic decisions queued for review as quality checks, 0 to 1 [default: 0.02].
    #[arg(
        long,
        global = true,
        env = "CIVIC_QUALITY_SAMPLE_RATE",
        value_name = "SHARE",
        hide_short_help = true
    )]
    pub quality_sample_rate: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up a data directory: database, ledger signing key and a first admin API key (printed once).
    Init,
    /// Run the HTTP server (sets up the data directory first if it is empty).
    Serve(ServeArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage the people who sign in to the web interface.
    #[command(subcommand)]
    User(UserCommand),
    /// Check and prove the tamper-evident ledger.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage recorded reviews (an erasure request for a reviewer's reason).
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Train and inspect the triage model (routing citizen contacts to teams).
    #[command(subcommand)]
    Triage(TriageCommand),
    /// Train, run and audit risk models that flag claims for human review.
    #[command(subcommand)]
    Risk(RiskCommand),
    /// Redact personal data from text, CSV, e-mail and Word files (or `redact detect` for JSON Lines).
    Redact(RedactArgs),
    /// List registered model versions and choose the active one.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Measure performance end to end (results go in docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Witness other ledgers: cosign their checkpoints after checking that
    /// each extends the last one seen (C2SP tlog-witness).
    #[command(subcommand)]
    Witness(WitnessCommand),
}

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Make a witness signing key; prints its public key, which each log
    /// you witness puts in its `[[witnesses]]` setting.
    Init {
        /// The witness's name, e.g. witness.example-council.gov.uk/w1.
        #[arg(long)]
        name: String,
        /// Where to write the private key (the public key goes beside it, .pub).
        #[arg(long, value_name = "FILE")]
        key_file: PathBuf,
    },
    /// Run the witness's HTTP server (POST /add-checkpoint).
    Serve {
        /// The witness's configuration file (TOML: bind, key_file,
        /// state_file and [[logs]] with each log's public key).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Durable ledger appends (with and without group commit), inclusion proofs and
    /// `civic audit verify`, on a scratch database (SQLite unless --database-url is given).
    Ledger {
        /// Entries to append (and then verify).
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
        /// Concurrent clients appending.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Entries appended one transaction each, as the baseline.
        #[arg(long, default_value_t = 2_000)]
        baseline_entries: u64,
        /// Keep the scratch data directory (its path is printed) for further runs.
        #[arg(long)]
        keep: bool,
    },
    /// Server-side page render times: seeds a scratch instance (one entry in ten waits for
    /// review, so 1,000,000 entries give 100,000 queued items), starts the real server,
    /// signs in as an admin and times GET of each page over HTTP.
    Web {
        /// Ledger entries to seed (one in ten is queued for review).
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
        /// Concurrent clients appending while seeding.
        #[arg(long, default_value_t = 256)]
        clients: usize,
        /// Timed requests per page (after a few untimed ones).
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Time the pages of this existing data directory instead of seeding a new one
        /// (e.g. one kept by `civic bench ledger --keep` or `civic bench web --keep`).
        #[arg(long, value_name = "DIR")]
        reuse: Option<std::path::PathBuf>,
        /// Keep the scratch data directory (its path is printed) for further runs.
        #[arg(long)]
        keep: bool,
    },
    /// Latency of the write endpoints under load: sets up a scratch demo instance,
    /// starts the real server and has concurrent clients POST to
    /// `/api/v1/triage` and then `/api/v1/decisions` for a fixed time each.
    Api {
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Timed seconds per endpoint (after 2 untimed seconds).
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Keep the scratch data directory (its path is printed) for further runs.
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "CIVIC_BIND", value_name = "ADDR")]
    pub bind: Option<String>,
    /// The largest request body accepted, in bytes [default: 10485760].
    #[arg(long, env = "CIVIC_BODY_LIMIT", value_name = "BYTES")]
    pub body_limit: Option<usize>,
    /// Start as a demonstration: train the triage model on synthetic council contacts and
    /// the risk model on synthetic claims, create an API key and a web user for each role
    /// (printed once), route 300 synthetic messages and score 200 synthetic claims.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. Without --password-stdin a password is generated and printed once.
    Add {
        /// Their role: caseworker, reviewer, admin or auditor.
        #[arg(long)]
        role: String,
        /// The e-mail address they sign in with.
        email: String,
        /// Read the password (12 to 128 characters) from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password and end the user's sessions. Without --password-stdin
    /// a password is generated and printed once.
    ResetPassword {
        /// The e-mail address they sign in with.
        email: String,
        /// Read the password (12 to 128 characters) from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key; its token is printed once and never stored.
    Create {
        /// caseworker, reviewer, admin or auditor.
        #[arg(long)]
        role: String,
        /// Who or what uses the key, e.g. case-management-system.
        #[arg(long)]
        name: String,
    },
    /// List API keys (never their tokens).
    List,
    /// Revoke an API key; it stops working at once.
    Revoke {
        /// The key's id, as shown by `civic key list`.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Remove an override's stored reason (e.g. for an erasure request). The
    /// removal is itself recorded in the ledger: who, when and the digest of
    /// --why, never the reason. Reviews recorded before ledger entry
    /// version 2 are refused: their ledger entry holds the reason itself.
    RedactReason {
        /// The review event's id (`reviews[].id` in `GET /api/v1/decisions/{id}`).
        id: String,
        /// Why, e.g. the erasure request's reference (kept; put no personal data here).
        #[arg(long)]
        why: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the whole ledger and check every record and signed checkpoint.
    /// Exits 0 only if all is consistent; otherwise names the first entry that is
    /// missing, altered or reordered and exits 1.
    Verify {
        /// Also print the time taken and the process's peak memory.
        #[arg(long)]
        stats: bool,
        /// Also prove that today's ledger extends a checkpoint saved earlier: a file
        /// holding one signed checkpoint (as `civic audit checkpoint` prints it) or a
        /// checkpoint log (JSON Lines). Fails if the history since was rewritten.
        #[arg(long, value_name = "FILE")]
        since: Option<PathBuf>,
    },
    /// Print the latest signed checkpoint (signing one now if entries are unsigned),
    /// in the C2SP signed-note form, to keep or to give to an auditor.
    Checkpoint {
        /// Write it to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
    },
    /// Write an inclusion proof bundle (JSON) for one decision.
    Proof {
        /// The decision's id.
        decision_id: String,
        /// Where to write the bundle [default: standard output].
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write a consistency proof (JSON) from a checkpoint you saved earlier (its
    /// signed note, as `civic audit checkpoint --export` wrote it) to the latest one.
    Consistency {
        /// The saved checkpoint.
        old: PathBuf,
        /// Where to write the bundle [default: standard output].
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a consistency bundle offline, without the database: both checkpoints
    /// are signed by the ledger's key and the later tree extends the earlier.
    CheckConsistency {
        /// The bundle, as written by `civic audit consistency`.
        file: PathBuf,
        /// The ledger's public key file (ledger.pub). Without it, the key inside the
        /// bundle is used, which proves consistency but not who signed.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
    },
    /// Check a proof bundle offline, without the database.
    CheckProof {
        /// The bundle, as written by `civic audit proof`.
        file: PathBuf,
        /// The ledger's public key file (ledger.pub in the data directory). Without it, the
        /// key inside the bundle is used, which proves consistency but not who signed.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
        /// A witness's public key file (as `civic witness init` wrote it); repeat for
        /// each witness you trust.
        #[arg(long = "witness-key", value_name = "FILE")]
        witness_keys: Vec<PathBuf>,
        /// Refuse the proof unless its checkpoint carries valid cosignatures from at
        /// least N of the witness keys given [default: all of them].
        #[arg(long, value_name = "N")]
        require_witnesses: Option<usize>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Train a model from a CSV or JSON Lines file, register it and make it active.
    /// Prints accuracy, macro-F1, per-team precision/recall/F1, the confusion matrix,
    /// the calibration error and the review threshold, measured on held-out data.
    Train {
        /// The training data: .csv (with a header row) or .jsonl.
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        /// The column with the message text.
        #[arg(long, default_value = "text")]
        text_column: String,
        /// The column with the team that handled it.
        #[arg(long, default_value = "label")]
        label_column: String,
        /// An optional column saying whether the message was urgent (true/false).
        #[arg(long)]
        urgent_column: Option<String>,
        /// The model's name in the registry.
        #[arg(long, default_value = "council-triage")]
        name: String,
        /// Share of the data held out for calibration and the review threshold.
        #[arg(long, default_value_t = 0.2)]
        holdout: f64,
        /// Random seed: the same data and seed give the same model.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Stop at the first malformed row instead of skipping it and reporting its line.
        #[arg(long)]
        strict: bool,
        /// Also learn from reviewers' corrections: every override of a triage decision whose
        /// message is still retained (see input_retention_days) is added to the data, labelled
        /// with the team the reviewer chose. Prints how many were added and skipped.
        #[arg(long)]
        include_overrides: bool,
    },
    /// Route every message in a file (in parallel), writing the suggestions beside them.
    Predict(PredictArgs),
    /// Measure a model on labelled data: the same report as training, plus a
    /// confusion-matrix SVG and a reliability-diagram SVG with --report-dir.
    Eval {
        /// The model: NAME or NAME@VERSION (default: the active version).
        #[arg(long, default_value = "council-triage")]
        model: String,
        /// Labelled messages: .csv (with a header row) or .jsonl.
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        /// The column with the message text.
        #[arg(long, default_value = "text")]
        text_column: String,
        /// The column with the team that handled it.
        #[arg(long, default_value = "label")]
        label_column: String,
        /// Also write report.json, confusion-matrix.svg and reliability.svg here.
        #[arg(long, value_name = "DIR")]
        report_dir: Option<PathBuf>,
        /// Stop at the first malformed row instead of skipping it and reporting its line.
        #[arg(long)]
        strict: bool,
    },
    /// Show, in the terminal, how the model routes one message and why.
    Explain {
        /// The model: NAME or NAME@VERSION (default: the active version).
        #[arg(long, default_value = "council-triage")]
        model: String,
        /// The message.
        text: String,
    },
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model: NAME or NAME@VERSION (default: the active version).
    #[arg(long, default_value = "council-triage")]
    pub model: String,
    /// The messages: .csv (with a header row) or .jsonl.
    pub input: PathBuf,
    /// The column with the message text.
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Where to write every input column plus predicted, confidence, urgent, needs_review, top_terms, safeguarding_level, safeguarding.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Stop at the first malformed row instead of skipping it and reporting its line.
    #[arg(long)]
    pub strict: bool,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub overwrite: bool,
}

/// `civic redact FILES_OR_DIRS… --out-dir DIR`, or `civic redact detect …`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct RedactArgs {
    #[command(subcommand)]
    pub command: Option<RedactCommand>,
    #[command(flatten)]
    pub files: RedactFilesArgs,
}

/// Redacting files into an output directory.
#[derive(Debug, Args)]
pub struct RedactFilesArgs {
    /// Files (.txt, .md, .csv, .eml, .docx) and directories (walked; hidden entries skipped).
    #[arg(value_name = "FILES_OR_DIRS", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where to write the redacted files and their redaction logs (NAME.redaction.json).
    #[arg(long, value_name = "DIR", required = true)]
    pub out_dir: Option<PathBuf>,
    /// What replaces each find: label ([PERSON]), mask, remove, pseudonym (Person A) or hash.
    #[arg(long, default_value = "label", value_name = "OPERATOR")]
    pub operator: String,
    /// A value never to redact (e.g. the requester of a Subject Access Request); repeatable.
    #[arg(long, value_name = "VALUE")]
    pub keep: Vec<String>,
    /// A file of values never to redact, one per line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    pub keep_file: Option<PathBuf>,
    /// Only these labels, comma-separated (e.g. PERSON,NHS_NUMBER) [default: all but ORGANISATION].
    #[arg(long, value_name = "L1,L2")]
    pub labels: Option<String>,
    /// Column policies for CSV files (TOML; see the user guide).
    #[arg(long, value_name = "FILE")]
    pub csv_policy: Option<PathBuf>,
    /// Replace outputs that exist already (inputs are never replaced).
    #[arg(long)]
    pub overwrite: bool,
    /// Text, Markdown, CSV, Word and e-mail files larger than this many bytes are redacted
    /// as a stream, in bounded memory whatever the file's size (an e-mail is still parsed
    /// whole: see --max-email-bytes).
    #[arg(long, value_name = "BYTES", default_value_t = civic_app::redact::files::STREAM_TEXT_ABOVE)]
    pub stream_above: u64,
    /// E-mail messages (.eml) larger than this many bytes are refused with an error: a
    /// message is parsed whole, with two to three times its size in memory.
    #[arg(long, value_name = "BYTES", default_value_t = civic_app::redact::files::MAX_EMAIL_BYTES)]
    pub max_email_bytes: u64,
}

#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// Train a risk model from a CSV or JSON Lines file, register it and make it active.
    /// Prints ROC AUC, PR AUC, calibration, the threshold with its expected precision and
    /// recall, proxy warnings and the fairness table, all measured on held-out rows.
    Train(RiskTrainArgs),
    /// Score every row of a file (in parallel), adding risk_score, flagged and top_factors.
    Score {
        /// The model: NAME or NAME@VERSION (default: the active version).
        #[arg(long)]
        model: String,
        /// The claims: .csv (with a header row) or .jsonl.
        input: PathBuf,
        /// Where to write every input column plus risk_score, flagged and top_factors.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        overwrite: bool,
    },
    /// Measure who gets flagged on new labelled outcomes: per protected group, flag rate,
    /// precision, false-positive and false-negative rates, and the four-fifths rule.
    Fairness {
        /// The model: NAME or NAME@VERSION (default: the active version).
        #[arg(long)]
        model: String,
        /// Claims with the outcomes found on review: .csv or .jsonl.
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        /// The column with the outcome found on review.
        #[arg(long)]
        label_column: String,
        /// Also write fairness.json and fairness.svg here.
        #[arg(long, value_name = "DIR")]
        report_dir: Option<PathBuf>,
    },
    /// Show, in the terminal, how the model scores one claim and why.
    Explain {
        /// The model: NAME or NAME@VERSION (default: the active version).
        #[arg(long)]
        model: String,
        /// The claim as a JSON object, e.g. '{"claim_amount": 420, "channel": "online"}'.
        #[arg(long, value_name = "JSON")]
        row: String,
    },
}

#[derive(Debug, Args)]
pub struct RiskTrainArgs {
    /// The training data: .csv (with a header row) or .jsonl.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The column with the outcome found on review (0/1, true/false or yes/no).
    #[arg(long)]
    pub label_column: String,
    /// Columns kept only to measure fairness, never used as features (e.g. age_band,sex).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub protected_columns: Vec<String>,
    /// Columns to ignore altogether, such as identifiers.
    #[arg(long, value_name = "ID,…", value_delimiter = ',')]
    pub exclude_columns: Vec<String>,
    /// The model's name in the registry.
    #[arg(long)]
    pub name: String,
    /// Flag this share of claims, e.g. 0.05 [default: 0.05 unless --capacity is given].
    #[arg(long, value_name = "R", conflicts_with = "capacity")]
    pub flag_rate: Option<f64>,
    /// Reviewers can check N claims per period (with --per and --volume).
    #[arg(long, value_name = "N", requires_all = ["per", "volume"])]
    pub capacity: Option<f64>,
    /// The period of --capacity and --volume: day, week or month.
    #[arg(long, value_parser = ["day", "week", "month"], requires = "capacity")]
    pub per: Option<String>,
    /// Claims arriving per period.
    #[arg(long, value_name = "V", requires = "capacity")]
    pub volume: Option<f64>,
    /// Share of the data held out to measure the model.
    #[arg(long, default_value_t = 0.2)]
    pub holdout: f64,
    /// Random seed: the same data and seed give the same model.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum RedactCommand {
    /// Machine interface for evaluation: for each JSON Lines input {"id", "text"}, write
    /// {"id", "spans": [{"start", "end", "label", "score"}]} with offsets in Unicode code points.
    Detect {
        /// The documents (.jsonl).
        input: PathBuf,
        /// Where to write the spans (.jsonl).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Only these labels, comma-separated (e.g. PERSON,NHS_NUMBER) [default: all but ORGANISATION].
        #[arg(long, value_name = "L1,L2")]
        labels: Option<String>,
        /// Stop at the first malformed line instead of skipping it and reporting its number.
        #[arg(long)]
        strict: bool,
        /// Replace the output file if it exists.
        #[arg(long)]
        overwrite: bool,
        /// A line longer than this many bytes stops the run with an error naming the line
        /// (each line is read whole, with about three times its size in memory).
        #[arg(long, value_name = "BYTES", default_value_t = civic_app::redact::MAX_LINE_BYTES)]
        max_line_bytes: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List every registered model version.
    List,
    /// Make a version the active one for its name.
    Activate {
        /// The model's name.
        name: String,
        /// The version to use.
        #[arg(value_name = "VERSION")]
        model_version: i64,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
