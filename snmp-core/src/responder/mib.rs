//! The MIB side of the responder: the [`MibHandler`] trait, the in-memory [`MibTree`], and
//! the [`Mib`] registry that routes requests to handlers registered at subtrees.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::any::Any;
use core::ops::Bound;

use crate::oid::Oid;
use crate::pdu::{ErrorStatus, VarBind};
use crate::value::Value;

/// What a [`MibHandler::commit_set`] returns so that [`MibHandler::undo_set`] can restore
/// the object: its previous value, or `None` when the commit created it.
pub type Undo = Option<Value<'static>>;

/// A source of managed objects for the responder, registered at a subtree with
/// [`Mib::register`].
///
/// Reads borrow from the handler (no copies); SET is two-phase as RFC 3416 section 4.2.5
/// describes: every varbind is [tested](Self::test_set) first, then each is
/// [committed](Self::commit_set); if a commit fails, the ones already committed are
/// [undone](Self::undo_set) in reverse order. The default SET methods refuse writes
/// (notWritable).
///
/// A handler for one scalar whose value is computed on each request:
///
/// ```
/// use std::ops::Bound;
/// use fleetwire_snmp::responder::MibHandler;
/// use fleetwire_snmp::{Oid, Value, VarBind};
///
/// /// hrSystemUptime.0, in hundredths of a second since the handler was made.
/// struct Uptime { oid: Oid<'static>, start: std::time::Instant }
///
/// impl MibHandler for Uptime {
///     fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s> {
///         if *name == self.oid {
///             Value::TimeTicks((self.start.elapsed().as_millis() / 10) as u32)
///         } else {
///             Value::NoSuchInstance
///         }
///     }
///
///     fn get_next<'s>(&'s self, from: Bound<&Oid<'_>>) -> Option<VarBind<'s>> {
///         let after = match from {
///             Bound::Included(o) => *o > self.oid,
///             Bound::Excluded(o) => *o >= self.oid,
///             Bound::Unbounded => false,
///         };
///         (!after).then(|| VarBind::new(self.oid.borrowed(), self.get(&self.oid)))
///     }
/// }
///
/// let uptime = Uptime { oid: "1.3.6.1.2.1.25.1.1.0".parse()?, start: std::time::Instant::now() };
/// assert!(matches!(uptime.get(&"1.3.6.1.2.1.25.1.1.0".parse()?), Value::TimeTicks(_)));
/// assert!(uptime.get_next(Bound::Excluded(&"1.3.6.1.2.1.25.1.1.0".parse()?)).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait MibHandler: Any + Send {
    /// The value of object instance `name`, or [`Value::NoSuchObject`] /
    /// [`Value::NoSuchInstance`].
    fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s>;

    /// The first instance after `from` (strictly after for `Excluded`, at or after for
    /// `Included`, the first of all for `Unbounded`), or `None` when there is none. Only
    /// instances inside the subtree the handler is registered at are used.
    fn get_next<'s>(&'s self, from: Bound<&Oid<'_>>) -> Option<VarBind<'s>>;

    /// Phase one of SET: whether `vb` could be assigned (wrongType, wrongLength, wrongValue,
    /// noCreation, notWritable, inconsistentValue, ...). Changes nothing.
    fn test_set(&self, vb: &VarBind<'_>) -> Result<(), ErrorStatus> {
        let _ = vb;
        Err(ErrorStatus::NotWritable)
    }

    /// Phase two of SET: assigns `vb` (already tested) and returns what undoing it needs.
    fn commit_set(&mut self, vb: &VarBind<'_>) -> Result<Undo, ErrorStatus> {
        let _ = vb;
        Err(ErrorStatus::CommitFailed)
    }

    /// Reverts a committed assignment of `name` (another varbind of the same request failed
    /// to commit).
    fn undo_set(&mut self, name: &Oid<'_>, undo: Undo) -> Result<(), ErrorStatus> {
        let _ = (name, undo);
        Err(ErrorStatus::UndoFailed)
    }
}

