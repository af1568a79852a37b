//! Walks a device over SNMPv3 (USM authPriv or authNoPriv) with GETBULK.
//!
//! ```text
//! cargo run -p fleetwire-snmp --features tokio --example walk_v3 -- \
//!     [--agent HOST:PORT] --user NAME --auth-pass PASS [--priv-pass PASS] \
//!     [--auth SHA-256] [--priv AES] [OID]
//! ```
//!
//! The agent defaults to `127.0.0.1:161`, the protocols to SHA-256 and AES (AES-128), the
//! subtree to the system group (`1.3.6.1.2.1.1`). Protocol names are net-snmp's (`MD5`,
//! `SHA`, `SHA-224` ... `SHA-512`; `DES`, `3DES`, `AES`, `AES-192`, `AES-256`, `AES-192-C`,
//! `AES-256-C`). Without `--priv-pass` the walk runs at authNoPriv. Engine discovery and
//! time synchronisation happen on the first request. Against the `responder` example:
//!
//! ```text
//! cargo run -p fleetwire-snmp --features tokio --example responder -- 127.0.0.1:16161 &
//! cargo run -p fleetwire-snmp --features tokio --example walk_v3 -- --agent 127.0.0.1:16161 \
//!     --user admin --auth-pass admin-auth-pass --priv-pass admin-priv-pass 1.3.6.1.2.1
//! ```

use std::net::{SocketAddr, ToSocketAddrs};

use fleetwire_snmp::client::Client;
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::manager::Security;
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmUser};
use fleetwire_snmp::{Oid, VarBind};

type BoxError = Box<dyn std::error::Error>;

/// What to walk, and as whom.
#[derive(Debug)]
struct Args {
    agent: SocketAddr,
    user: String,
    auth: AuthProtocol,
    auth_pass: String,
    privacy: PrivProtocol,
    priv_pass: Option<String>,
    root: Oid<'static>,
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, BoxError> {
        let mut agent = "127.0.0.1:161".to_owned();
        let (mut user, mut auth_pass, mut priv_pass) = (None, None, None);
        let (mut auth, mut privacy) = (AuthProtocol::Sha256, PrivProtocol::Aes128);
        let mut root = "1.3.6.1.2.1.1".to_owned();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--agent" => agent = value()?,
                "--user" => user = Some(value()?),
                "--auth-pass" => auth_pass = Some(value()?),
                "--priv-pass" => priv_pass = Some(value()?),
                "--auth" => {
                    let name = value()?;
                    auth =
                        AuthProtocol::from_name(&name).ok_or(format!("unknown --auth {name}"))?;
                }
                "--priv" => {
                    let name = value()?;
                    privacy =
                        PrivProtocol::from_name(&name).ok_or(format!("unknown --priv {name}"))?;
                }
                _ if arg.starts_with("--") => return Err(format!("unknown option {arg}").into()),
                _ => root = arg,
            }
        }
        Ok(Self {
            agent: agent
                .to_socket_addrs()?
                .next()
                .ok_or(format!("{agent}: no address"))?,
            user: user.ok_or("--user is required")?,
            auth,
            auth_pass: auth_pass.ok_or("--auth-pass is required")?,
            privacy,
            priv_pass,
            root: root.parse()?,
        })
    }

    /// The USM user (password-to-key runs here, once) and the level to walk at.
    fn security(&self) -> Result<Security, BoxError> {
        let crypto = RustCrypto::new();
        let user = UsmUser::new(self.user.as_bytes())?.with_auth_password(
            &crypto,
            self.auth,
            self.auth_pass.as_bytes(),
        )?;
        Ok(match &self.priv_pass {
            Some(pass) => Security::v3(
                user.with_priv_password(&crypto, self.privacy, pass.as_bytes())?,
                SecurityLevel::AuthPriv,
            ),
            None => Security::v3(user, SecurityLevel::AuthNoPriv),
        })
    }
}

