//! `fleetwire serve --dir DIR`: the embedded remote-services server as a process of its own, for
//! tests that run the agent in another process.
//!
//! It writes the agent's files into `DIR` ([`RemoteServices::write_agent_files`]: `ca.pem`,
//! `client.pem`, `client-key.pem`, `action-key.pem`, `server.json`), queues the `--action`s,
//! prints `server.json`'s content as one line on standard output, and serves until it is
//! stopped (SIGTERM). What arrived is at `GET /summary` (client certificate required).

use std::io::Write;
use std::path::PathBuf;

use fleetwire_transport::action::ActionKind;

use super::{RemoteServices, RemoteServicesError};

/// `fleetwire serve` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Directory for the CA, the client certificate and key, the action key and server.json.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// DNS name in the client certificate issued for the agent.
    #[arg(long, value_name = "NAME", default_value = "agent.fleetwire.test")]
    pub client_name: String,
    /// Queue a signed action: KIND (get_status, reboot, upgrade, troubleshoot,
    /// print_test_page, start_managing), optionally KIND=JSON-ARGS. Repeatable.
    #[arg(long = "action", value_name = "KIND[=JSON]", value_parser = parse_action)]
    pub actions: Vec<(ActionKind, serde_json::Value)>,
}

fn parse_action(s: &str) -> Result<(ActionKind, serde_json::Value), String> {
    let (kind, args) = s.split_once('=').unwrap_or((s, "{}"));
    let kind = ActionKind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| format!("unknown action kind {kind:?}"))?;
    let args = serde_json::from_str(args).map_err(|e| format!("action arguments: {e}"))?;
    Ok((kind, args))
}

/// Starts the server, writes the files, queues the actions and prints the URLs; returns the
/// running server (the caller keeps it alive).
pub fn start(args: &ServeArgs, out: &mut dyn Write) -> Result<RemoteServices, RemoteServicesError> {
    let server = RemoteServices::start()?;
    std::fs::create_dir_all(&args.dir).map_err(|source| RemoteServicesError::Write {
        path: args.dir.clone(),
        source,
    })?;
    let paths = server.write_agent_files(&args.dir, &args.client_name)?;
    for (kind, action_args) in &args.actions {
        server.queue_action(*kind, action_args.clone())?;
    }
    let json_path = paths.last().cloned().unwrap_or_default();
    let json =
        std::fs::read_to_string(&json_path).map_err(|source| RemoteServicesError::Write {
            path: json_path,
            source,
        })?;
    writeln!(out, "{json}")
        .and_then(|()| out.flush())
        .map_err(|source| RemoteServicesError::Write {
            path: PathBuf::from("<stdout>"),
            source,
        })?;
    Ok(server)
}
