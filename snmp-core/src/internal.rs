#![allow(clippy::panic)]
//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay test, so that both
//! run exactly the same checks. Not part of the stable API.

use alloc::vec::Vec;

use crate::{DecodeOptions, Leniency, Message, Oid};

/// Decodes arbitrary bytes strictly and leniently; whatever decodes must encode, and the
/// encoding must decode strictly to an equal message that encodes to the same bytes.
pub fn message_round_trip(data: &[u8]) {
    let lenient = DecodeOptions::default().with_leniency(Leniency::all());
    for opts in [DecodeOptions::default(), lenient] {
        let Ok((msg, anomalies)) = Message::decode_with(data, &opts) else {
            continue;
        };
        let mut first = Vec::new();
        msg.encode(&mut first);
        let again = match Message::decode(&first) {
            Ok(m) => m,
            Err(e) => panic!("re-encoding of a decoded message does not decode: {e}"),
        };
        assert_eq!(again, msg, "decode(encode(m)) != m");
        let mut second = Vec::new();
        again.encode(&mut second);
        assert_eq!(first, second, "encoding is not stable");
        if anomalies.is_empty() && opts == DecodeOptions::default() {
            // A strict decode accepts only canonical encodings, except that RFC 3417 allows
            // long-form lengths with extra octets; with none of those, bytes must match.
            if first.len() == data.len() {
                assert_eq!(
                    first, data,
                    "strictly decoded message re-encodes differently"
                );
            }
        }
    }
}

/// Parses arbitrary text as a dotted OID; whatever parses must print back to an OID that
/// parses to the same value, and its BER form must validate.
pub fn oid_text(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(oid) = text.parse::<Oid<'static>>() else {
        return;
    };
    let printed = alloc::format!("{oid}");
    assert_eq!(printed.parse::<Oid<'static>>().ok().as_ref(), Some(&oid));
    assert_eq!(Oid::from_ber(oid.as_ber()).ok().as_ref(), Some(&oid));
    assert_eq!(
        Oid::from_arcs(&oid.arcs().collect::<Vec<_>>()).ok(),
        Some(oid.clone())
    );
}

/// Parses arbitrary bytes as a `.snmprec` recording, line by line and whole (strict and
/// unordered). Every record that parses must write back to text that parses to the same
/// record, and a whole recording must survive write then strict parse unchanged.
pub fn snmprec(data: &[u8]) {
    use crate::snmprec::{Recording, records, write_record};
    for record in records(data).flatten() {
        let mut text = Vec::new();
        if let Err(e) = write_record(&mut text, &record.oid, &record.value) {
            panic!("parsed record does not write: {e}");
        }
        match Recording::parse(&text) {
            Ok(again) => assert_eq!(
                again.entries(),
                &[(record.oid.clone(), record.value.clone())][..],
                "write then parse changed the record"
            ),
            Err(e) => panic!("written record does not parse: {e}"),
        }
    }
    let strict = Recording::parse(data);
    let Ok(unordered) = Recording::parse_unordered(data) else {
        assert!(
            strict.is_err(),
            "strict parse accepts what unordered parse refuses"
        );
        return;
    };
    if let Ok(strict) = strict {
        assert_eq!(
            strict, unordered,
            "an ordered file parses differently unordered"
        );
    }
    let mut text = Vec::new();
    if let Err(e) = unordered.write(&mut text) {
        panic!("parsed recording does not write: {e}");
    }
    assert_eq!(
        Recording::parse(&text).ok().as_ref(),
        Some(&unordered),
        "write then parse changed the recording"
    );
}