/// An in-memory MIB: object instances and their values, sorted by OID.
///
/// Lookups (GET, GETNEXT, and [`value_mut`](Self::value_mut) for updating a value in place,
/// e.g. a counter between polls) are binary searches; building from a list sorts once.
/// Writable trees accept SETs of existing instances with a value of the same type
/// ([`writable`](Self::writable)); new instances need [`creatable`](Self::creatable).
///
/// ```
/// use std::ops::Bound;
/// use fleetwire_snmp::responder::{MibHandler, MibTree};
/// use fleetwire_snmp::{Oid, Value};
///
/// let sys_descr: Oid = "1.3.6.1.2.1.1.1.0".parse()?;
/// let sys_uptime: Oid = "1.3.6.1.2.1.1.3.0".parse()?;
/// let mut tree: MibTree = [
///     (sys_uptime.clone(), Value::TimeTicks(0)),
///     (sys_descr.clone(), Value::OctetString(b"office printer"[..].into())),
/// ].into_iter().collect();
///
/// assert_eq!(tree.get(&sys_descr), Value::OctetString(b"office printer"[..].into()));
/// assert_eq!(tree.get_next(Bound::Excluded(&sys_descr)).map(|vb| vb.name.into_owned()), Some(sys_uptime.clone()));
/// if let Some(Value::TimeTicks(t)) = tree.value_mut(&sys_uptime) { *t += 100; }
/// assert_eq!(tree.get(&sys_uptime), Value::TimeTicks(100));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MibTree {
    entries: Vec<(Oid<'static>, Value<'static>)>,
    writable: bool,
    creatable: bool,
}

impl MibTree {
    /// An empty, read-only tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts SETs of existing instances (same value type), or refuses them all.
    #[must_use]
    pub fn writable(mut self, on: bool) -> Self {
        self.writable = on;
        self
    }

    /// Accepts SETs that create instances (implies writable).
    #[must_use]
    pub fn creatable(mut self, on: bool) -> Self {
        self.creatable = on;
        self.writable |= on;
        self
    }

