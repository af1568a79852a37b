//! The View-based Access Control Model (RFC 3415), sans-IO.
//!
//! Three tables decide whether a principal may touch an object:
//! - `vacmSecurityToGroupTable`: (security model, security name) → group
//!   ([`Vacm::add_group_member`]);
//! - `vacmAccessTable`: (group, context prefix, security model, security level) → read, write
//!   and notify view names ([`Vacm::add_access`], [`AccessEntry`]);
//! - `vacmViewTreeFamilyTable`: view name → included and excluded subtrees with wildcard masks
//!   ([`Vacm::add_view_family`]).
//!
//! [`Vacm::select_view`] runs RFC 3415 section 3.2 steps 1–5 once per request and returns the
//! [`View`]; [`View::contains`] is step 6 for one object, cheap enough to call per varbind.
//!
//! ```
//! use fleetwire_snmp::usm::SecurityLevel;
//! use fleetwire_snmp::vacm::{FamilyType, SecurityModel, Vacm, ViewType};
//!
//! let mut vacm = Vacm::new();
//! vacm.add_view_family(b"system", "1.3.6.1.2.1.1".parse()?, &[], FamilyType::Included)?;
//! // Hide sysContact.0 .. sysLocation.0 (4, 5, 6), whatever the instance arc.
//! vacm.add_view_family(b"system", "1.3.6.1.2.1.1.4".parse()?, &[], FamilyType::Excluded)?;
//! vacm.grant(SecurityModel::V2c, b"public", SecurityLevel::NoAuthNoPriv, b"system", b"");
//!
//! let view = vacm.select_view(SecurityModel::V2c, b"public", SecurityLevel::NoAuthNoPriv, b"", ViewType::Read)?;
//! assert!(view.contains(&"1.3.6.1.2.1.1.1.0".parse()?));
//! assert!(!view.contains(&"1.3.6.1.2.1.1.4.0".parse()?));
//! assert!(!view.contains(&"1.3.6.1.2.1.2.1.0".parse()?));
//! // Nothing is writable:
//! assert!(vacm.select_view(SecurityModel::V2c, b"public", SecurityLevel::NoAuthNoPriv, b"", ViewType::Write).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use crate::oid::Oid;
use crate::usm::SecurityLevel;

/// A security model (RFC 3411 `SnmpSecurityModel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityModel {
    /// any(0): in access entries only, matches every model.
    Any,
    /// SNMPv1 (1).
    V1,
    /// SNMPv2c (2).
    V2c,
    /// The User-based Security Model (3).
    Usm,
}

impl SecurityModel {
    /// The value on the wire and in the MIB.
    pub fn code(self) -> u32 {
        match self {
            Self::Any => 0,
            Self::V1 => 1,
            Self::V2c => 2,
            Self::Usm => 3,
        }
    }
}

/// Which of an access entry's views a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewType {
    /// Get, GetNext, GetBulk.
    Read,
    /// Set.
    Write,
    /// Notifications.
    Notify,
}

/// How an access entry's context prefix matches the request's contextName.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextMatch {
    /// exact(1): the whole name.
    Exact,
    /// prefix(2): the name starts with the prefix.
    Prefix,
}

/// Whether a view tree family includes or excludes its subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FamilyType {
    /// included(1).
    Included,
    /// excluded(2).
    Excluded,
}

/// Why access was refused (the `isAccessAllowed` error indications of RFC 3415 section 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VacmError {
    /// The object is not in the selected view.
    #[error("notInView: the object is not in the view")]
    NotInView,
    /// The access entry names no view of this type, or the view has no families.
    #[error("noSuchView: no view of the needed type for this principal")]
    NoSuchView,
    /// The contextName is not a local context.
    #[error("noSuchContext: unknown contextName")]
    NoSuchContext,
    /// The (security model, security name) pair is in no group.
    #[error("noGroupName: the principal is in no group")]
    NoGroupName,
    /// The group has no access entry for this context, model and level.
    #[error("noAccessEntry: no access entry for this context, model and level")]
    NoAccessEntry,
    /// A view family's mask is longer than 16 bytes (RFC 3415 `vacmViewTreeFamilyMask`).
    #[error("view family mask is {0} bytes; at most 16 allowed")]
    MaskTooLong(usize),
}

