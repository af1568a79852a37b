//! What a collection read from a device, before interpretation: OID → value, with table
//! access by column and row index.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use fleetwire_snmp::{Oid, Value, VarBind};

/// The varbinds read from one device, keyed by OID arcs (so iteration is in OID order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MibView {
    values: BTreeMap<Vec<u32>, Value<'static>>,
}

impl MibView {
    /// An empty view.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds varbinds; exceptions (noSuchObject, noSuchInstance, endOfMibView) and NULLs are
    /// not values and are left out.
    pub fn extend<'a>(&mut self, varbinds: impl IntoIterator<Item = &'a VarBind<'static>>) {
        for vb in varbinds {
            self.insert(&vb.name, &vb.value);
        }
    }

    /// Adds one value (exceptions and NULL are left out).
    pub fn insert(&mut self, name: &Oid<'_>, value: &Value<'static>) {
        if matches!(
            value,
            Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView
        ) {
            return;
        }
        self.values.insert(name.arcs().collect(), value.clone());
    }

    /// How many values the view holds.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the view is empty.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value at exactly `oid`.
    pub fn get(&self, oid: &[u32]) -> Option<&Value<'static>> {
        self.values.get(oid)
    }

    /// Every value under `prefix`, with the arcs after the prefix, in OID order.
    pub fn under<'s, 'p>(
        &'s self,
        prefix: &'p [u32],
    ) -> impl Iterator<Item = (&'s [u32], &'s Value<'static>)> + use<'s, 'p> {
        self.values
            .range(prefix.to_vec()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .filter_map(move |(k, v)| k.get(prefix.len()..).map(|rest| (rest, v)))
    }

    /// The rows of the conceptual table whose entry OID is `entry` (`…Table.1`), by index,
    /// in index order.
    pub fn table<'s>(&'s self, entry: &[u32]) -> Vec<Row<'s>> {
        let mut rows: BTreeMap<&'s [u32], BTreeMap<u32, &'s Value<'static>>> = BTreeMap::new();
        for (rest, value) in self.under(entry) {
            if let Some((column, index)) = rest.split_first()
                && !index.is_empty()
            {
                rows.entry(index).or_default().insert(*column, value);
            }
        }
        rows.into_iter()
            .map(|(index, columns)| Row { index, columns })
            .collect()
    }
}

/// One row of a conceptual table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    /// The index arcs.
    pub index: &'a [u32],
    columns: BTreeMap<u32, &'a Value<'static>>,
}

impl Row<'_> {
    /// The value of `column`, if the row has it.
    pub fn value(&self, column: u32) -> Option<&Value<'static>> {
        self.columns.get(&column).copied()
    }

    /// `column` as an INTEGER.
    pub fn int(&self, column: u32) -> Option<i32> {
        self.value(column).and_then(int)
    }

    /// `column` as an unsigned counter or gauge (a non-negative INTEGER also counts).
    pub fn count(&self, column: u32) -> Option<u64> {
        self.value(column).and_then(count)
    }

    /// `column` as text.
    pub fn text(&self, column: u32) -> Option<String> {
        self.value(column).and_then(text)
    }

    /// `column` as an OCTET STRING's bytes.
    pub fn bytes(&self, column: u32) -> Option<&[u8]> {
        match self.value(column)? {
            Value::OctetString(b) => Some(b),
            _ => None,
        }
    }

    /// `column` as an OBJECT IDENTIFIER's arcs.
    pub fn oid(&self, column: u32) -> Option<Vec<u32>> {
        match self.value(column)? {
            Value::ObjectIdentifier(o) => Some(o.arcs().collect()),
            _ => None,
        }
    }

    /// `column` as an IpAddress.
    pub fn ip(&self, column: u32) -> Option<Ipv4Addr> {
        match self.value(column)? {
            Value::IpAddress(a) => Some(Ipv4Addr::from(*a)),
            _ => None,
        }
    }

    /// The last index arc (the row's own index in tables indexed by `hrDeviceIndex.N`).
    pub fn last_index(&self) -> Option<u32> {
        self.index.last().copied()
    }
}

/// An INTEGER value.
pub(super) fn int(v: &Value<'_>) -> Option<i32> {
    match v {
        Value::Integer(n) => Some(*n),
        _ => None,
    }
}

/// A counter, gauge, time ticks or non-negative INTEGER as `u64`.
pub(super) fn count(v: &Value<'_>) -> Option<u64> {
    match v {
        Value::Counter32(n) | Value::Gauge32(n) | Value::UInteger32(n) | Value::TimeTicks(n) => {
            Some(u64::from(*n))
        }
        Value::Counter64(n) => Some(*n),
        Value::Integer(n) => u64::try_from(*n).ok(),
        _ => None,
    }
}

/// An OCTET STRING as text: UTF-8 when it is valid UTF-8, else ISO-8859-1 (what printers
/// send when it is not UTF-8), without the trailing NULs some devices append.
pub(super) fn text(v: &Value<'_>) -> Option<String> {
    let Value::OctetString(bytes) = v else {
        return None;
    };
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    let bytes = bytes.get(..end).unwrap_or_default();
    Some(match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    })
}
