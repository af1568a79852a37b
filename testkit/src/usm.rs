//! SNMPv3 USM users as net-snmp and Wireshark spell them.
//!
//! Verified on Debian 12 (net-snmp 5.9.3, tshark 4.0.17):
//!
//! * net-snmp auth names: `MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512`; priv
//!   names: `DES AES AES-192 AES-256 AES-192-C AES-256-C`. All combinations
//!   work in Debian's build.
//! * `AES-192`/`AES-256` are the Blumenthal key extension
//!   (draft-blumenthal-aes-usm, usmAesCfb OIDs 1.3.6.1.4.1.14832.1.3/.4);
//!   `AES-192-C`/`AES-256-C` are the Reeder ("Cisco") extension
//!   (1.3.6.1.4.1.9.12.6.1.1/.2). They differ only when the auth digest is
//!   shorter than the key (MD5, SHA-1; SHA-224 for 256-bit keys).
//! * Wireshark's `snmp_users` UAT knows auth `MD5 SHA1 SHA2-224 SHA2-256
//!   SHA2-384 SHA2-512` and priv `DES AES AES192 AES256`, where AES192/AES256
//!   are the **Reeder** variant only.
//! * A v3 *trap* receiver must know the sender's engine ID
//!   (`createUser -e 0x80… NAME …` in snmptrapd.conf); a trap with another
//!   engine ID is dropped silently. INFORM users need no engine ID (the
//!   receiver is authoritative).

/// A USM authentication protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthProtocol {
    /// HMAC-MD5-96 (RFC 3414).
    Md5,
    /// HMAC-SHA-96 (RFC 3414).
    Sha1,
    /// HMAC-SHA-224 (RFC 7860).
    Sha224,
    /// HMAC-SHA-256 (RFC 7860).
    Sha256,
    /// HMAC-SHA-384 (RFC 7860).
    Sha384,
    /// HMAC-SHA-512 (RFC 7860).
    Sha512,
}

impl AuthProtocol {
    /// Every protocol, weakest first.
    pub const ALL: [Self; 6] = [
        Self::Md5,
        Self::Sha1,
        Self::Sha224,
        Self::Sha256,
        Self::Sha384,
        Self::Sha512,
    ];

    /// The name in net-snmp (`createUser`, `snmpget -a`).
    pub fn net_snmp(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// The name in Wireshark's `snmp_users` UAT.
    pub fn wireshark(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA1",
            Self::Sha224 => "SHA2-224",
            Self::Sha256 => "SHA2-256",
            Self::Sha384 => "SHA2-384",
            Self::Sha512 => "SHA2-512",
        }
    }
}

/// A USM privacy protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrivProtocol {
    /// CBC-DES (RFC 3414).
    Des,
    /// CFB128-AES-128 (RFC 3826).
    Aes128,
    /// AES-192 with Blumenthal key extension (net-snmp `AES-192`).
    Aes192Blumenthal,
    /// AES-256 with Blumenthal key extension (net-snmp `AES-256`).
    Aes256Blumenthal,
    /// AES-192 with Reeder ("Cisco") key extension (net-snmp `AES-192-C`).
    Aes192Reeder,
    /// AES-256 with Reeder ("Cisco") key extension (net-snmp `AES-256-C`).
    Aes256Reeder,
}

impl PrivProtocol {
    /// Every protocol.
    pub const ALL: [Self; 6] = [
        Self::Des,
        Self::Aes128,
        Self::Aes192Blumenthal,
        Self::Aes256Blumenthal,
        Self::Aes192Reeder,
        Self::Aes256Reeder,
    ];

    /// The name in net-snmp (`createUser`, `snmpget -x`).
    pub fn net_snmp(self) -> &'static str {
        match self {
            Self::Des => "DES",
            Self::Aes128 => "AES",
            Self::Aes192Blumenthal => "AES-192",
            Self::Aes256Blumenthal => "AES-256",
            Self::Aes192Reeder => "AES-192-C",
            Self::Aes256Reeder => "AES-256-C",
        }
    }

    /// The name in Wireshark's `snmp_users` UAT, or `None` when Wireshark
    /// cannot decrypt it for this auth protocol (Wireshark implements only
    /// the Reeder extension; Blumenthal is identical to it only when the auth
    /// digest is at least as long as the key).
    pub fn wireshark(self, auth: AuthProtocol) -> Option<&'static str> {
        let digest_len = match auth {
            AuthProtocol::Md5 => 16,
            AuthProtocol::Sha1 => 20,
            AuthProtocol::Sha224 => 28,
            AuthProtocol::Sha256 => 32,
            AuthProtocol::Sha384 => 48,
            AuthProtocol::Sha512 => 64,
        };
        match self {
            Self::Des => Some("DES"),
            Self::Aes128 => Some("AES"),
            Self::Aes192Reeder => Some("AES192"),
            Self::Aes256Reeder => Some("AES256"),
            Self::Aes192Blumenthal => (digest_len >= 24).then_some("AES192"),
            Self::Aes256Blumenthal => (digest_len >= 32).then_some("AES256"),
        }
    }
}

