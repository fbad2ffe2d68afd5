//! The posts store's migrations: posts and pages, tags, revisions, and
//! what keeps listings and counts fast at 100,000 posts; redirects; where
//! imported posts came from; preview links; the site's settings; what made
//! each revision; which drafts wait for review.

pub use sea_orm_migration;
use sea_orm_migration::prelude::*;

mod m20261126_000001_create_posts;
mod m20261126_000002_tags_revisions;
mod m20261201_000003_scale;
mod m20261202_000004_title_search;
mod m20261204_000005_redirects;
mod m20261204_000010_post_sources;
mod m20261205_000011_preview_links;
mod m20261205_000012_site_settings;
mod m20261205_000013_tag_descriptions;
mod m20261205_000014_post_seo;
mod m20261205_000016_revision_kinds;
mod m20261205_000017_post_media;
mod m20261205_000018_review_requests;

pub struct PostsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for PostsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_posts::Migration),
            Box::new(m20261126_000002_tags_revisions::Migration),
            Box::new(m20261201_000003_scale::Migration),
            Box::new(m20261202_000004_title_search::Migration),
            Box::new(m20261204_000005_redirects::Migration),
            Box::new(m20261204_000010_post_sources::Migration),
            Box::new(m20261205_000011_preview_links::Migration),
            Box::new(m20261205_000012_site_settings::Migration),
            Box::new(m20261205_000013_tag_descriptions::Migration),
            Box::new(m20261205_000014_post_seo::Migration),
            Box::new(m20261205_000016_revision_kinds::Migration),
            Box::new(m20261205_000017_post_media::Migration),
            Box::new(m20261205_000018_review_requests::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_posts".into_iden()
    }
}
