//! fieldcase terminal app: the officers' roadside-check tool.
//!
//! [`core::Terminal`] is the controller every front end uses (Slint UI, CLI,
//! demo seeder); [`store`] is the SQLite log and blob store; [`sync`] the
//! client that pushes records to the sync server.
#![deny(unsafe_code)]

pub mod admin;
pub mod archive;
pub mod background;
pub mod casework;
pub mod check;
pub mod cli;
pub mod core;
pub mod demo;
pub mod gps;
pub mod screenshots;
pub mod store;
pub mod sync;
pub mod ui;
