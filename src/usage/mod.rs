//! The usage log and the KPIs offices report (申請書等出力件数, 利用件数, 利用率, 記入項目の削減,
//! 作成時間, 満足度 …).
//!
//! - [`record`]: what is recorded — typed so that nothing personal can be passed in.
//! - [`store`]: SQLite (WAL, one writer, migrations); [`recorder`]: recording that fails softly.
//! - [`aggregate`]: counts by day / week / month / 年度 × form × terminal × mode.
//! - [`export`]: CSV for Excel, JSON, merging terminals; [`report`]: the printable A4 report;
//!   [`seed`]: realistic synthetic history.
//! - [`central`]: shipping to the city's PostgreSQL from an outbox, and the fleet's KPI table.

pub mod aggregate;
pub mod central;
pub mod export;
pub mod record;
pub mod recorder;
pub mod report;
pub mod seed;
pub mod store;

pub use record::SessionRecord;
pub use recorder::{Health, Recorder};
pub use store::{Store, StoreError};