/// A `vacmAccessTable` row (the group is the key it is added under).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    /// `vacmAccessContextPrefix`.
    pub context_prefix: Vec<u8>,
    /// `vacmAccessContextMatch`.
    pub context_match: ContextMatch,
    /// `vacmAccessSecurityModel` ([`SecurityModel::Any`] matches all).
    pub model: SecurityModel,
    /// `vacmAccessSecurityLevel`: the minimum level a request needs.
    pub level: SecurityLevel,
    /// `vacmAccessReadViewName` (empty: no read access).
    pub read_view: Vec<u8>,
    /// `vacmAccessWriteViewName` (empty: no write access).
    pub write_view: Vec<u8>,
    /// `vacmAccessNotifyViewName` (empty: no notifications).
    pub notify_view: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Family {
    subtree: Oid<'static>,
    arcs: Vec<u32>,
    /// Wildcard bits (1 = must match), one per arc from the most significant bit; arcs beyond
    /// the mask must match. Empty when every arc must match.
    mask: Vec<u8>,
    kind: FamilyType,
}

impl Family {
    fn wildcard(&self) -> bool {
        (0..self.arcs.len()).any(|i| !self.must_match(i))
    }

    fn must_match(&self, i: usize) -> bool {
        self.mask
            .get(i / 8)
            .is_none_or(|byte| byte & (0x80 >> (i % 8)) != 0)
    }

    fn matches(&self, oid: &Oid<'_>, arcs: &[u32]) -> bool {
        if self.mask.is_empty() {
            return oid.starts_with(&self.subtree);
        }
        arcs.len() >= self.arcs.len()
            && self
                .arcs
                .iter()
                .zip(arcs)
                .enumerate()
                .all(|(i, (f, o))| !self.must_match(i) || f == o)
    }

    /// RFC 3415 section 5, vacmViewTreeFamilyTable: the longest subtree wins, then the
    /// lexicographically greater one.
    fn precedence(&self, other: &Self) -> Ordering {
        self.arcs
            .len()
            .cmp(&other.arcs.len())
            .then_with(|| self.subtree.cmp(&other.subtree))
    }
}

/// What a walk should do after an object outside the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Look at the next object.
    Step,
    /// Nothing before this OID (inclusive bound) is in the view.
    To(Oid<'static>),
    /// Nothing after the object is in the view.
    End,
}

/// A MIB view: the families of one `vacmViewTreeFamilyViewName`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    families: Vec<Family>,
    wildcards: bool,
}

impl View {
    /// The deciding family for `oid`, if any covers it.
    fn decide(&self, oid: &Oid<'_>) -> Option<&Family> {
        let mut buf = [0u32; crate::options::Limits::RFC_MAX_OID_ARCS];
        let mut n = 0;
        if self.wildcards {
            for (slot, arc) in buf.iter_mut().zip(oid.arcs()) {
                *slot = arc;
                n += 1;
            }
        }
        let arcs = buf.get(..n).unwrap_or_default();
        self.families
            .iter()
            .filter(|f| f.matches(oid, arcs))
            .max_by(|a, b| a.precedence(b))
    }

    /// Whether `oid` is in the view (RFC 3415 section 3.2 step 6).
    pub fn contains(&self, oid: &Oid<'_>) -> bool {
        self.decide(oid)
            .is_some_and(|f| f.kind == FamilyType::Included)
    }

    /// For an object outside the view, how far a walk may jump: past a whole excluded
    /// subtree when nothing beneath it is included, or to the next included subtree when no
    /// family covers the object. Wildcard masks fall back to stepping.
    pub(crate) fn skip(&self, oid: &Oid<'_>) -> Skip {
        let included_wildcards = self
            .families
            .iter()
            .any(|f| f.kind == FamilyType::Included && f.wildcard());
        if included_wildcards {
            return Skip::Step;
        }
        match self.decide(oid) {
            Some(f) if f.kind == FamilyType::Excluded && f.mask.is_empty() => {
                let nested_include = self.families.iter().any(|g| {
                    g.kind == FamilyType::Included
                        && g.arcs.len() > f.arcs.len()
                        && g.subtree.starts_with(&f.subtree)
                });
                if nested_include {
                    return Skip::Step;
                }
                match next_sibling(&f.arcs) {
                    Some(next) => Skip::To(next),
                    None => Skip::End,
                }
            }
            Some(_) => Skip::Step,
            None => self
                .families
                .iter()
                .filter(|g| g.kind == FamilyType::Included && g.subtree > *oid)
                .map(|g| &g.subtree)
                .min()
                .map_or(Skip::End, |t| Skip::To(t.clone())),
        }
    }
}

