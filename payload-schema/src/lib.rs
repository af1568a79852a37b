//! Typed XML payloads for print-fleet remote services.
//!
//! This crate is the home of Fleetwire's payload schemas (office device, production device,
//! device-management application, site information, actions), their XSDs, and zip packaging.
//! The types arrive with the payload work; until then the crate exports nothing.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