    /// The number of instances.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the tree holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, name: &Oid<'_>) -> Result<usize, usize> {
        self.entries.binary_search_by(|(o, _)| o.cmp(name))
    }

    /// Adds or replaces an instance; returns the previous value.
    pub fn insert(&mut self, name: Oid<'static>, value: Value<'static>) -> Option<Value<'static>> {
        match self.position(&name) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|slot| core::mem::replace(&mut slot.1, value)),
            Err(i) => {
                self.entries.insert(i, (name, value));
                None
            }
        }
    }

    /// Removes an instance; returns its value.
    pub fn remove(&mut self, name: &Oid<'_>) -> Option<Value<'static>> {
        let i = self.position(name).ok()?;
        Some(self.entries.remove(i).1)
    }

    /// The value of an instance.
    pub fn value(&self, name: &Oid<'_>) -> Option<&Value<'static>> {
        let i = self.position(name).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// The value of an instance, for updating it in place.
    pub fn value_mut(&mut self, name: &Oid<'_>) -> Option<&mut Value<'static>> {
        let i = self.position(name).ok()?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Every instance in OID order.
    pub fn iter(&self) -> impl Iterator<Item = (&Oid<'static>, &Value<'static>)> {
        self.entries.iter().map(|(o, v)| (o, v))
    }

    /// Every instance in OID order, values mutable (for drifting many values at once).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Oid<'static>, &mut Value<'static>)> {
        self.entries.iter_mut().map(|(o, v)| (&*o, v))
    }

    /// Whether an instance of the same object exists: one with the same parent and as many
    /// arcs (`sysDescr.0` for a request of `sysDescr.1`, `ifDescr.1` for `ifDescr.99`).
    fn has_sibling(&self, name: &Oid<'_>, at: usize) -> bool {
        let parent_len = parent_ber_len(name.as_ber());
        let parent = name.as_ber().get(..parent_len).unwrap_or_default();
        let arcs = name.len();
        let around = [at.checked_sub(1), Some(at)];
        parent_len > 0
            && around.iter().flatten().any(|&i| {
                self.entries
                    .get(i)
                    .is_some_and(|(o, _)| o.as_ber().starts_with(parent) && o.len() == arcs)
            })
    }
}

/// The length of the BER contents of `oid` without its last sub-identifier (0 when the OID
/// has only the first sub-identifier, which holds two arcs).
fn parent_ber_len(ber: &[u8]) -> usize {
    let body = ber.get(..ber.len().saturating_sub(1)).unwrap_or_default();
    body.iter().rposition(|&b| b < 0x80).map_or(0, |i| i + 1)
}

impl FromIterator<(Oid<'static>, Value<'static>)> for MibTree {
    /// Builds a read-only tree; for a repeated OID the last value wins.
    fn from_iter<I: IntoIterator<Item = (Oid<'static>, Value<'static>)>>(iter: I) -> Self {
        let mut entries: Vec<_> = iter.into_iter().collect();
        // Stable sort keeps input order among equal OIDs; keep the last of each run.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut deduped: Vec<(Oid<'static>, Value<'static>)> = Vec::with_capacity(entries.len());
        for e in entries {
            match deduped.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => deduped.push(e),
            }
        }
        Self {
            entries: deduped,
            writable: false,
            creatable: false,
        }
    }
}

impl MibHandler for MibTree {
    fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s> {
        match self.position(name) {
            Ok(i) => self
                .entries
                .get(i)
                .map_or(Value::NoSuchObject, |(_, v)| v.borrowed()),
            Err(i) if self.has_sibling(name, i) => Value::NoSuchInstance,
            Err(_) => Value::NoSuchObject,
        }
    }

    fn get_next<'s>(&'s self, from: Bound<&Oid<'_>>) -> Option<VarBind<'s>> {
        let i = match from {
            Bound::Unbounded => 0,
            Bound::Included(o) => self.position(o).unwrap_or_else(|i| i),
            Bound::Excluded(o) => match self.position(o) {
                Ok(i) => i + 1,
                Err(i) => i,
            },
        };
        self.entries
            .get(i)
            .map(|(o, v)| VarBind::new(o.borrowed(), v.borrowed()))
    }

    fn test_set(&self, vb: &VarBind<'_>) -> Result<(), ErrorStatus> {
        if !self.writable {
            return Err(ErrorStatus::NotWritable);
        }
        if vb.value.is_exception() || vb.value == Value::Null {
            return Err(ErrorStatus::WrongType);
        }
        match self.value(&vb.name) {
            Some(old) if old.tag() != vb.value.tag() => Err(ErrorStatus::WrongType),
            Some(_) => Ok(()),
            None if self.creatable => Ok(()),
            None => Err(ErrorStatus::NoCreation),
        }
    }

    fn commit_set(&mut self, vb: &VarBind<'_>) -> Result<Undo, ErrorStatus> {
        self.test_set(vb)?;
        Ok(self.insert(vb.name.clone().into_owned(), vb.value.clone().into_owned()))
    }

    fn undo_set(&mut self, name: &Oid<'_>, undo: Undo) -> Result<(), ErrorStatus> {
        match undo {
            Some(old) => {
                let slot = self.value_mut(name).ok_or(ErrorStatus::UndoFailed)?;
                *slot = old;
            }
            None => {
                self.remove(name);
            }
        }
        Ok(())
    }
}

/// Why a handler could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MibError {
    /// The subtree overlaps one registered already (registrations must be disjoint, so that
    /// every object has exactly one handler).
    #[error("subtree {new} overlaps the registered subtree {existing}")]
    Overlap {
        /// The subtree being registered.
        new: Oid<'static>,
        /// The registered subtree it overlaps.
        existing: Oid<'static>,
    },
}

struct Registration {
    prefix: Oid<'static>,
    handler: Box<dyn MibHandler>,
}

impl core::fmt::Debug for Registration {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "handler at {}", self.prefix)
    }
}

