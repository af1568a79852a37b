//! Differential test: `fleetwire_snmp::snmprec` against snmpsim's own record parser (the
//! Python code snmpsimd runs), over hand-picked edge cases and thousands of generated lines.
//!
//! Whatever we accept, snmpsim accepts with the same OID and value. Whatever snmpsim refuses,
//! we refuse. Where snmpsim accepts and we refuse, it is one of the documented strictnesses of
//! the module: hex that is not hex digits, and OIDs SNMP cannot encode.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use fleetwire_snmp::snmprec::{SnmprecErrorKind, records};
use fleetwire_snmp::{OidError, Value};
use fleetwire_testkit::{find_tool, require_tool};

/// For each line on stdin (ISO-8859-1): `SKIP` (blank or comment), `ERR`, or
/// `OK <oid> <type> <value>` with octets as hex and numbers in decimal.
const ORACLE: &str = r#"
import sys
from snmpsim.record.snmprec import SnmprecRecord
from pysnmp.proto import rfc1902, rfc1905
from pyasn1.type import univ
rec = SnmprecRecord()
out = []
for raw in sys.stdin.buffer.read().split(b'\n'):
    line = raw.decode('iso-8859-1')
    t = line.strip()
    if not t or t.startswith('#'):
        out.append('SKIP'); continue
    try:
        oid, tag, value = rec.grammar.parse(raw)
        oid = rec.evaluateOid(oid)
        _, _, v = rec.evaluateValue(oid, tag, value)
        # Most specific first: the exceptions are Nulls, and a Null is an OctetString.
        if isinstance(v, (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView)):
            kind, text = type(v).__name__, ''
        elif isinstance(v, univ.Null):
            kind, text = 'Null', ''
        elif isinstance(v, (rfc1902.IpAddress, rfc1902.Opaque, univ.OctetString)):
            kind = {rfc1902.IpAddress: 'IpAddress', rfc1902.Opaque: 'Opaque'}.get(type(v), 'OctetString')
            text = v.asOctets().hex()
        elif isinstance(v, univ.ObjectIdentifier):
            kind, text = 'ObjectIdentifier', '.'.join(str(x) for x in v)
        else:
            kind, text = type(v).__name__, str(int(v))
        out.append('OK %s %s %s' % ('.'.join(str(x) for x in oid), kind, text))
    except Exception:
        out.append('ERR')
sys.stdout.write('\n'.join(out) + '\n')
"#;

fn ours(value: &Value<'_>) -> (String, String) {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let (kind, text) = match value {
        Value::Integer(v) => ("Integer32", v.to_string()),
        Value::OctetString(b) => ("OctetString", hex(b)),
        Value::Null => ("Null", String::new()),
        Value::ObjectIdentifier(o) => ("ObjectIdentifier", o.to_string()),
        Value::IpAddress(a) => ("IpAddress", hex(a)),
        Value::Counter32(v) => ("Counter32", v.to_string()),
        Value::Gauge32(v) => ("Gauge32", v.to_string()),
        Value::TimeTicks(v) => ("TimeTicks", v.to_string()),
        Value::Opaque(b) => ("Opaque", hex(b)),
        Value::Counter64(v) => ("Counter64", v.to_string()),
        Value::NoSuchObject => ("NoSuchObject", String::new()),
        Value::NoSuchInstance => ("NoSuchInstance", String::new()),
        Value::EndOfMibView => ("EndOfMibView", String::new()),
        other => panic!("the parser never produces {}", other.type_name()),
    };
    (kind.to_owned(), text)
}

/// Where snmpsim is more lenient than we mean to be (see the module docs of `snmprec`).
fn documented_strictness(kind: SnmprecErrorKind) -> bool {
    matches!(
        kind,
        SnmprecErrorKind::InvalidHex { .. }
            | SnmprecErrorKind::IpAddressLength(_)
            | SnmprecErrorKind::EncodingNotAllowed(_)
            | SnmprecErrorKind::Oid(
                OidError::TooFewArcs
                    | OidError::InvalidFirstArcs
                    | OidError::ArcTooLarge { .. }
                    | OidError::TooManyArcs { .. }
                    | OidError::Empty
            )
    )
}

