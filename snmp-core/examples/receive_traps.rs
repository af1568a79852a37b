//! Receives SNMP notifications: v1/v2c Traps, v2c Informs, and SNMPv3 Informs of one user.
//!
//! ```text
//! cargo run -p fleetwire-snmp --features tokio --example receive_traps -- \
//!     [--listen ADDR:PORT] [--community C]... [--count N] \
//!     [--user NAME --auth-pass PASS --priv-pass PASS]
//! snmptrap -v 2c -c public 127.0.0.1:16162 '' 1.3.6.1.6.3.1.1.5.1
//! snmpinform -v 3 -u fleet -l authPriv -a SHA-256 -A fleet-auth-pass -x AES -X fleet-priv-pass \
//!     127.0.0.1:16162 '' 1.3.6.1.6.3.1.1.5.1
//! ```
//!
//! It listens on `127.0.0.1:16162` by default (the standard port 162 needs privileges), accepts
//! every community until one is given, answers Informs, and prints one line per notification
//! until it has printed `--count` of them (default: runs until killed). The SNMPv3 user
//! (SHA-256 + AES) is an Inform user, localized to this receiver's engine ID, which the
//! sender discovers. Bad datagrams are counted, never fatal.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::notification::{
    Notification, NotificationListener, NotificationReceiver, Security,
};
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, UsmUser};

type BoxError = Box<dyn std::error::Error>;

/// This receiver's SNMPv3 engine ID (an Inform's sender discovers it).
const ENGINE_ID: &[u8] = b"\x80\x00\x1f\x88\x04fleetwire-traps";

/// Where to listen and what to accept.
#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    communities: Vec<String>,
    count: Option<u64>,
    user: Option<(String, String, String)>,
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, BoxError> {
        let mut parsed = Self {
            listen: "127.0.0.1:16162".parse()?,
            communities: Vec::new(),
            count: None,
            user: None,
        };
        let (mut user, mut auth_pass, mut priv_pass) = (None, None, None);
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--listen" => parsed.listen = value()?.parse()?,
                "--community" => parsed.communities.push(value()?),
                "--count" => parsed.count = Some(value()?.parse()?),
                "--user" => user = Some(value()?),
                "--auth-pass" => auth_pass = Some(value()?),
                "--priv-pass" => priv_pass = Some(value()?),
                _ => return Err(format!("unknown argument {arg}").into()),
            }
        }
        parsed.user = match (user, auth_pass, priv_pass) {
            (Some(u), Some(a), Some(p)) => Some((u, a, p)),
            (None, None, None) => None,
            _ => return Err("--user, --auth-pass and --priv-pass go together".into()),
        };
        Ok(parsed)
    }

    /// The receiver: our engine (boots 1, as nothing is persisted here), communities, user.
    fn receiver(&self) -> Result<NotificationReceiver, BoxError> {
        let crypto = RustCrypto::new();
        let mut receiver = NotificationReceiver::new(&crypto, ENGINE_ID, 1, Duration::ZERO)?;
        for community in &self.communities {
            receiver.accept_community(community.as_bytes());
        }
        if let Some((name, auth_pass, priv_pass)) = &self.user {
            let user = UsmUser::new(name.as_bytes())?
                .with_auth_password(&crypto, AuthProtocol::Sha256, auth_pass.as_bytes())?
                .with_priv_password(&crypto, PrivProtocol::Aes128, priv_pass.as_bytes())?;
            receiver.add_inform_user(&crypto, &user)?;
        }
        Ok(receiver)
    }
}

/// One line: kind, version, sender, community or user, and the varbinds.
fn describe(n: &Notification) -> String {
    let who = match &n.security {
        Security::Community(c) => format!("community {:?}", String::from_utf8_lossy(c)),
        Security::Usm(usm) => format!(
            "user {:?} ({})",
            String::from_utf8_lossy(&usm.user_name),
            usm.level.name()
        ),
    };
    let mut line = format!(
        "{} v{} from {} {who}: uptime {} trap {}",
        n.kind, n.version, n.source, n.body.uptime, n.body.trap_oid
    );
    for vb in &n.body.varbinds {
        let _ = write!(line, "; {} = {:?}", vb.name, vb.value);
    }
    line
}

/// Prints notifications until `count` have arrived (forever without a count).
async fn run(
    listener: &mut NotificationListener,
    count: Option<u64>,
    mut print: impl FnMut(String),
) -> Result<(), BoxError> {
    let mut seen = 0;
    while count.is_none_or(|c| seen < c) {
        let notification = listener.recv().await?;
        print(describe(&notification));
        seen += 1;
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse(std::env::args().skip(1))?;
    let mut listener = NotificationListener::bind(args.listen, args.receiver()?).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    run(&mut listener, args.count, |line| println!("{line}")).await?;
    let stats = listener.receiver().stats();
    eprintln!(
        "{} traps, {} informs, {} dropped",
        stats.traps(),
        stats.informs(),
        stats.total_dropped()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use fleetwire_snmp::notification::{NotificationBody, NotificationSender};
    use fleetwire_snmp::{Value, VarBind};

    use super::*;

    #[tokio::test]
    async fn prints_accepted_traps_and_drops_other_communities() -> Result<(), BoxError> {
        let args = Args::parse(
            [
                "--listen",
                "127.0.0.1:0",
                "--community",
                "public",
                "--count",
                "1",
            ]
            .into_iter()
            .map(str::to_owned),
        )?;
        let mut listener = NotificationListener::bind(args.listen, args.receiver()?).await?;
        let to = listener.local_addr()?;

        let mut sender = NotificationSender::new()?;
        let status = VarBind::new(
            "1.3.6.1.2.1.43.18.1.1.8.1.5".parse()?,
            Value::OctetString(b"Black toner low"[..].into()),
        );
        let body = NotificationBody::new(4242, "1.3.6.1.2.1.43.18.2.0.1".parse()?, vec![status]);
        sender.send_v2c_trap(to, b"private", &body).await?; // dropped: unknown community
        sender.send_v2c_trap(to, b"public", &body).await?;

        let mut lines = Vec::new();
        run(&mut listener, args.count, |line| lines.push(line)).await?;
        assert_eq!(lines.len(), 1);
        let line = lines.first().ok_or("no line")?;
        assert!(
            line.starts_with("trap v2c from 127.0.0.1:")
                && line.contains("community \"public\": uptime 4242 trap 1.3.6.1.2.1.43.18.2.0.1")
                && line.contains("1.3.6.1.2.1.43.18.1.1.8.1.5 = OctetString"),
            "{line}"
        );
        assert_eq!(listener.receiver().stats().total_dropped(), 1);
        Ok(())
    }

    #[test]
    fn user_options_go_together() {
        let parse = |list: &[&str]| Args::parse(list.iter().map(|s| (*s).to_owned()));
        assert!(parse(&["--user", "fleet"]).is_err());
        assert!(
            parse(&[
                "--user",
                "u",
                "--auth-pass",
                "a-pass-1",
                "--priv-pass",
                "p-pass-1"
            ])
            .is_ok()
        );
        assert!(parse(&["--bogus"]).is_err());
    }
}