/// A USM security level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityLevel {
    /// noAuthNoPriv.
    NoAuthNoPriv,
    /// authNoPriv.
    AuthNoPriv,
    /// authPriv.
    AuthPriv,
}

impl SecurityLevel {
    /// The keyword in `rouser`/`rwuser` lines: `noauth`, `auth`, `priv`.
    pub fn access_keyword(self) -> &'static str {
        match self {
            Self::NoAuthNoPriv => "noauth",
            Self::AuthNoPriv => "auth",
            Self::AuthPriv => "priv",
        }
    }

    /// The argument of the tools' `-l`: `noAuthNoPriv`, `authNoPriv`, `authPriv`.
    pub fn tool_arg(self) -> &'static str {
        match self {
            Self::NoAuthNoPriv => "noAuthNoPriv",
            Self::AuthNoPriv => "authNoPriv",
            Self::AuthPriv => "authPriv",
        }
    }
}

/// A USM user: the `createUser` line of a peer and the matching tool
/// arguments.
///
/// ```
/// use fleetwire_testkit::{AuthProtocol, PrivProtocol, UsmUser};
/// let u = UsmUser::new("alice")
///     .auth(AuthProtocol::Sha256, "authpass123")
///     .privacy(PrivProtocol::Aes128, "privpass123");
/// assert_eq!(u.create_user_line(), "createUser alice SHA-256 authpass123 AES privpass123");
/// assert_eq!(
///     u.tool_args().join(" "),
///     "-v3 -u alice -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsmUser {
    /// The user (security) name.
    pub name: String,
    /// Authentication protocol and passphrase (at least 8 characters).
    pub auth: Option<(AuthProtocol, String)>,
    /// Privacy protocol and passphrase (requires `auth`).
    pub privacy: Option<(PrivProtocol, String)>,
    /// Engine ID the user is localized to, as `0x…` hex (`createUser -e`).
    /// Needed by snmptrapd for v3 TRAPs; senders pass the same value with `-e`.
    pub engine_id: Option<String>,
}

