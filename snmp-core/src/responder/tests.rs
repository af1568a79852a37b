#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::crypto::Deterministic;
use crate::usm::{
    AlgorithmPolicy, AuthProtocol, EngineTime, KeyCache, PrivProtocol, Received, Session,
};
use crate::vacm::AccessEntry;

const CRYPTO: Deterministic = Deterministic::new(7);

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

/// A small printer: system group, a two-row interface column, a Counter64, and a private
/// subtree served by a second handler.
fn printer() -> Responder {
    let mut r = Responder::new(Arc::new(CRYPTO));
    let mib2: MibTree = [
        (
            "1.3.6.1.2.1.1.1.0",
            Value::OctetString(b"Office MFP"[..].into()),
        ),
        ("1.3.6.1.2.1.1.3.0", Value::TimeTicks(4200)),
        ("1.3.6.1.2.1.1.4.0", Value::OctetString(b"admin"[..].into())),
        ("1.3.6.1.2.1.1.5.0", Value::OctetString(b"mfp-1"[..].into())),
        (
            "1.3.6.1.2.1.2.2.1.2.1",
            Value::OctetString(b"eth0"[..].into()),
        ),
        (
            "1.3.6.1.2.1.2.2.1.2.2",
            Value::OctetString(b"lo"[..].into()),
        ),
        ("1.3.6.1.2.1.31.1.1.1.6.1", Value::Counter64(1 << 40)),
        ("1.3.6.1.2.1.43.10.2.1.4.1.1", Value::Counter32(12345)),
    ]
    .into_iter()
    .map(|(o, v)| (oid(o), v))
    .collect::<MibTree>()
    .writable(true);
    r.mib_mut().register(oid("1.3.6.1.2.1"), mib2).unwrap();
    let private: MibTree = [("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1", Value::Counter32(77))]
        .into_iter()
        .map(|(o, v)| (oid(o), v))
        .collect();
    r.mib_mut()
        .register(oid("1.3.6.1.4.1.253"), private)
        .unwrap();
    r.allow_community(b"public", oid("1.3.6.1"), false).unwrap();
    r.allow_community(b"private", oid("1.3.6.1"), true).unwrap();
    // "restricted" sees the system group but not sysContact, and the private meters.
    let v = b"restricted";
    let vacm = r.vacm_mut();
    vacm.add_view_family(v, oid("1.3.6.1.2.1.1"), &[], FamilyType::Included)
        .unwrap();
    vacm.add_view_family(v, oid("1.3.6.1.2.1.1.4"), &[], FamilyType::Excluded)
        .unwrap();
    vacm.add_view_family(v, oid("1.3.6.1.4.1.253"), &[], FamilyType::Included)
        .unwrap();
    vacm.grant(SecurityModel::V2c, v, SecurityLevel::NoAuthNoPriv, v, b"");
    vacm.grant(SecurityModel::V1, v, SecurityLevel::NoAuthNoPriv, v, b"");
    r.add_community(v, v);
    r
}

fn request(v1: bool, community: &str, pdu: Pdu<'static>) -> Vec<u8> {
    let cm = CommunityMessage {
        community: community.as_bytes().to_vec().into(),
        pdu,
    };
    if v1 {
        Message::V1(cm)
    } else {
        Message::V2c(cm)
    }
    .to_vec()
}

fn get_pdu(kind: PduType, names: &[&str]) -> Pdu<'static> {
    let p = GenericPdu::new(
        9,
        names
            .iter()
            .map(|n| VarBind::null(oid(n)))
            .collect::<Vec<_>>(),
    );
    match kind {
        PduType::GetRequest => Pdu::GetRequest(p),
        PduType::GetNextRequest => Pdu::GetNextRequest(p),
        _ => unreachable!(),
    }
}

fn bulk(non_repeaters: u32, max_repetitions: u32, names: &[&str]) -> Pdu<'static> {
    Pdu::GetBulkRequest(BulkPdu {
        request_id: 9,
        non_repeaters,
        max_repetitions,
        varbinds: names.iter().map(|n| VarBind::null(oid(n))).collect(),
    })
}

/// (error-status, error-index, "name=value" per varbind)
fn ask(r: &mut Responder, bytes: &[u8]) -> (ErrorStatus, u32, Vec<String>) {
    let mut out = Vec::new();
    assert_eq!(r.handle(Duration::ZERO, bytes, &mut out), Handled::Response);
    let msg = Message::decode(&out).unwrap();
    let Some(Pdu::Response(p)) = msg.pdu() else {
        panic!("not a Response: {msg:?}")
    };
    let vbs = p
        .varbinds
        .iter()
        .map(|vb| alloc::format!("{}={:?}", vb.name, vb.value))
        .collect();
    (p.error_status, p.error_index, vbs)
}