const CASES: &[&str] = &[
    "1.3.6|2|5",
    "1.3.6|2| 5",
    "1.3.6|2|+5",
    "1.3.6|2|0x10",
    "1.3.6|2|1_0",
    "1.3.6|2|-2147483648",
    "1.3.6|2|-2147483649",
    "1.3.6|2|2147483648",
    "1.3.6|2|",
    "1.3.6|2|5.0",
    "1.3.6|2|_5",
    "1.3.6|2|5__0",
    "1.3.6|2|--5",
    "1.3.6|2|00012",
    "1.3.6|65|-1",
    "1.3.6|65|4294967295",
    "1.3.6|65|4294967296",
    "1.3.6|66|-0",
    "1.3.6|67|12",
    "1.3.6|70|18446744073709551615",
    "1.3.6|70|18446744073709551616",
    "1.3.6|4|abc",
    "1.3.6|4|",
    "1.3.6|4|a|b",
    "1.3.6|4x|0a0B",
    "1.3.6|4x|0a0",
    "1.3.6|4x|0a 0b",
    "1.3.6|4x|zz",
    "1.3.6|4x|+1",
    "1.3.6|4e|a\\x41\\n",
    "1.3.6|4e|\\q",
    "1.3.6|4e|a\\\\nb",
    "1.3.6|4e|ab\\x4",
    "1.3.6|4e|\\x4g",
    "1.3.6|64|1.2.3.4",
    "1.3.6|64|1.2.3",
    "1.3.6|64|256.1.1.1",
    "1.3.6|64|01.2.3.4",
    "1.3.6|64|1. 2.3.4",
    "1.3.6|64|1_0.2.3.4",
    "1.3.6|64x|7f000001",
    "1.3.6|64x|7f00",
    "1.3.6|64e|abcd",
    "1.3.6|64e|abc",
    "1.3.6|5|",
    "1.3.6|5|x",
    "1.3.6|5x|",
    "1.3.6|5e|",
    "1.3.6|6|1.3.6.1",
    "1.3.6|6|.1.3.6.1",
    "1.3.6|6|1.3.6.1.",
    "1.3.6|6|1",
    "1.3.6|6|",
    "1.3.6|6|1.40",
    "1.3.6|6|1.3.4294967296",
    "1.3.6|6|1.3. 6",
    "1.3.6|6|1.3.+6",
    "1.3.6|6x|2b06",
    "1.3.6|6e|1.3",
    "1.3.6|68|abc",
    "1.3.6|68x|0102",
    "1.3.6|2x|01",
    "1.3.6|65x|01",
    "1.3.6|128|",
    "1.3.6|129x|",
    "1.3.6|130|",
    "1.3.6|130|abc",
    "1.3.6|3|1",
    "1.3.6|02|1",
    "1.3.6|2:numeric|1",
    "1.3.6|4",
    "|4|x",
    "1.3.6||x",
    ".1.3.6|2|1",
    "1.3.06|2|1",
    "1.3.6.|2|1",
    "1|2|1",
    "1.3.6.1a|2|1",
    "  # comment",
    "",
    " \t1.3.6|4| x y \t\r",
];

/// Deterministic generated lines: an OID, a type and a value, each built from pieces that
/// are mostly valid, so both parsers get deep.
fn generated(n: usize) -> Vec<Vec<u8>> {
    const OID_PIECES: &[&[u8]] = &[
        b".1",
        b".3",
        b".6",
        b".43",
        b".4294967296",
        b".",
        b" ",
        b"_1",
        b"+2",
        b"a",
    ];
    const TAGS: &[&[u8]] = &[
        b"2", b"4", b"4x", b"4e", b"5", b"6", b"64", b"64x", b"64e", b"65", b"66", b"67", b"68",
        b"68x", b"70", b"128", b"130x", b"2x", b"6e", b"3", b"4:x", b"",
    ];
    const VALUE_PIECES: &[&[u8]] = &[
        b"0",
        b"1",
        b"7",
        b"255",
        b"4294967295",
        b"18446744073709551615",
        b"2147483648",
        b"-",
        b"+",
        b"_",
        b".",
        b" ",
        b"\\",
        b"\\x",
        b"\\n",
        b"0a",
        b"F",
        b"g",
        b"|",
        b"\xa0",
        b"\t",
        b"#",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |len: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % len as u64).unwrap()
    };
    (0..n)
        .map(|_| {
            let mut line = b"1.3".to_vec();
            for _ in 0..next(5) {
                line.extend_from_slice(OID_PIECES[next(OID_PIECES.len())]);
            }
            line.push(b'|');
            line.extend_from_slice(TAGS[next(TAGS.len())]);
            line.push(b'|');
            for _ in 0..next(6) {
                line.extend_from_slice(VALUE_PIECES[next(VALUE_PIECES.len())]);
            }
            line
        })
        .collect()
}

#[test]
fn snmprec_parses_as_snmpsim_does() {
    if !require_tool("snmpsimd") {
        return;
    }
    // Run the Python that snmpsimd runs (its shebang), which has snmpsim importable.
    let snmpsimd = find_tool("snmpsimd").unwrap();
    let script = std::fs::read_to_string(&snmpsimd).unwrap();
    let python = script
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .expect("snmpsimd has a #! line");
    let mut lines: Vec<Vec<u8>> = CASES.iter().map(|c| c.as_bytes().to_vec()).collect();
    lines.extend(generated(8_000));
    let input = lines.join(&b'\n');
    let mut child = Command::new(&python)
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(verdicts.len(), lines.len());
    let (mut agreed_ok, mut agreed_err, mut stricter) = (0, 0, 0);
    for (line, verdict) in lines.iter().zip(&verdicts) {
        let shown = String::from_utf8_lossy(line);
        let parsed: Vec<_> = records(line).collect();
        match (parsed.as_slice(), verdict.as_str()) {
            ([], "SKIP") => {}
            ([Ok(record)], v) if v.starts_with("OK ") => {
                let (kind, text) = ours(&record.value);
                assert_eq!(
                    v.trim_end(),
                    format!("OK {} {kind} {text}", record.oid).trim_end(),
                    "line {shown:?}"
                );
                agreed_ok += 1;
            }
            ([Err(_)], "ERR") => agreed_err += 1,
            ([Err(e)], v) if v.starts_with("OK ") => {
                assert!(
                    documented_strictness(e.kind),
                    "line {shown:?}: snmpsim accepts it ({v}), we say {e}"
                );
                stricter += 1;
            }
            (ours, theirs) => panic!("line {shown:?}: we say {ours:?}, snmpsim says {theirs}"),
        }
    }
    eprintln!("agreed: {agreed_ok} accepted, {agreed_err} refused; stricter: {stricter}");
    assert!(
        agreed_ok > 500 && agreed_err > 500,
        "{agreed_ok} {agreed_err}"
    );
}
