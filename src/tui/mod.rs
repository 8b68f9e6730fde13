//! The terminal screen: a ratatui front end over the same event stream the headless front end
//! prints. It never touches a socket: it applies events to its state ([`App`], in parts),
//! draws that state, and turns keys into requests the runtime passes to the network tasks.

pub mod action;
pub mod app;
pub mod attack_screen;
pub mod attacker;
pub mod board;
mod classroom;
pub mod clients;
pub mod compare;
pub mod exercise;
pub mod journey;
mod launch;
pub mod layout;
pub mod lesson;
pub mod runtime;
#[cfg(feature = "test-support")]
pub mod scenario;
pub mod session;
pub mod state;
pub mod svg;
pub mod tabs;
pub mod theme;
pub mod timeline;
pub mod ui;
mod view;

pub use app::App;
pub use launch::Launch;
pub use runtime::{ScreenOptions, run};
pub use state::{Focus, Mode, Tab};
pub use theme::Theme;