#[test]
fn get_values_and_exceptions() {
    let mut r = printer();
    let req = request(
        false,
        "public",
        get_pdu(
            PduType::GetRequest,
            &[
                "1.3.6.1.2.1.1.5.0",
                "1.3.6.1.2.1.1.5.1",
                "1.3.6.1.2.1.1.9.0",
                "1.3.6.1.4.1.9.1",
            ],
        ),
    );
    let (status, _, vbs) = ask(&mut r, &req);
    assert_eq!(status, ErrorStatus::NoError);
    assert_eq!(
        vbs,
        [
            "1.3.6.1.2.1.1.5.0=OctetString([109, 102, 112, 45, 49])",
            "1.3.6.1.2.1.1.5.1=NoSuchInstance",
            "1.3.6.1.2.1.1.9.0=NoSuchObject",
            "1.3.6.1.4.1.9.1=NoSuchObject"
        ]
    );
}

#[test]
fn get_next_and_bulk_cross_handlers_and_end() {
    let mut r = printer();
    let req = request(
        false,
        "public",
        get_pdu(
            PduType::GetNextRequest,
            &["1.3.6.1.2.1.43.10", "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1"],
        ),
    );
    let (_, _, vbs) = ask(&mut r, &req);
    assert_eq!(
        vbs,
        [
            "1.3.6.1.2.1.43.10.2.1.4.1.1=Counter32(12345)",
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1=EndOfMibView"
        ]
    );
    // One non-repeater, two repeaters, three repetitions.
    let req = request(
        false,
        "public",
        bulk(
            1,
            3,
            &["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.43"],
        ),
    );
    let (_, _, vbs) = ask(&mut r, &req);
    let names: Vec<&str> = vbs.iter().map(|s| s.split('=').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "1.3.6.1.2.1.1.3.0",
            "1.3.6.1.2.1.2.2.1.2.1",
            "1.3.6.1.2.1.43.10.2.1.4.1.1",
            "1.3.6.1.2.1.2.2.1.2.2",
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1",
            "1.3.6.1.2.1.31.1.1.1.6.1",
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1",
        ]
    );
    assert!(vbs[6].ends_with("EndOfMibView"));
    // Every repeater at the end: stop after that repetition.
    let req = request(false, "public", bulk(0, 50, &["1.3.6.1.4.1.253.9"]));
    let (_, _, vbs) = ask(&mut r, &req);
    assert_eq!(vbs, ["1.3.6.1.4.1.253.9=EndOfMibView"]);
    // Non-repeaters beyond the list length are all non-repeaters.
    let req = request(false, "public", bulk(5, 50, &["1.3.6.1.2.1.1"]));
    let (_, _, vbs) = ask(&mut r, &req);
    assert_eq!(
        vbs,
        ["1.3.6.1.2.1.1.1.0=OctetString([79, 102, 102, 105, 99, 101, 32, 77, 70, 80])"]
    );
}

#[test]
fn restricted_view_hides_for_get_getnext_and_getbulk() {
    let mut r = printer();
    let get = request(
        false,
        "restricted",
        get_pdu(
            PduType::GetRequest,
            &["1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.2.2.1.2.1"],
        ),
    );
    let (_, _, vbs) = ask(&mut r, &get);
    assert_eq!(
        vbs,
        [
            "1.3.6.1.2.1.1.4.0=NoSuchObject",
            "1.3.6.1.2.1.2.2.1.2.1=NoSuchObject"
        ]
    );
    let next = request(
        false,
        "restricted",
        get_pdu(
            PduType::GetNextRequest,
            &["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0"],
        ),
    );
    let (_, _, vbs) = ask(&mut r, &next);
    assert_eq!(
        vbs,
        [
            "1.3.6.1.2.1.1.5.0=OctetString([109, 102, 112, 45, 49])",
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1=Counter32(77)"
        ]
    );
    let walk = request(false, "restricted", bulk(0, 20, &["1.3"]));
    let (_, _, vbs) = ask(&mut r, &walk);
    let names: Vec<&str> = vbs.iter().map(|s| s.split('=').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "1.3.6.1.2.1.1.1.0",
            "1.3.6.1.2.1.1.3.0",
            "1.3.6.1.2.1.1.5.0",
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1",
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1",
        ]
    );
    // No write view: a SET is an authorizationError (noSuchName in v1).
    let set = |v1| {
        request(
            v1,
            "restricted",
            Pdu::SetRequest(GenericPdu::new(
                3,
                vec![VarBind::new(
                    oid("1.3.6.1.2.1.1.5.0"),
                    Value::OctetString(b"x"[..].into()),
                )],
            )),
        )
    };
    assert_eq!(ask(&mut r, &set(false)).0, ErrorStatus::AuthorizationError);
    assert_eq!(ask(&mut r, &set(true)).0, ErrorStatus::NoSuchName);
}

