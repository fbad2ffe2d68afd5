//! Schema migrations for Folio: one migrator per concern's store. A concern's
//! migrations only ever touch its own database, and each migrator keeps its own
//! bookkeeping table so two stores may even share a PostgreSQL database.

pub use sea_orm_migration;

mod auth;
mod media;
mod posts;

pub use auth::AuthMigrator;
pub use media::MediaMigrator;
pub use posts::PostsMigrator;