impl UsmUser {
    /// A noAuthNoPriv user.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            auth: None,
            privacy: None,
            engine_id: None,
        }
    }

    /// Sets the authentication protocol and passphrase.
    #[must_use]
    pub fn auth(mut self, proto: AuthProtocol, pass: &str) -> Self {
        self.auth = Some((proto, pass.to_owned()));
        self
    }

    /// Sets the privacy protocol and passphrase.
    #[must_use]
    pub fn privacy(mut self, proto: PrivProtocol, pass: &str) -> Self {
        self.privacy = Some((proto, pass.to_owned()));
        self
    }

    /// Localizes the user to an engine ID given as hex (`0x` optional).
    #[must_use]
    pub fn engine_id(mut self, hex: &str) -> Self {
        let h = hex.trim_start_matches("0x").trim_start_matches("0X");
        self.engine_id = Some(format!("0x{h}"));
        self
    }

    /// The highest security level this user supports.
    pub fn level(&self) -> SecurityLevel {
        match (&self.auth, &self.privacy) {
            (Some(_), Some(_)) => SecurityLevel::AuthPriv,
            (Some(_), None) => SecurityLevel::AuthNoPriv,
            _ => SecurityLevel::NoAuthNoPriv,
        }
    }

    /// The `createUser` config line (snmpd.conf / snmptrapd.conf).
    pub fn create_user_line(&self) -> String {
        let mut line = String::from("createUser ");
        if let Some(e) = &self.engine_id {
            line.push_str("-e ");
            line.push_str(e);
            line.push(' ');
        }
        line.push_str(&self.name);
        if let Some((a, pass)) = &self.auth {
            line.push_str(&format!(" {} {pass}", a.net_snmp()));
            if let Some((p, ppass)) = &self.privacy {
                line.push_str(&format!(" {} {ppass}", p.net_snmp()));
            }
        }
        line
    }

    /// Arguments for net-snmp's tools at the user's highest level:
    /// `-v3 -u NAME -l LEVEL [-a A -A PASS [-x P -X PASS]]` (plus `-e ENGINEID`
    /// when the user has one, as needed for sending v3 TRAPs).
    pub fn tool_args(&self) -> Vec<String> {
        self.tool_args_at(self.level())
    }

    /// Like [`UsmUser::tool_args`] at a chosen (lower or higher) level;
    /// credentials the level needs but the user lacks are omitted.
    pub fn tool_args_at(&self, level: SecurityLevel) -> Vec<String> {
        let mut v: Vec<String> = vec!["-v3".into(), "-u".into(), self.name.clone()];
        v.push("-l".into());
        v.push(level.tool_arg().into());
        if let Some(e) = &self.engine_id {
            v.push("-e".into());
            v.push(e.clone());
        }
        if level >= SecurityLevel::AuthNoPriv
            && let Some((a, pass)) = &self.auth
        {
            v.extend(["-a".into(), a.net_snmp().into(), "-A".into(), pass.clone()]);
        }
        if level >= SecurityLevel::AuthPriv
            && let Some((p, pass)) = &self.privacy
        {
            v.extend(["-x".into(), p.net_snmp().into(), "-X".into(), pass.clone()]);
        }
        v
    }

    /// The `-o` value that lets tshark verify and decrypt this user's
    /// messages (pass as `["-o", &opt]` in `extra_args` of
    /// [`crate::tshark_dissect`]): `uat:snmp_users:"","NAME","AUTH","PASS","PRIV","PASS"`.
    /// `None` for users without auth, and for privacy protocols Wireshark
    /// cannot decrypt (see [`PrivProtocol::wireshark`]).
    pub fn tshark_uat(&self) -> Option<String> {
        let (a, apass) = self.auth.as_ref()?;
        let (priv_name, ppass) = match &self.privacy {
            None => ("DES", ""),
            Some((p, pass)) => (p.wireshark(*a)?, pass.as_str()),
        };
        Some(format!(
            "uat:snmp_users:\"\",\"{}\",\"{}\",\"{apass}\",\"{priv_name}\",\"{ppass}\"",
            self.name,
            a.wireshark()
        ))
    }
}

/// The interop matrix's 43 users: `noauth` (noAuthNoPriv), then for every authentication
/// protocol one user without privacy and one per privacy protocol, named
/// `{auth}-{priv or none}` in lower case (`sha-256-aes-192-c`), all with the same passwords.
///
/// ```
/// let users = fleetwire_testkit::usm::matrix_users("authpass123", "privpass123");
/// assert_eq!(users.len(), 43);
/// assert_eq!(users[0].name, "noauth");
/// assert_eq!(users[42].name, "sha-512-aes-256-c");
/// ```
pub fn matrix_users(auth_pass: &str, priv_pass: &str) -> Vec<UsmUser> {
    let mut users = vec![UsmUser::new("noauth")];
    for a in AuthProtocol::ALL {
        users.push(
            UsmUser::new(&format!("{}-none", a.net_snmp()).to_lowercase()).auth(a, auth_pass),
        );
        for p in PrivProtocol::ALL {
            let name = format!("{}-{}", a.net_snmp(), p.net_snmp()).to_lowercase();
            users.push(UsmUser::new(&name).auth(a, auth_pass).privacy(p, priv_pass));
        }
    }
    users
}

/// The engine ID net-snmp derives from a text `engineID` config line, as
/// `0x…` hex: `80 00 1F 88` (enterprise 8072 with the high bit set), format
/// `04` (text), then the text's bytes. Verified: `engineID fleetwire-test`
/// makes snmpEngineID.0 = `80 00 1F 88 04 66 6C 65 65 74 77 69 72 65 2D 74 65 73 74`.
///
/// ```
/// assert_eq!(fleetwire_testkit::text_engine_id_hex("ab"), "0x80001f88046162");
/// ```
pub fn text_engine_id_hex(text: &str) -> String {
    let mut s = String::from("0x80001f8804");
    for b in text.bytes() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