/// Decodes arbitrary bytes with every option set, walks every varbind and formats every OID
/// and value, as a capture tool would. Decoding must never panic.
pub fn message_decode(data: &[u8]) {
    use core::fmt::Write;
    let lenient = DecodeOptions::default().with_leniency(Leniency::all());
    for opts in [DecodeOptions::default(), lenient] {
        let Ok((msg, anomalies)) = Message::decode_with(data, &opts) else {
            continue;
        };
        let mut sink = alloc::string::String::new();
        let _ = write!(sink, "{msg:?}");
        for a in anomalies.iter() {
            let _ = write!(sink, "{} {} {}", a.kind, a.count, a.first_offset);
        }
        if let Some(pdu) = msg.pdu() {
            for vb in pdu.varbinds() {
                let _ = write!(
                    sink,
                    "{} {} {:?}",
                    vb.name,
                    vb.value.type_name(),
                    vb.value.opaque()
                );
            }
        }
    }
}

/// The fixed setup of the `usm_process` fuzz target: an authoritative engine with four users
/// (configured with fixed localized keys, so no password-to-key per input) and a manager
/// session per user, all on the deterministic provider and a fixed clock.
pub mod usm_fixture {
    use alloc::vec::Vec;
    use core::time::Duration;

    use crate::crypto::Deterministic;
    use crate::usm::{
        AlgorithmPolicy, AuthProtocol, EngineTime, KeyCache, LocalEngine, LocalizedKeys,
        LocalizedUser, PrivProtocol, SecretKey, SecurityLevel, Session, UsmError, UsmUser,
    };

    /// The provider.
    pub const CRYPTO: Deterministic = Deterministic::new(0x5eed);
    /// The engine's ID.
    pub const ENGINE_ID: &[u8] = b"\x80\x00\x1f\x88\x04fuzz";
    /// The engine's boots.
    pub const BOOTS: u32 = 1;
    /// The instant every input is processed at (engine time 100).
    pub const NOW: Duration = Duration::from_secs(100);

    /// (name, auth, privacy) of the users.
    pub const USERS: [(&[u8], Option<AuthProtocol>, Option<PrivProtocol>); 4] = [
        (b"plain", None, None),
        (b"md5des", Some(AuthProtocol::Md5), Some(PrivProtocol::Des)),
        (
            b"sha256aes",
            Some(AuthProtocol::Sha256),
            Some(PrivProtocol::Aes128),
        ),
        (
            b"sha1aes256c",
            Some(AuthProtocol::Sha1),
            Some(PrivProtocol::Aes256Reeder),
        ),
    ];

    fn key(len: usize, fill: u8) -> Result<SecretKey, UsmError> {
        let bytes: Vec<u8> = (0..len).map(|i| fill ^ i as u8).collect();
        SecretKey::from_bytes(&bytes)
    }

    /// A master-key user (no password-to-key).
    pub fn user(index: usize) -> Result<UsmUser, UsmError> {
        let (name, auth, privacy) = USERS.get(index).copied().unwrap_or((b"plain", None, None));
        let mut u = UsmUser::new(name)?;
        if let Some(a) = auth {
            u = u.with_auth_key(&CRYPTO, a, key(a.algorithm().key_len, 0x11)?)?;
            if let Some(p) = privacy {
                u = u.with_priv_key(&CRYPTO, p, key(a.algorithm().key_len, 0x22)?)?;
            }
        }
        Ok(u)
    }

    /// The authoritative engine with every user, configured from localized keys.
    pub fn engine() -> Result<LocalEngine, UsmError> {
        let mut e = LocalEngine::new(&CRYPTO, ENGINE_ID, BOOTS, Duration::ZERO)?;
        for (i, (name, auth, privacy)) in USERS.iter().enumerate() {
            let mut keys = LocalizedKeys::default();
            if let Some(a) = auth {
                keys.auth = Some((*a, key(a.algorithm().key_len, 0x33 ^ i as u8)?));
            }
            if let Some(p) = privacy {
                keys.privacy = Some((*p, key(p.algorithm().secret_len, 0x44 ^ i as u8)?));
            }
            e.add_localized_user(LocalizedUser::from_keys(name, ENGINE_ID, keys)?)?;
        }
        Ok(e)
    }

