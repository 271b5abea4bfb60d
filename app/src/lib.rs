//! fieldcase terminal app: the officers' roadside-check tool.
//!
//! [`core::Terminal`] is the device key and store; the controllers —
//! [`check`] (drafting a check), [`cases`] (open, close, correct, archive),
//! [`evidence`], [`service`] (serving documents, payment), [`officers`], [`overview`], [`sync`] and the settings in
//! [`core`] — are what every front end uses: the Slint window ([`ui`], glue
//! only), the CLI ([`cli`]), the demo seeder ([`demo`]) and the benches.
#![deny(unsafe_code)]

pub mod background;
pub mod cases;
pub mod check;
pub mod cli;
pub mod core;
pub mod demo;
pub mod evidence;
pub mod gps;
pub mod logging;
pub mod officers;
pub mod overview;
pub mod papers;
pub mod printer;
pub mod screenshots;
pub mod service;
pub mod store;
pub mod sync;
#[cfg(test)]
mod testkit;
pub mod ui;
pub mod writings;

pub use fieldcase_shared::casebag::human_size;