#[test]
fn v1_error_mapping() {
    let mut r = printer();
    // Missing object and Counter64 in a v1 Get: noSuchName at its index, request varbinds.
    for (name, index) in [("1.3.6.1.2.1.1.9.0", 2), ("1.3.6.1.2.1.31.1.1.1.6.1", 2)] {
        let req = request(
            true,
            "public",
            get_pdu(PduType::GetRequest, &["1.3.6.1.2.1.1.1.0", name]),
        );
        let (status, i, vbs) = ask(&mut r, &req);
        assert_eq!((status, i), (ErrorStatus::NoSuchName, index));
        assert_eq!(vbs[1], alloc::format!("{name}=Null"));
    }
    // A v1 GetNext steps over the Counter64.
    let req = request(
        true,
        "public",
        get_pdu(PduType::GetNextRequest, &["1.3.6.1.2.1.31"]),
    );
    let (status, _, vbs) = ask(&mut r, &req);
    assert_eq!(status, ErrorStatus::NoError);
    assert_eq!(vbs, ["1.3.6.1.2.1.43.10.2.1.4.1.1=Counter32(12345)"]);
    // End of the MIB: noSuchName.
    let req = request(
        true,
        "public",
        get_pdu(PduType::GetNextRequest, &["1.3.6.1.9"]),
    );
    assert_eq!(ask(&mut r, &req).0, ErrorStatus::NoSuchName);
    // Sets: wrongType -> badValue, notWritable (read-only community view) -> noSuchName.
    let set = |community, value: Value<'static>| {
        request(
            true,
            community,
            Pdu::SetRequest(GenericPdu::new(
                3,
                vec![VarBind::new(oid("1.3.6.1.2.1.1.5.0"), value)],
            )),
        )
    };
    assert_eq!(
        ask(&mut r, &set("private", Value::Integer(1))).0,
        ErrorStatus::BadValue
    );
    let (status, index, _) = ask(&mut r, &set("public", Value::OctetString(b"x"[..].into())));
    assert_eq!((status, index), (ErrorStatus::NoSuchName, 1));
    // v2c gives the SNMPv2 codes.
    let v2 = |value| {
        request(
            false,
            "private",
            Pdu::SetRequest(GenericPdu::new(
                3,
                vec![VarBind::new(oid("1.3.6.1.2.1.1.5.0"), value)],
            )),
        )
    };
    assert_eq!(
        ask(&mut r, &v2(Value::Integer(1))).0,
        ErrorStatus::WrongType
    );
    let ok = v2(Value::OctetString(b"renamed"[..].into()));
    assert_eq!(ask(&mut r, &ok).0, ErrorStatus::NoError);
    let tree: &MibTree = r.mib().handler(&oid("1.3.6.1.2.1")).unwrap();
    assert_eq!(
        tree.value(&oid("1.3.6.1.2.1.1.5.0")),
        Some(&Value::OctetString(b"renamed"[..].into()))
    );
    // GetBulk does not exist in v1: the decoder refuses it, nothing is sent.
    let bad = request(true, "public", bulk(0, 5, &["1.3"]));
    let mut out = Vec::new();
    assert!(matches!(
        r.handle(Duration::ZERO, &bad, &mut out),
        Handled::Dropped(Dropped::Malformed(_))
    ));
}

/// A handler whose commit fails for one object, to see the other commits undone.
struct Flaky {
    tree: MibTree,
    fail: Oid<'static>,
}