    /// The engine's users as localized users (the same keys).
    pub fn localized(index: usize) -> Result<LocalizedUser, UsmError> {
        let (name, auth, privacy) = USERS.get(index).copied().unwrap_or((b"plain", None, None));
        let mut keys = LocalizedKeys::default();
        if let Some(a) = auth {
            keys.auth = Some((a, key(a.algorithm().key_len, 0x33 ^ index as u8)?));
        }
        if let Some(p) = privacy {
            keys.privacy = Some((p, key(p.algorithm().secret_len, 0x44 ^ index as u8)?));
        }
        LocalizedUser::from_keys(name, ENGINE_ID, keys)
    }

    /// A discovered manager session for user `index` (keys derived from master keys, so they
    /// differ from the engine's: the session talks to its own view of the engine).
    pub fn session(index: usize, keys: &mut KeyCache) -> Result<Session, UsmError> {
        let u = user(index)?;
        let level = u.max_level().min(SecurityLevel::AuthPriv);
        let mut s = Session::new(&CRYPTO, u, level, AlgorithmPolicy::Any)?;
        s.set_engine(
            &CRYPTO,
            keys,
            ENGINE_ID,
            EngineTime {
                boots: BOOTS,
                time: 100,
            },
            NOW,
        )?;
        Ok(s)
    }
}

/// Decodes arbitrary bytes as a v3 message and runs them through USM on both sides with
/// fixed users and keys: the authoritative engine (which must then encode a response or
/// a Report without error), every manager session, and the one-shot
/// `process_incoming` for every user. Nothing may panic; whatever the engine accepts must
/// have passed its digest check.
pub fn usm_process(data: &[u8]) {
    use crate::usm::{KeyCache, SecurityLevel, process_incoming};
    use usm_fixture::{CRYPTO, NOW, USERS};

    let Ok(mut engine) = usm_fixture::engine() else {
        panic!("fixture engine");
    };
    let mut scratch = Vec::new();
    let mut out = Vec::new();
    match engine.receive(&CRYPTO, NOW, data, &mut scratch) {
        Ok((ctx, incoming)) => {
            if incoming.level >= SecurityLevel::AuthNoPriv {
                assert!(
                    incoming.security.auth_parameters.iter().any(|&b| b != 0),
                    "accepted an all-zero MAC"
                );
            }
            let pdu = incoming.scoped_pdu.pdu.clone();
            if let Err(e) = engine.encode_response(&CRYPTO, NOW, &ctx, &pdu, &mut out) {
                panic!("response to an accepted request failed: {e}");
            }
            assert!(
                crate::Message::decode(&out).is_ok(),
                "our response does not decode"
            );
        }
        Err(rejection) => match engine.encode_report(&CRYPTO, NOW, &rejection, &mut out) {
            Ok(true) => assert!(
                crate::Message::decode(&out).is_ok(),
                "our Report does not decode"
            ),
            Ok(false) => {}
            Err(e) => panic!("Report encoding failed: {e}"),
        },
    }
    let mut keys = KeyCache::new();
    for (i, (_, _, privacy)) in USERS.iter().enumerate() {
        // The Reeder extension runs password-to-key (1 MiB of hashing): too slow per input.
        let reeder =
            privacy.is_some_and(|p| p.algorithm().extension == crate::usm::KeyExtension::Reeder);
        if !reeder && let Ok(mut session) = usm_fixture::session(i, &mut keys) {
            let mut scratch = Vec::new();
            let _ = session.receive(&CRYPTO, &mut keys, NOW, data, &mut scratch);
        }
        if let Ok(user) = usm_fixture::localized(i) {
            let mut scratch = Vec::new();
            let _ = process_incoming(
                &CRYPTO,
                &user,
                data,
                &crate::DecodeOptions::default(),
                &mut scratch,
            );
        }
    }
}