/// The handlers of a responder, each registered at a disjoint subtree, in OID order.
#[derive(Debug, Default)]
pub struct Mib {
    registrations: Vec<Registration>,
}

impl Mib {
    /// No handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for every object under `subtree`.
    pub fn register(
        &mut self,
        subtree: Oid<'static>,
        handler: impl MibHandler,
    ) -> Result<(), MibError> {
        if let Some(r) = self
            .registrations
            .iter()
            .find(|r| r.prefix.starts_with(&subtree) || subtree.starts_with(&r.prefix))
        {
            return Err(MibError::Overlap {
                new: subtree,
                existing: r.prefix.clone(),
            });
        }
        let at = self.registrations.partition_point(|r| r.prefix < subtree);
        self.registrations.insert(
            at,
            Registration {
                prefix: subtree,
                handler: Box::new(handler),
            },
        );
        Ok(())
    }

    /// Removes the handler registered at exactly `subtree`; returns whether there was one.
    pub fn unregister(&mut self, subtree: &Oid<'_>) -> bool {
        let before = self.registrations.len();
        self.registrations.retain(|r| r.prefix != *subtree);
        before != self.registrations.len()
    }

    /// The handler registered at exactly `subtree`, as its concrete type (to update an
    /// [`MibTree`]'s values between requests, for example).
    pub fn handler_mut<T: MibHandler>(&mut self, subtree: &Oid<'_>) -> Option<&mut T> {
        let r = self
            .registrations
            .iter_mut()
            .find(|r| r.prefix == *subtree)?;
        let any: &mut dyn Any = r.handler.as_mut();
        any.downcast_mut::<T>()
    }

    /// The handler registered at exactly `subtree`, as its concrete type.
    pub fn handler<T: MibHandler>(&self, subtree: &Oid<'_>) -> Option<&T> {
        let r = self.registrations.iter().find(|r| r.prefix == *subtree)?;
        let any: &dyn Any = r.handler.as_ref();
        any.downcast_ref::<T>()
    }

    fn index_of(&self, name: &Oid<'_>) -> Option<usize> {
        // Registrations are disjoint and sorted: the candidate is the last prefix <= name.
        let at = self.registrations.partition_point(|r| r.prefix <= *name);
        let i = at.checked_sub(1)?;
        self.registrations
            .get(i)
            .filter(|r| name.starts_with(&r.prefix))
            .map(|_| i)
    }

    /// The value of `name` from the handler whose subtree holds it (noSuchObject when none
    /// does).
    pub fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s> {
        let Some(r) = self.index_of(name).and_then(|i| self.registrations.get(i)) else {
            return Value::NoSuchObject;
        };
        match r.handler.get(name) {
            // A handler must not answer with endOfMibView or a varbind-less NULL to a GET.
            Value::EndOfMibView | Value::Null => Value::NoSuchInstance,
            v => v,
        }
    }