impl MibHandler for Flaky {
    fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s> {
        self.tree.get(name)
    }
    fn get_next<'s>(&'s self, from: Bound<&Oid<'_>>) -> Option<VarBind<'s>> {
        self.tree.get_next(from)
    }
    fn test_set(&self, vb: &VarBind<'_>) -> Result<(), ErrorStatus> {
        self.tree.test_set(vb)
    }
    fn commit_set(&mut self, vb: &VarBind<'_>) -> Result<Undo, ErrorStatus> {
        if vb.name == self.fail {
            return Err(ErrorStatus::ResourceUnavailable);
        }
        self.tree.commit_set(vb)
    }
    fn undo_set(&mut self, name: &Oid<'_>, undo: Undo) -> Result<(), ErrorStatus> {
        self.tree.undo_set(name, undo)
    }
}

#[test]
fn set_commit_failure_undoes_earlier_commits() {
    let mut r = printer();
    let flaky = Flaky {
        tree: [
            (oid("1.3.6.1.4.1.99.1.0"), Value::Integer(1)),
            (oid("1.3.6.1.4.1.99.2.0"), Value::Integer(2)),
        ]
        .into_iter()
        .collect::<MibTree>()
        .writable(true),
        fail: oid("1.3.6.1.4.1.99.2.0"),
    };
    r.mib_mut().register(oid("1.3.6.1.4.1.99"), flaky).unwrap();
    let set = request(
        false,
        "private",
        Pdu::SetRequest(GenericPdu::new(
            4,
            vec![
                VarBind::new(oid("1.3.6.1.4.1.99.1.0"), Value::Integer(10)),
                VarBind::new(oid("1.3.6.1.4.1.99.2.0"), Value::Integer(20)),
            ],
        )),
    );
    let (status, index, _) = ask(&mut r, &set);
    assert_eq!((status, index), (ErrorStatus::CommitFailed, 2));
    assert_eq!(r.mib().get(&oid("1.3.6.1.4.1.99.1.0")), Value::Integer(1));
    // Outside the write view: noAccess; no handler: noCreation.
    let set = |name: &str| {
        request(
            false,
            "private",
            Pdu::SetRequest(GenericPdu::new(
                5,
                vec![VarBind::new(oid(name), Value::Integer(1))],
            )),
        )
    };
    assert_eq!(ask(&mut r, &set("1.3.6.2.1")).0, ErrorStatus::NoAccess);
    assert_eq!(
        ask(&mut r, &set("1.3.6.1.3.1.0")).0,
        ErrorStatus::NoCreation
    );
}

#[test]
fn too_big_and_truncation() {
    let mut r = printer().with_limits(ResponderLimits {
        max_message_size: 200,
        ..ResponderLimits::default()
    });
    let big = MibTree::from_iter((1..=40u32).map(|i| {
        (
            oid(&alloc::format!("1.3.6.1.4.1.77.1.{i}")),
            Value::OctetString(vec![b'x'; 20].into()),
        )
    }));
    r.mib_mut().register(oid("1.3.6.1.4.1.77"), big).unwrap();
    let names: Vec<String> = (1..=10)
        .map(|i| alloc::format!("1.3.6.1.4.1.77.1.{i}"))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    // v2c: tooBig with no varbinds; v1: tooBig with the request's varbinds.
    let (status, index, vbs) = ask(
        &mut r,
        &request(false, "public", get_pdu(PduType::GetRequest, &names)),
    );
    assert_eq!((status, index, vbs.len()), (ErrorStatus::TooBig, 0, 0));
    let (status, _, vbs) = ask(
        &mut r,
        &request(true, "public", get_pdu(PduType::GetRequest, &names[..5])),
    );
    assert_eq!((status, vbs.len()), (ErrorStatus::TooBig, 5));
    // GetBulk: as many as fit.
    let mut out = Vec::new();
    let req = request(false, "public", bulk(0, 40, &["1.3.6.1.4.1.77"]));
    assert_eq!(r.handle(Duration::ZERO, &req, &mut out), Handled::Response);
    assert!(out.len() <= 200, "{}", out.len());
    let msg = Message::decode(&out).unwrap();
    let n = msg.pdu().unwrap().varbinds().len();
    assert!((3..=5).contains(&n), "{n} varbinds in {} bytes", out.len());
    // The varbind cap.
    let mut r = r.with_limits(ResponderLimits {
        max_bulk_varbinds: 7,
        ..ResponderLimits::default()
    });
    let (_, _, vbs) = ask(&mut r, &req);
    assert_eq!(vbs.len(), 7);
    // The handler-call budget: a walk that runs out with nothing found is a genErr.
    let mut r = r.with_limits(ResponderLimits {
        max_handler_calls: 0,
        ..ResponderLimits::default()
    });
    let (status, index, _) = ask(&mut r, &req);
    assert_eq!((status, index), (ErrorStatus::GenErr, 1));
}