/// Valid inputs for `usm_process`: requests at every level from every fixture user (as the
/// engine's users, so they pass), responses and Reports from the engine, and a discovery
/// probe. The seed corpus in `fuzz/corpus/usm_process/` is this list.
pub fn usm_seeds() -> Vec<Vec<u8>> {
    use crate::usm::{KeyCache, Outgoing, SaltCounter, SecurityLevel, generate_message};
    use crate::{GenericPdu, Oid, Pdu, ScopedPdu, VarBind};
    use usm_fixture::{BOOTS, CRYPTO, ENGINE_ID, NOW, USERS};

    let mut seeds = Vec::new();
    let oid = |s: &str| s.parse::<Oid<'static>>().ok();
    let vbs: Vec<VarBind<'static>> = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"]
        .iter()
        .filter_map(|s| oid(s))
        .map(VarBind::null)
        .collect();
    let scoped = ScopedPdu {
        context_engine_id: ENGINE_ID.into(),
        context_name: b""[..].into(),
        pdu: Pdu::GetRequest(GenericPdu::new(77, vbs)),
    };
    let mut salt = SaltCounter::new(9);
    for i in 0..USERS.len() {
        let Ok(user) = usm_fixture::localized(i) else {
            continue;
        };
        for level in [
            SecurityLevel::NoAuthNoPriv,
            SecurityLevel::AuthNoPriv,
            SecurityLevel::AuthPriv,
        ] {
            if level > user.max_level() {
                continue;
            }
            for time in [100, 400] {
                let out = Outgoing {
                    msg_id: 5,
                    max_size: 1500,
                    level,
                    reportable: true,
                    engine_boots: BOOTS,
                    engine_time: time,
                };
                let mut wire = Vec::new();
                if generate_message(&CRYPTO, &user, &out, &scoped, &mut salt, &mut wire).is_ok() {
                    seeds.push(wire);
                }
            }
        }
    }
    // The engine's answers to each of those, and to the session's (differently keyed) requests.
    let Ok(mut engine) = usm_fixture::engine() else {
        return seeds;
    };
    let mut keys = KeyCache::new();
    let mut requests = seeds.clone();
    for i in 0..USERS.len() {
        if let Ok(mut s) = usm_fixture::session(i, &mut keys) {
            let mut wire = Vec::new();
            if s.encode_request(&CRYPTO, NOW, 6, b"", &scoped.pdu, &mut wire)
                .is_ok()
            {
                requests.push(wire.clone());
                seeds.push(wire);
            }
            let mut probe = Vec::new();
            s.encode_discovery(7, 8, &mut probe);
            requests.push(probe.clone());
            seeds.push(probe);
        }
    }
    for r in &requests {
        let mut scratch = Vec::new();
        let mut out = Vec::new();
        match engine.receive(&CRYPTO, NOW, r, &mut scratch) {
            Ok((ctx, inc)) => {
                let pdu = Pdu::Response(GenericPdu::new(
                    inc.scoped_pdu.pdu.request_id().unwrap_or(0),
                    inc.scoped_pdu.pdu.varbinds().clone(),
                ));
                if engine
                    .encode_response(&CRYPTO, NOW, &ctx, &pdu, &mut out)
                    .is_ok()
                {
                    seeds.push(out);
                }
            }
            Err(rej) => {
                if let Ok(true) = engine.encode_report(&CRYPTO, NOW, &rej, &mut out) {
                    seeds.push(out);
                }
            }
        }
    }
    seeds
}

/// The fixed setup of the `responder` fuzz target: a command responder with a small printer
/// MIB (two handlers, one writable), communities `public` (read), `private` (write) and
/// `restricted` (a view with an excluded subtree), and the `usm_process` fixture's engine and
/// four users (read-write on everything at their own level).
pub mod responder_fixture {
    use alloc::sync::Arc;
    use alloc::vec::Vec;

    use crate::internal::usm_fixture::{self, CRYPTO, USERS};
    use crate::responder::{MibTree, Responder, ResponderLimits};
    use crate::usm::SecurityLevel;
    use crate::vacm::{FamilyType, SecurityModel};
    use crate::{Oid, OidError, Value};