/// The first OID after every OID that starts with `arcs`: the last arc plus one, carrying
/// into shorter prefixes when it is 2^32-1. `None` when nothing follows.
pub(crate) fn next_sibling(arcs: &[u32]) -> Option<Oid<'static>> {
    let mut arcs = arcs.to_vec();
    while let Some(last) = arcs.pop() {
        if let Some(next) = last.checked_add(1) {
            arcs.push(next);
            return Oid::from_arcs(&arcs).ok();
        }
    }
    None
}

/// The VACM tables and the local contexts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vacm {
    contexts: BTreeSet<Vec<u8>>,
    groups: BTreeMap<(SecurityModel, Vec<u8>), Vec<u8>>,
    access: BTreeMap<Vec<u8>, Vec<AccessEntry>>,
    views: BTreeMap<Vec<u8>, View>,
}

impl Default for Vacm {
    fn default() -> Self {
        Self::new()
    }
}

impl Vacm {
    /// Empty tables, with the default context `""` as the only local context.
    pub fn new() -> Self {
        let mut contexts = BTreeSet::new();
        contexts.insert(Vec::new());
        Self {
            contexts,
            groups: BTreeMap::new(),
            access: BTreeMap::new(),
            views: BTreeMap::new(),
        }
    }

    /// Adds a local context (`vacmContextTable`).
    pub fn add_context(&mut self, name: &[u8]) {
        self.contexts.insert(name.to_vec());
    }

    /// Adds a `vacmViewTreeFamilyTable` row to `view`. `mask` has one bit per arc of
    /// `subtree` from the most significant bit of the first byte: 1 = the arc must match,
    /// 0 = any arc; missing bits are 1 (an empty mask is an exact subtree).
    pub fn add_view_family(
        &mut self,
        view: &[u8],
        subtree: Oid<'static>,
        mask: &[u8],
        kind: FamilyType,
    ) -> Result<(), VacmError> {
        if mask.len() > 16 {
            return Err(VacmError::MaskTooLong(mask.len()));
        }
        let arcs: Vec<u32> = subtree.arcs().collect();
        let mut family = Family {
            subtree,
            arcs,
            mask: mask.to_vec(),
            kind,
        };
        if !family.wildcard() {
            family.mask.clear();
        }
        let v = self.views.entry(view.to_vec()).or_default();
        v.families.retain(|f| f.subtree != family.subtree);
        v.wildcards |= !family.mask.is_empty();
        v.families.push(family);
        Ok(())
    }

    /// Puts (model, security name) in `group` (`vacmSecurityToGroupTable`).
    pub fn add_group_member(&mut self, model: SecurityModel, security_name: &[u8], group: &[u8]) {
        self.groups
            .insert((model, security_name.to_vec()), group.to_vec());
    }

    /// Adds a `vacmAccessTable` row for `group`.
    pub fn add_access(&mut self, group: &[u8], entry: AccessEntry) {
        self.access.entry(group.to_vec()).or_default().push(entry);
    }

    /// The common case in one call: a group named after `security_name` for `model`, with
    /// one access entry for the default context at `level` and above.
    pub fn grant(
        &mut self,
        model: SecurityModel,
        security_name: &[u8],
        level: SecurityLevel,
        read_view: &[u8],
        write_view: &[u8],
    ) {
        self.add_group_member(model, security_name, security_name);
        self.add_access(
            security_name,
            AccessEntry {
                context_prefix: Vec::new(),
                context_match: ContextMatch::Exact,
                model,
                level,
                read_view: read_view.to_vec(),
                write_view: write_view.to_vec(),
                notify_view: Vec::new(),
            },
        );
    }