#[test]
fn drops_what_it_should() {
    let mut r = printer();
    let mut out = Vec::new();
    let req = request(
        false,
        "nope",
        get_pdu(PduType::GetRequest, &["1.3.6.1.2.1.1.1.0"]),
    );
    assert_eq!(
        r.handle(Duration::ZERO, &req, &mut out),
        Handled::Dropped(Dropped::UnknownCommunity)
    );
    let resp = request(
        false,
        "public",
        Pdu::Response(GenericPdu::new(1, Vec::new())),
    );
    assert_eq!(
        r.handle(Duration::ZERO, &resp, &mut out),
        Handled::Dropped(Dropped::NotARequest(PduType::Response))
    );
    assert!(matches!(
        r.handle(Duration::ZERO, &[0x30, 0x03, 0x02, 0x01], &mut out),
        Handled::Dropped(Dropped::Malformed(_))
    ));
    // v3 without an engine.
    let mut s = Session::new(
        &CRYPTO,
        crate::usm::UsmUser::new(b"u").unwrap(),
        SecurityLevel::NoAuthNoPriv,
        AlgorithmPolicy::Any,
    )
    .unwrap();
    let mut probe = Vec::new();
    s.encode_discovery(1, 1, &mut probe);
    assert_eq!(
        r.handle(Duration::ZERO, &probe, &mut out),
        Handled::Dropped(Dropped::V3Disabled)
    );
    s.reset();
    assert!(out.is_empty());
    let stats = r.stats();
    assert_eq!(
        (
            stats.in_pkts,
            stats.in_bad_community_names,
            stats.in_asn_parse_errs,
            stats.in_bad_versions
        ),
        (4, 1, 1, 1)
    );
}

const ENGINE_ID: &[u8] = b"\x80\x00\x1f\x88\x04responder";

fn v3_printer(boots: &mut MemoryBoots) -> Responder {
    let mut r = printer();
    r.enable_v3(ENGINE_ID, boots, Duration::ZERO).unwrap();
    let alice = crate::usm::UsmUser::new(b"alice")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, b"alice-auth")
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes128, b"alice-priv")
        .unwrap();
    r.add_user(&alice).unwrap();
    let vacm = r.vacm_mut();
    vacm.add_view_family(b"all", oid("1.3"), &[], FamilyType::Included)
        .unwrap();
    vacm.add_group_member(SecurityModel::Usm, b"alice", b"admins");
    vacm.add_access(
        b"admins",
        AccessEntry {
            context_prefix: Vec::new(),
            context_match: crate::vacm::ContextMatch::Exact,
            model: SecurityModel::Usm,
            level: SecurityLevel::AuthPriv,
            read_view: b"all".to_vec(),
            write_view: Vec::new(),
            notify_view: Vec::new(),
        },
    );
    r
}

fn alice(password: &[u8], level: SecurityLevel) -> Session {
    let user = crate::usm::UsmUser::new(b"alice")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, password)
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes128, b"alice-priv")
        .unwrap();
    Session::new(&CRYPTO, user, level, AlgorithmPolicy::Any).unwrap()
}