    /// Any configuration error.
    pub type Error = alloc::boxed::Box<dyn core::error::Error>;

    fn oid(s: &str) -> Result<Oid<'static>, OidError> {
        s.parse()
    }

    /// The responder (limits kept small so that tooBig and truncation are reachable).
    pub fn responder() -> Result<Responder, Error> {
        let mut r = Responder::new(Arc::new(CRYPTO)).with_limits(ResponderLimits {
            max_message_size: 1400,
            max_bulk_varbinds: 64,
            max_handler_calls: 2000,
        });
        let mut items: Vec<(Oid<'static>, Value<'static>)> = Vec::new();
        for (name, value) in [
            (
                "1.3.6.1.2.1.1.1.0",
                Value::OctetString(b"fuzz printer"[..].into()),
            ),
            ("1.3.6.1.2.1.1.3.0", Value::TimeTicks(100)),
            ("1.3.6.1.2.1.1.4.0", Value::OctetString(b"ops"[..].into())),
            ("1.3.6.1.2.1.1.5.0", Value::OctetString(b"p1"[..].into())),
            ("1.3.6.1.2.1.31.1.1.1.6.1", Value::Counter64(u64::MAX)),
            ("1.3.6.1.2.1.43.10.2.1.4.1.1", Value::Counter32(42)),
        ] {
            items.push((oid(name)?, value));
        }
        for i in 1..=30u32 {
            let name = oid("1.3.6.1.2.1.2.2.1.2").and_then(|o| o.child(i));
            items.push((name?, Value::OctetString(alloc::vec![b'i'; 40].into())));
        }
        let tree: MibTree = items.into_iter().collect();
        let mib2 = oid("1.3.6.1.2.1")?;
        r.mib_mut().register(mib2, tree.writable(true))?;
        let private: MibTree = [(
            oid("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1")?,
            Value::Counter32(7),
        )]
        .into_iter()
        .collect();
        let enterprise = oid("1.3.6.1.4.1.253")?;
        r.mib_mut().register(enterprise, private)?;
        let all = oid("1.3")?;
        r.allow_community(b"public", all.clone(), false)?;
        r.allow_community(b"private", all.clone(), true)?;
        let vacm = r.vacm_mut();
        vacm.add_view_family(b"r", oid("1.3.6.1.2.1")?, &[], FamilyType::Included)?;
        vacm.add_view_family(b"r", oid("1.3.6.1.2.1.2")?, &[], FamilyType::Excluded)?;
        vacm.add_view_family(
            b"r",
            oid("1.3.6.1.2.1.1.0.0")?,
            &[0xfe],
            FamilyType::Excluded,
        )?;
        vacm.add_view_family(b"all", all, &[], FamilyType::Included)?;
        for model in [SecurityModel::V1, SecurityModel::V2c] {
            vacm.grant(model, b"restricted", SecurityLevel::NoAuthNoPriv, b"r", b"");
        }
        for (name, _, _) in USERS {
            vacm.grant(
                SecurityModel::Usm,
                name,
                SecurityLevel::NoAuthNoPriv,
                b"all",
                b"all",
            );
        }
        r.add_community(b"restricted", b"restricted");
        r.set_engine(usm_fixture::engine()?);
        Ok(r)
    }
}