    /// The first instance after `from` across all handlers, in OID order. Each call to a
    /// handler counts against `steps`; `Err(())` when the budget runs out.
    pub(crate) fn next<'s>(
        &'s self,
        from: Bound<&Oid<'_>>,
        steps: &mut usize,
    ) -> Result<Option<VarBind<'s>>, Exhausted> {
        let start = match from {
            Bound::Unbounded => 0,
            Bound::Included(o) | Bound::Excluded(o) => self
                .registrations
                .iter()
                .position(|r| o.starts_with(&r.prefix) || r.prefix > *o)
                .unwrap_or(self.registrations.len()),
        };
        for r in self.registrations.iter().skip(start) {
            // Handlers after the one holding `from` start at their subtree.
            let bound = match from {
                Bound::Included(o) | Bound::Excluded(o) if r.prefix <= *o => from,
                _ => Bound::Included(&r.prefix),
            };
            *steps = steps.checked_sub(1).ok_or(Exhausted)?;
            let Some(vb) = r.handler.get_next(bound) else {
                continue;
            };
            let progressed = match bound {
                Bound::Unbounded => true,
                Bound::Included(o) => vb.name >= *o,
                Bound::Excluded(o) => vb.name > *o,
            };
            // A handler answering outside its subtree, or backwards, has nothing more here.
            if progressed && vb.name.starts_with(&r.prefix) && !vb.value.is_exception() {
                return Ok(Some(vb));
            }
        }
        Ok(None)
    }

    /// Phase one of SET for one varbind: noCreation when no handler holds the name.
    pub(crate) fn test_set(&self, vb: &VarBind<'_>) -> Result<(), ErrorStatus> {
        let r = self
            .index_of(&vb.name)
            .and_then(|i| self.registrations.get(i))
            .ok_or(ErrorStatus::NoCreation)?;
        r.handler.test_set(vb)
    }

    /// Phase two of SET for one varbind.
    pub(crate) fn commit_set(&mut self, vb: &VarBind<'_>) -> Result<Undo, ErrorStatus> {
        let i = self.index_of(&vb.name).ok_or(ErrorStatus::CommitFailed)?;
        let r = self
            .registrations
            .get_mut(i)
            .ok_or(ErrorStatus::CommitFailed)?;
        r.handler.commit_set(vb)
    }

    /// Reverts one committed varbind.
    pub(crate) fn undo_set(&mut self, name: &Oid<'_>, undo: Undo) -> Result<(), ErrorStatus> {
        let i = self.index_of(name).ok_or(ErrorStatus::UndoFailed)?;
        let r = self
            .registrations
            .get_mut(i)
            .ok_or(ErrorStatus::UndoFailed)?;
        r.handler.undo_set(name, undo)
    }
}