#[test]
fn v3_discovery_request_and_reports() {
    let mut boots = MemoryBoots(4);
    let mut r = v3_printer(&mut boots);
    assert_eq!(boots, MemoryBoots(5));
    let mut keys = KeyCache::new();
    let mut s = alice(b"alice-auth", SecurityLevel::AuthPriv);
    let now = Duration::from_secs(10);
    let (mut wire, mut out, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
    s.encode_discovery(1, 1, &mut wire);
    assert_eq!(r.handle(now, &wire, &mut out), Handled::Report);
    assert_eq!(
        s.receive(&CRYPTO, &mut keys, now, &out, &mut scratch)
            .unwrap(),
        Received::Discovered
    );
    assert_eq!(s.engine_time(now).unwrap().boots, 5);
    let pdu = get_pdu(PduType::GetRequest, &["1.3.6.1.2.1.1.5.0"]);
    wire.clear();
    s.encode_request(&CRYPTO, now, 2, b"", &pdu, &mut wire)
        .unwrap();
    assert_eq!(r.handle(now, &wire, &mut out), Handled::Response);
    let Received::Message(m) = s
        .receive(&CRYPTO, &mut keys, now, &out, &mut scratch)
        .unwrap()
    else {
        panic!("no message")
    };
    let vb = m.scoped_pdu.pdu.varbinds().iter().next().unwrap();
    assert_eq!(vb.value, Value::OctetString(b"mfp-1"[..].into()));
    // authNoPriv is below the access entry's level: noAccessEntry -> authorizationError.
    let mut low = alice(b"alice-auth", SecurityLevel::AuthNoPriv);
    low.set_engine(
        &CRYPTO,
        &mut keys,
        ENGINE_ID,
        s.engine_time(now).unwrap(),
        now,
    )
    .unwrap();
    wire.clear();
    low.encode_request(&CRYPTO, now, 3, b"", &pdu, &mut wire)
        .unwrap();
    assert_eq!(r.handle(now, &wire, &mut out), Handled::Response);
    let mut scratch = Vec::new();
    let Received::Message(m) = low
        .receive(&CRYPTO, &mut keys, now, &out, &mut scratch)
        .unwrap()
    else {
        panic!("no message")
    };
    let Pdu::Response(p) = &m.scoped_pdu.pdu else {
        panic!()
    };
    assert_eq!(p.error_status, ErrorStatus::AuthorizationError);
    // Unknown context: a snmpUnknownContexts Report.
    wire.clear();
    s.encode_request(&CRYPTO, now, 4, b"nowhere", &pdu, &mut wire)
        .unwrap();
    assert_eq!(r.handle(now, &wire, &mut out), Handled::Report);
    let mut scratch = Vec::new();
    let err = s
        .receive(&CRYPTO, &mut keys, now, &out, &mut scratch)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the peer answered with a Report: 1.3.6.1.6.3.12.1.5.0"
    );
    // Wrong password: usmStatsWrongDigests Report.
    let mut wrong = alice(b"wrong-auth", SecurityLevel::AuthPriv);
    wrong
        .set_engine(
            &CRYPTO,
            &mut keys,
            ENGINE_ID,
            s.engine_time(now).unwrap(),
            now,
        )
        .unwrap();
    wire.clear();
    wrong
        .encode_request(&CRYPTO, now, 5, b"", &pdu, &mut wire)
        .unwrap();
    assert_eq!(r.handle(now, &wire, &mut out), Handled::Report);
    assert_eq!(
        r.engine()
            .unwrap()
            .stats()
            .get(crate::usm::UsmStat::WrongDigests),
        1
    );
    // Stale time: notInTimeWindow Report (authenticated), which resynchronises the session.
    let mut stale = alice(b"alice-auth", SecurityLevel::AuthPriv);
    stale
        .set_engine(
            &CRYPTO,
            &mut keys,
            ENGINE_ID,
            EngineTime {
                boots: 5,
                time: 1000,
            },
            now,
        )
        .unwrap();
    wire.clear();
    stale
        .encode_request(&CRYPTO, now, 6, b"", &pdu, &mut wire)
        .unwrap();
    assert_eq!(r.handle(now, &wire, &mut out), Handled::Report);
    let mut scratch = Vec::new();
    assert_eq!(
        stale
            .receive(&CRYPTO, &mut keys, now, &out, &mut scratch)
            .unwrap(),
        Received::TimeSynchronized
    );
}

fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..300)
}

/// Valid requests of every kind, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    vec![
        request(
            false,
            "public",
            get_pdu(
                PduType::GetRequest,
                &["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.4.0"],
            ),
        ),
        request(
            true,
            "public",
            get_pdu(PduType::GetNextRequest, &["1.3.6.1.2.1.31"]),
        ),
        request(false, "restricted", bulk(1, 30, &["1.3", "1.3.6.1.2.1.2"])),
        request(
            false,
            "private",
            Pdu::SetRequest(GenericPdu::new(
                3,
                vec![VarBind::new(
                    oid("1.3.6.1.2.1.1.5.0"),
                    Value::OctetString(b"x"[..].into()),
                )],
            )),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in arb_bytes()) {
        let mut r = printer();
        let mut out = Vec::new();
        let _ = r.handle(Duration::ZERO, &bytes, &mut out);
    }

    #[test]
    fn mutated_requests_never_panic(which in 0usize..4, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = seeds()[which].clone();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        let mut r = printer();
        let mut out = Vec::new();
        if let Handled::Response = r.handle(Duration::ZERO, &bytes, &mut out) {
            prop_assert!(Message::decode(&out).is_ok());
        }
    }
}