    /// RFC 3415 section 3.2 steps 1–5: the view a principal gets for `view_type` in
    /// `context`.
    pub fn select_view(
        &self,
        model: SecurityModel,
        security_name: &[u8],
        level: SecurityLevel,
        context: &[u8],
        view_type: ViewType,
    ) -> Result<&View, VacmError> {
        if !self.contexts.contains(context) {
            return Err(VacmError::NoSuchContext);
        }
        let group = self
            .groups
            .get(&(model, security_name.to_vec()))
            .ok_or(VacmError::NoGroupName)?;
        let entries = self.access.get(group).ok_or(VacmError::NoAccessEntry)?;
        // Section 4: prefer an exact model over any, an exact context over a prefix, a longer
        // prefix, then a higher level.
        let entry = entries
            .iter()
            .filter(|e| {
                (e.model == model || e.model == SecurityModel::Any)
                    && e.level <= level
                    && match e.context_match {
                        ContextMatch::Exact => e.context_prefix == context,
                        ContextMatch::Prefix => context.starts_with(&e.context_prefix),
                    }
            })
            .max_by_key(|e| {
                (
                    e.model == model,
                    e.context_prefix == context,
                    e.context_prefix.len(),
                    e.level,
                )
            })
            .ok_or(VacmError::NoAccessEntry)?;
        let name = match view_type {
            ViewType::Read => &entry.read_view,
            ViewType::Write => &entry.write_view,
            ViewType::Notify => &entry.notify_view,
        };
        if name.is_empty() {
            return Err(VacmError::NoSuchView);
        }
        self.views
            .get(name)
            .filter(|v| !v.families.is_empty())
            .ok_or(VacmError::NoSuchView)
    }

    /// `isAccessAllowed` (RFC 3415 section 3.2) for one object.
    pub fn is_access_allowed(
        &self,
        model: SecurityModel,
        security_name: &[u8],
        level: SecurityLevel,
        context: &[u8],
        view_type: ViewType,
        object: &Oid<'_>,
    ) -> Result<(), VacmError> {
        let view = self.select_view(model, security_name, level, context, view_type)?;
        if view.contains(object) {
            Ok(())
        } else {
            Err(VacmError::NotInView)
        }
    }
}