/// The per-request budget of handler calls ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use alloc::string::ToString;

    fn oid(s: &str) -> Oid<'static> {
        s.parse().unwrap()
    }

    fn tree(items: &[(&str, i32)]) -> MibTree {
        items
            .iter()
            .map(|(o, v)| (oid(o), Value::Integer(*v)))
            .collect()
    }

    #[test]
    fn tree_get_and_next() {
        let t = tree(&[
            ("1.3.6.1.2.1.1.3.0", 3),
            ("1.3.6.1.2.1.1.1.0", 1),
            ("1.3.6.1.2.1.1.1.0", 11),
            ("1.3.6.1.2.1.2.2.1.2.1", 21),
            ("1.3.6.1.2.1.2.2.1.2.16384", 22),
        ]);
        assert_eq!(t.len(), 4);
        assert_eq!(t.get(&oid("1.3.6.1.2.1.1.1.0")), Value::Integer(11));
        assert_eq!(t.get(&oid("1.3.6.1.2.1.1.1.1")), Value::NoSuchInstance);
        assert_eq!(t.get(&oid("1.3.6.1.2.1.2.2.1.2.99")), Value::NoSuchInstance);
        assert_eq!(t.get(&oid("1.3.6.1.2.1.1.2.0")), Value::NoSuchObject);
        assert_eq!(t.get(&oid("1.3.6")), Value::NoSuchObject);
        fn next_name(t: &MibTree, b: Bound<&Oid<'_>>) -> Option<alloc::string::String> {
            t.get_next(b).map(|vb| vb.name.to_string())
        }
        let names = |b: Bound<&Oid<'_>>| next_name(&t, b);
        assert_eq!(names(Bound::Unbounded).unwrap(), "1.3.6.1.2.1.1.1.0");
        assert_eq!(
            names(Bound::Excluded(&oid("1.3.6.1.2.1.1.1.0"))).unwrap(),
            "1.3.6.1.2.1.1.3.0"
        );
        assert_eq!(
            names(Bound::Included(&oid("1.3.6.1.2.1.1.3.0"))).unwrap(),
            "1.3.6.1.2.1.1.3.0"
        );
        assert_eq!(
            names(Bound::Excluded(&oid("1.3.6.1.2.1.2.2.1.2.200"))).unwrap(),
            "1.3.6.1.2.1.2.2.1.2.16384"
        );
        assert_eq!(
            names(Bound::Excluded(&oid("1.3.6.1.2.1.2.2.1.2.16384"))),
            None
        );
    }

    #[test]
    fn tree_sets_with_undo() {
        let mut t = tree(&[("1.3.6.1.2.1.1.5.0", 5)]);
        let vb = VarBind::new(oid("1.3.6.1.2.1.1.5.0"), Value::Integer(6));
        assert_eq!(t.test_set(&vb), Err(ErrorStatus::NotWritable));
        t = t.writable(true);
        let wrong = VarBind::new(oid("1.3.6.1.2.1.1.5.0"), Value::Counter32(6));
        assert_eq!(t.test_set(&wrong), Err(ErrorStatus::WrongType));
        let new = VarBind::new(oid("1.3.6.1.2.1.1.6.0"), Value::Integer(6));
        assert_eq!(t.test_set(&new), Err(ErrorStatus::NoCreation));
        let undo = t.commit_set(&vb).unwrap();
        assert_eq!(t.get(&vb.name), Value::Integer(6));
        t.undo_set(&vb.name, undo).unwrap();
        assert_eq!(t.get(&vb.name), Value::Integer(5));
        t = t.creatable(true);
        let undo = t.commit_set(&new).unwrap();
        assert_eq!(undo, None);
        t.undo_set(&new.name, undo).unwrap();
        assert_eq!(t.get(&new.name), Value::NoSuchObject);
    }

    #[test]
    fn registry_walks_across_handlers_and_refuses_overlaps() {
        let mut mib = Mib::new();
        mib.register(
            oid("1.3.6.1.4.1.2699"),
            tree(&[("1.3.6.1.4.1.2699.1.3.1.0", 3)]),
        )
        .unwrap();
        mib.register(
            oid("1.3.6.1.2.1"),
            tree(&[("1.3.6.1.2.1.1.1.0", 1), ("1.3.6.1.2.1.43.5.1.1.1.1", 2)]),
        )
        .unwrap();
        assert!(matches!(
            mib.register(oid("1.3.6.1.2.1.43"), MibTree::new()),
            Err(MibError::Overlap { .. })
        ));
        let mut steps = 100;
        let mut names = Vec::new();
        let mut cursor = oid("1.3");
        while let Some(vb) = mib.next(Bound::Excluded(&cursor), &mut steps).unwrap() {
            names.push(vb.name.to_string());
            cursor = vb.name.into_owned();
        }
        assert_eq!(
            names,
            [
                "1.3.6.1.2.1.1.1.0",
                "1.3.6.1.2.1.43.5.1.1.1.1",
                "1.3.6.1.4.1.2699.1.3.1.0"
            ]
        );
        assert_eq!(mib.get(&oid("1.3.6.1.4.1.2699.1.3.1.0")), Value::Integer(3));
        assert_eq!(mib.get(&oid("1.3.6.1.4.1.9.1.0")), Value::NoSuchObject);
        let mut none = 1;
        assert!(mib.next(Bound::Unbounded, &mut none).unwrap().is_some());
        assert_eq!(mib.next(Bound::Unbounded, &mut none), Err(Exhausted));
        let t: &mut MibTree = mib.handler_mut(&oid("1.3.6.1.2.1")).unwrap();
        *t.value_mut(&oid("1.3.6.1.2.1.1.1.0")).unwrap() = Value::Integer(9);
        assert_eq!(mib.get(&oid("1.3.6.1.2.1.1.1.0")), Value::Integer(9));
        assert!(mib.unregister(&oid("1.3.6.1.2.1")));
        assert_eq!(mib.get(&oid("1.3.6.1.2.1.1.1.0")), Value::NoSuchObject);
    }
}