/// Arbitrary bytes into the command responder with the fixture's MIB, communities and v3
/// users: never panics; whatever it answers decodes, and a v1/v2c answer is a Response to
/// the request's request-id.
pub fn responder(data: &[u8]) {
    use crate::responder::Handled;
    let Ok(mut r) = responder_fixture::responder() else {
        panic!("fixture responder");
    };
    let mut out = Vec::new();
    match r.handle(usm_fixture::NOW, data, &mut out) {
        Handled::Response | Handled::Report => {
            let answer = match Message::decode(&out) {
                Ok(m) => m,
                Err(e) => panic!("our answer does not decode: {e}"),
            };
            if let Some(pdu) = answer.pdu()
                && answer.version() != crate::Version::V3
            {
                assert_eq!(pdu.pdu_type(), crate::PduType::Response);
                let request = Message::decode_with(data, &DecodeOptions::default()).ok();
                let id = request.and_then(|(m, _)| m.pdu().and_then(|p| p.request_id()));
                assert_eq!(pdu.request_id(), id, "request-id not echoed");
            }
        }
        Handled::Dropped(_) => assert!(out.is_empty(), "dropped with bytes in the buffer"),
    }
}

/// Valid requests for `responder`: every operation over v1, v2c and v3 (every fixture user at
/// its highest level, keyed as the engine's users), and a discovery probe. The seed corpus in
/// `fuzz/corpus/responder/` is this list.
pub fn responder_seeds() -> Vec<Vec<u8>> {
    use crate::usm::{Outgoing, SaltCounter, generate_message};
    use crate::{BulkPdu, CommunityMessage, GenericPdu, Pdu, ScopedPdu, Value, VarBind};
    use usm_fixture::{BOOTS, CRYPTO, ENGINE_ID, USERS};

    let names = |list: &[&str]| -> Vec<VarBind<'static>> {
        list.iter()
            .filter_map(|s| s.parse::<Oid<'static>>().ok())
            .map(VarBind::null)
            .collect()
    };
    let pdus = alloc::vec![
        Pdu::GetRequest(GenericPdu::new(
            1,
            names(&["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.9.0"])
        )),
        Pdu::GetNextRequest(GenericPdu::new(
            2,
            names(&["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.31"])
        )),
        Pdu::GetBulkRequest(BulkPdu {
            request_id: 3,
            non_repeaters: 1,
            max_repetitions: 40,
            varbinds: names(&["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.2", "1.3.6.1.4"]).into(),
        }),
        Pdu::SetRequest(GenericPdu::new(
            4,
            names(&["1.3.6.1.2.1.1.5.0"])
                .into_iter()
                .map(|vb| VarBind::new(vb.name, Value::OctetString(b"renamed"[..].into())))
                .collect::<Vec<_>>(),
        )),
    ];
    let mut seeds = Vec::new();
    for community in [&b"public"[..], b"private", b"restricted"] {
        for pdu in &pdus {
            let cm = CommunityMessage {
                community: community.into(),
                pdu: pdu.clone(),
            };
            if pdu.pdu_type().in_v1() {
                seeds.push(Message::V1(cm.clone()).to_vec());
            }
            seeds.push(Message::V2c(cm).to_vec());
        }
    }
    let mut salt = SaltCounter::new(3);
    for i in 0..USERS.len() {
        let Ok(user) = usm_fixture::localized(i) else {
            continue;
        };
        for pdu in &pdus {
            let scoped = ScopedPdu {
                context_engine_id: ENGINE_ID.into(),
                context_name: b""[..].into(),
                pdu: pdu.clone(),
            };
            let out = Outgoing {
                msg_id: 11,
                max_size: 1500,
                level: user.max_level(),
                reportable: true,
                engine_boots: BOOTS,
                engine_time: 100,
            };
            let mut wire = Vec::new();
            if generate_message(&CRYPTO, &user, &out, &scoped, &mut salt, &mut wire).is_ok() {
                seeds.push(wire);
            }
        }
    }
    let mut probe = Vec::new();
    let Ok(session) = crate::usm::Session::new(
        &CRYPTO,
        crate::usm::UsmUser::new(b"plain").unwrap_or_else(|_| panic!("user")),
        crate::usm::SecurityLevel::NoAuthNoPriv,
        crate::usm::AlgorithmPolicy::Any,
    ) else {
        return seeds;
    };
    session.encode_discovery(1, 2, &mut probe);
    seeds.push(probe);
    seeds
}
