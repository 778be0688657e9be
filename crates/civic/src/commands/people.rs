//! `civic key` and `civic user`: API keys and web users.

use std::process::ExitCode;

use anyhow::Context as _;
use civic_app::{App, Config};
use civic_core::{KeyId, Role, rfc3339};

use crate::cli::{KeyCommand, UserCommand};

pub(super) async fn key(
    config: Config,
    cmd: KeyCommand,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match cmd {
        KeyCommand::Create { role, name } => {
            let role: Role = role.parse()?;
            let made = app.create_key(&name, role, operator.principal()?).await?;
            println!(
                "Created {} key {} ({})",
                made.key.role, made.key.id, made.key.name
            );
            println!("Token (shown once; store it safely):");
            println!("  {}", made.token);
        }
        KeyCommand::List => {
            let keys = app.list_keys().await?;
            if keys.is_empty() {
                println!("No API keys.");
            }
            println!(
                "{:<36}  {:<10}  {:<24}  {:<8}  NAME",
                "ID", "ROLE", "CREATED", "STATE"
            );
            for k in keys {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{:<36}  {:<10}  {:<24}  {:<8}  {}",
                    k.id,
                    k.role,
                    rfc3339(k.created_at),
                    state,
                    k.name
                );
            }
        }
        KeyCommand::Revoke { id } => {
            let id: KeyId = id.parse()?;
            let k = app.revoke_key(id, operator.principal()?).await?;
            println!("Revoked {} key {} ({})", k.role, k.id, k.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The password from the first line of standard input, when asked for.
pub(super) fn password_from_stdin(asked: bool) -> anyhow::Result<Option<civic_core::Password>> {
    if !asked {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']);
    Ok(Some(civic_core::Password::parse(line)?))
}

pub(super) fn print_password(generated: Option<&str>) {
    if let Some(p) = generated {
        println!("Password (shown once; give it to them safely):");
        println!("  {p}");
    }
}

pub(super) async fn user(
    config: Config,
    cmd: UserCommand,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match cmd {
        UserCommand::Add {
            role,
            email,
            password_stdin,
        } => {
            let role: Role = role.parse()?;
            let email = civic_core::Email::parse(&email)?;
            let password = password_from_stdin(password_stdin)?;
            let made = app
                .add_user(&email, role, password, operator.principal()?)
                .await?;
            println!(
                "Added {} {} ({})",
                made.user.role, made.user.email, made.user.id
            );
            print_password(made.generated.as_deref());
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let email = civic_core::Email::parse(&email)?;
            let password = password_from_stdin(password_stdin)?;
            let done = app
                .reset_password(&email, password, operator.principal()?)
                .await?;
            println!(
                "New password set for {}; their sessions have ended",
                done.user.email
            );
            print_password(done.generated.as_deref());
        }
        UserCommand::List => {
            let users = app.list_users().await?;
            if users.is_empty() {
                println!("No users.");
            }
            println!("{:<36}  {:<10}  {:<24}  EMAIL", "ID", "ROLE", "CREATED");
            for u in users {
                println!(
                    "{:<36}  {:<10}  {:<24}  {}",
                    u.id,
                    u.role,
                    rfc3339(u.created_at),
                    u.email
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