impl fmt::Display for SecurityModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Any => "any",
            Self::V1 => "SNMPv1",
            Self::V2c => "SNMPv2c",
            Self::Usm => "USM",
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn oid(s: &str) -> Oid<'static> {
        s.parse().unwrap()
    }

    #[test]
    fn longest_family_wins_and_masks_wildcard_arcs() {
        let mut vacm = Vacm::new();
        let v = b"v";
        vacm.add_view_family(v, oid("1.3.6.1"), &[], FamilyType::Included)
            .unwrap();
        vacm.add_view_family(v, oid("1.3.6.1.2.1.2"), &[], FamilyType::Excluded)
            .unwrap();
        vacm.add_view_family(v, oid("1.3.6.1.2.1.2.2.1.2"), &[], FamilyType::Included)
            .unwrap();
        // Every column of ifXEntry row 3 excluded, with a wildcard on the column arc:
        // 1.3.6.1.2.1.31.1.1.1.x.3 -> mask 11111111 1101 (arc 10, the column, is free).
        vacm.add_view_family(
            v,
            oid("1.3.6.1.2.1.31.1.1.1.0.3"),
            &[0xff, 0xd0],
            FamilyType::Excluded,
        )
        .unwrap();
        vacm.grant(
            SecurityModel::V2c,
            b"c",
            SecurityLevel::NoAuthNoPriv,
            v,
            b"",
        );
        let view = vacm
            .select_view(
                SecurityModel::V2c,
                b"c",
                SecurityLevel::NoAuthNoPriv,
                b"",
                ViewType::Read,
            )
            .unwrap();
        assert!(view.contains(&oid("1.3.6.1.2.1.1.1.0")));
        assert!(!view.contains(&oid("1.3.6.1.2.1.2.1.0")));
        assert!(view.contains(&oid("1.3.6.1.2.1.2.2.1.2.7")));
        assert!(!view.contains(&oid("1.3.6.1.2.1.2.2.1.3.7")));
        assert!(!view.contains(&oid("1.3.6.1.2.1.31.1.1.1.6.3")));
        assert!(view.contains(&oid("1.3.6.1.2.1.31.1.1.1.6.4")));
        assert!(!view.contains(&oid("1.3.7")));
        // Skips: a plain excluded subtree with an include below it must be stepped through.
        assert_eq!(view.skip(&oid("1.3.6.1.2.1.2.1.0")), Skip::Step);
    }

    #[test]
    fn skip_hints() {
        let mut vacm = Vacm::new();
        let v = b"v";
        vacm.add_view_family(v, oid("1.3.6.1.2.1"), &[], FamilyType::Included)
            .unwrap();
        vacm.add_view_family(v, oid("1.3.6.1.2.1.4"), &[], FamilyType::Excluded)
            .unwrap();
        vacm.add_view_family(v, oid("1.3.6.1.4.1.9"), &[], FamilyType::Included)
            .unwrap();
        vacm.grant(SecurityModel::Usm, b"u", SecurityLevel::AuthNoPriv, v, v);
        let view = vacm
            .select_view(
                SecurityModel::Usm,
                b"u",
                SecurityLevel::AuthPriv,
                b"",
                ViewType::Write,
            )
            .unwrap();
        assert_eq!(
            view.skip(&oid("1.3.6.1.2.1.4.20.1.1.10.0.0.1")),
            Skip::To(oid("1.3.6.1.2.1.5"))
        );
        assert_eq!(
            view.skip(&oid("1.3.6.1.3.5")),
            Skip::To(oid("1.3.6.1.4.1.9"))
        );
        assert_eq!(view.skip(&oid("1.3.6.1.4.1.10")), Skip::End);
        assert_eq!(next_sibling(&[1, 3, u32::MAX]), Some(oid("1.4")));
    }

    #[test]
    fn access_selection_follows_rfc_3415_preferences() {
        let mut vacm = Vacm::new();
        vacm.add_context(b"printer1");
        vacm.add_view_family(b"all", oid("1.3"), &[], FamilyType::Included)
            .unwrap();
        vacm.add_view_family(b"sys", oid("1.3.6.1.2.1.1"), &[], FamilyType::Included)
            .unwrap();
        vacm.add_group_member(SecurityModel::Usm, b"alice", b"ops");
        let entry = |prefix: &[u8], m, model, level, read: &[u8]| AccessEntry {
            context_prefix: prefix.to_vec(),
            context_match: m,
            model,
            level,
            read_view: read.to_vec(),
            write_view: Vec::new(),
            notify_view: Vec::new(),
        };
        vacm.add_access(
            b"ops",
            entry(
                b"",
                ContextMatch::Prefix,
                SecurityModel::Any,
                SecurityLevel::NoAuthNoPriv,
                b"sys",
            ),
        );
        vacm.add_access(
            b"ops",
            entry(
                b"printer",
                ContextMatch::Prefix,
                SecurityModel::Usm,
                SecurityLevel::AuthPriv,
                b"all",
            ),
        );
        let read = |level, ctx: &[u8]| {
            vacm.is_access_allowed(
                SecurityModel::Usm,
                b"alice",
                level,
                ctx,
                ViewType::Read,
                &oid("1.3.6.1.2.1.2.1.0"),
            )
        };
        assert_eq!(read(SecurityLevel::AuthPriv, b"printer1"), Ok(()));
        assert_eq!(
            read(SecurityLevel::AuthNoPriv, b"printer1"),
            Err(VacmError::NotInView)
        );
        assert_eq!(
            read(SecurityLevel::AuthPriv, b"other"),
            Err(VacmError::NoSuchContext)
        );
        assert_eq!(
            vacm.is_access_allowed(
                SecurityModel::V2c,
                b"alice",
                SecurityLevel::NoAuthNoPriv,
                b"",
                ViewType::Read,
                &oid("1.3.6.1.2.1.1.1.0"),
            ),
            Err(VacmError::NoGroupName)
        );
        assert_eq!(
            vacm.is_access_allowed(
                SecurityModel::Usm,
                b"alice",
                SecurityLevel::AuthPriv,
                b"",
                ViewType::Write,
                &oid("1.3.6.1.2.1.1.1.0"),
            ),
            Err(VacmError::NoSuchView)
        );
        assert_eq!(
            vacm.add_view_family(b"x", oid("1.3"), &[0; 17], FamilyType::Included),
            Err(VacmError::MaskTooLong(17))
        );
    }
}