/// Walks `args.root` on `args.agent`, 25 varbinds per GETBULK.
async fn walk(args: &Args) -> Result<Vec<VarBind<'static>>, BoxError> {
    let client = Client::builder().build().await?;
    let session = client.session(args.agent, args.security()?)?;
    Ok(session.bulk_walk(args.root.clone(), 25).await?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse(std::env::args().skip(1))?;
    for vb in walk(&args).await? {
        println!("{} = {:?}", vb.name, vb.value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use fleetwire_snmp::Value;
    use fleetwire_snmp::responder::server::ServerHandle;
    use fleetwire_snmp::responder::{MemoryBoots, MibTree, Responder};
    use fleetwire_snmp::vacm::{FamilyType, SecurityModel};

    use super::*;

    /// An in-process v3 agent on loopback, serving the system group to one authPriv user.
    async fn agent() -> Result<ServerHandle, BoxError> {
        let crypto = Arc::new(RustCrypto::new());
        let mut responder = Responder::new(crypto.clone());
        let system: MibTree = [
            ("1.3.6.1.2.1.1.1.0", &b"walk_v3 test agent"[..]),
            ("1.3.6.1.2.1.1.5.0", &b"lobby"[..]),
        ]
        .into_iter()
        .map(|(o, v)| Ok((o.parse::<Oid<'static>>()?, Value::OctetString(v.into()))))
        .collect::<Result<_, fleetwire_snmp::OidError>>()?;
        responder
            .mib_mut()
            .register("1.3.6.1.2.1.1".parse()?, system)?;
        responder.enable_v3(
            b"\x80\x00\x1f\x88\x04walk-v3",
            &mut MemoryBoots(0),
            Duration::ZERO,
        )?;
        let user = UsmUser::new(b"fleet")?
            .with_auth_password(&*crypto, AuthProtocol::Sha256, b"fleet-auth-pass")?
            .with_priv_password(&*crypto, PrivProtocol::Aes128, b"fleet-priv-pass")?;
        responder.add_user(&user)?;
        let vacm = responder.vacm_mut();
        vacm.add_view_family(b"all", "1.3".parse()?, &[], FamilyType::Included)?;
        vacm.grant(
            SecurityModel::Usm,
            b"fleet",
            SecurityLevel::AuthPriv,
            b"all",
            b"",
        );
        Ok(ServerHandle::bind(&["127.0.0.1:0".parse()?], responder).await?)
    }

    fn args(list: &[&str]) -> Result<Args, BoxError> {
        Args::parse(list.iter().map(|s| (*s).to_owned()))
    }

    #[tokio::test]
    async fn walks_an_authpriv_agent() -> Result<(), BoxError> {
        let server = agent().await?;
        let addr = server.local_addrs().first().ok_or("not bound")?.to_string();
        let base = [
            "--agent",
            addr.as_str(),
            "--user",
            "fleet",
            "--auth-pass",
            "fleet-auth-pass",
        ];
        let good = args(&[&base[..], &["--priv-pass", "fleet-priv-pass"]].concat())?;
        let names: Vec<String> = walk(&good)
            .await?
            .iter()
            .map(|vb| vb.name.to_string())
            .collect();
        assert_eq!(names, ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"]);

        // A wrong privacy password cannot decrypt the agent's answers.
        let wrong = args(&[&base[..], &["--priv-pass", "not-the-priv-pass"]].concat())?;
        assert!(walk(&wrong).await.is_err());
        server.shutdown().await;
        Ok(())
    }

    #[test]
    fn defaults_and_required_options() -> Result<(), BoxError> {
        let parsed = args(&["--user", "u", "--auth-pass", "authpass1"])?;
        assert_eq!(parsed.agent, "127.0.0.1:161".parse()?);
        assert_eq!(parsed.root.to_string(), "1.3.6.1.2.1.1");
        assert_eq!(
            (parsed.auth, parsed.privacy),
            (AuthProtocol::Sha256, PrivProtocol::Aes128)
        );
        assert!(args(&["--auth-pass", "authpass1"]).is_err(), "no --user");
        assert!(args(&["--user", "u", "--auth-pass", "p", "--auth", "SHA-999"]).is_err());
        Ok(())
    }
}
