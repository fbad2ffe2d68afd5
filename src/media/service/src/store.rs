//! The media store: the only code that reads or writes the media database.

use anyhow::Context;
use folio_media_migrations::MediaMigrator;
use folio_media_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use serde::{Deserialize, Serialize};

use super::domain::{MediumId, Operation};
use super::messages::MediaStats;
use folio_runtime::UserId;
use folio_storage::StoreLocation;

mod medium {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "media")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub owner_id: Uuid,
        pub file_name: String,
        pub content_type: String,
        pub byte_size: i64,
        pub width: i32,
        pub height: i32,
        pub content_hash: String,
        pub alt: String,
        pub caption: String,
        pub created_at: ChronoDateTimeUtc,
        pub version: i32,
        pub ext: String,
        /// Variant widths, as a JSON array.
        pub widths: String,
        pub animated: bool,
        /// The edits that made the current version, as JSON.
        pub operations: String,
        /// Earlier versions, oldest first, as JSON.
        pub history: String,
        pub last_version: i32,
        pub original_ext: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A medium as the concern works with it.
#[derive(Clone, Debug)]
pub struct MediumRecord {
    pub id: MediumId,
    pub owner: UserId,
    pub file_name: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: u32,
    pub height: u32,
    pub content_hash: String,
    pub alt: String,
    pub caption: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub ext: String,
    pub widths: Vec<u32>,
    pub animated: bool,
    /// Extension of the current version's `original.*` file.
    pub original_ext: String,
    /// The edits, applied to the first version's original, that made this version.
    pub operations: Vec<Operation>,
    /// Earlier versions, oldest first: what an undo goes back to.
    pub history: Vec<Version>,
    /// The highest version number ever used, so a number is never reused.
    pub last_version: i32,
}

/// What one version of a medium is: its files and the edits that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub version: i32,
    pub width: u32,
    pub height: u32,
    pub byte_size: i64,
    pub ext: String,
    pub original_ext: String,
    pub widths: Vec<u32>,
    pub operations: Vec<Operation>,
}

impl MediumRecord {
    pub fn current(&self) -> Version {
        Version {
            version: self.version,
            width: self.width,
            height: self.height,
            byte_size: self.byte_size,
            ext: self.ext.clone(),
            original_ext: self.original_ext.clone(),
            widths: self.widths.clone(),
            operations: self.operations.clone(),
        }
    }

    /// Makes `version` the current one (the caller keeps history in order).
    pub fn switch_to(&mut self, version: Version) {
        self.version = version.version;
        self.width = version.width;
        self.height = version.height;
        self.byte_size = version.byte_size;
        self.ext = version.ext;
        self.original_ext = version.original_ext;
        self.widths = version.widths;
        self.operations = version.operations;
        self.last_version = self.last_version.max(self.version);
    }

    /// The first version: every edit starts again from its original.
    pub fn first(&self) -> Version {
        self.history
            .first()
            .cloned()
            .unwrap_or_else(|| self.current())
    }
}

impl From<medium::Model> for MediumRecord {
    fn from(model: medium::Model) -> Self {
        let original_ext = if !model.original_ext.is_empty() {
            model.original_ext
        } else if model.animated && model.content_type == "image/gif" {
            "gif".to_owned()
        } else if model.animated && model.content_type == "image/webp" {
            "webp".to_owned()
        } else {
            model.ext.clone()
        };
        Self {
            id: MediumId::from_uuid(model.id),
            owner: UserId::from_uuid(model.owner_id),
            file_name: model.file_name,
            content_type: model.content_type,
            byte_size: model.byte_size,
            width: u32::try_from(model.width).unwrap_or(0),
            height: u32::try_from(model.height).unwrap_or(0),
            content_hash: model.content_hash,
            alt: model.alt,
            caption: model.caption,
            created_at: model.created_at,
            version: model.version,
            ext: model.ext,
            widths: serde_json::from_str(&model.widths).unwrap_or_default(),
            original_ext,
            animated: model.animated,
            operations: serde_json::from_str(&model.operations).unwrap_or_default(),
            history: serde_json::from_str(&model.history).unwrap_or_default(),
            last_version: model.last_version.max(model.version),
        }
    }
}

/// What [`MediaStore::insert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Stored,
    /// The owner has a medium with these bytes already; nothing was stored.
    Duplicate,
}

#[derive(Clone)]
pub struct MediaStore {
    db: DatabaseConnection,
}

impl MediaStore {
    /// Connects and applies pending migrations.
    pub async fn open(location: &StoreLocation) -> anyhow::Result<Self> {
        let db = folio_storage::connect(location)
            .await
            .context("media store")?;
        folio_storage::with_migration_lock(&db, "media", || MediaMigrator::up(&db, None))
            .await
            .context("migrating the media store")?;
        Ok(Self { db })
    }

    pub async fn stats(&self) -> anyhow::Result<MediaStats> {
        let media = medium::Entity::find()
            .count(&self.db)
            .await
            .context("counting media")?;
        Ok(MediaStats { media })
    }

    async fn models(&self, ids: &[MediumId]) -> anyhow::Result<Vec<medium::Model>> {
        medium::Entity::find()
            .filter(medium::Column::Id.is_in(ids.iter().map(|id| id.as_uuid())))
            .all(&self.db)
            .await
            .context("reading media")
    }

    /// The stored media among `ids`.
    pub async fn records(&self, ids: &[MediumId]) -> anyhow::Result<Vec<MediumRecord>> {
        Ok(self
            .models(ids)
            .await?
            .into_iter()
            .map(MediumRecord::from)
            .collect())
    }

    pub async fn get(&self, id: MediumId) -> anyhow::Result<Option<MediumRecord>> {
        Ok(self.records(&[id]).await?.pop())
    }

    /// A medium this owner uploaded before with the same bytes.
    pub async fn by_hash(&self, owner: UserId, hash: &str) -> anyhow::Result<Option<MediumRecord>> {
        let model = medium::Entity::find()
            .filter(medium::Column::OwnerId.eq(owner.as_uuid()))
            .filter(medium::Column::ContentHash.eq(hash))
            .one(&self.db)
            .await
            .context("reading media by hash")?;
        Ok(model.map(MediumRecord::from))
    }

    /// Stores a new medium, unless its owner already has one with the same
    /// content: the unique index on (owner, hash) decides, so two uploads of
    /// the same file at once store one medium, however many replicas run.
    pub async fn insert(&self, record: &MediumRecord) -> anyhow::Result<Inserted> {
        match active(record).insert(&self.db).await {
            Ok(_) => Ok(Inserted::Stored),
            Err(error)
                if matches!(
                    error.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Ok(Inserted::Duplicate)
            }
            Err(error) => Err(error).context("storing a medium"),
        }
    }

    /// Stores `record`'s version fields if the medium is still at version
    /// `expected`; false when another edit got there first.
    pub async fn replace_version(
        &self,
        record: &MediumRecord,
        expected: i32,
    ) -> anyhow::Result<bool> {
        let mut changes = active(record);
        // The rest of the row (text, owner, created) is not the edit's to write.
        for column in [
            medium::Column::Id,
            medium::Column::OwnerId,
            medium::Column::FileName,
            medium::Column::ContentType,
            medium::Column::ContentHash,
            medium::Column::Alt,
            medium::Column::Caption,
            medium::Column::CreatedAt,
        ] {
            changes.not_set(column);
        }
        let result = medium::Entity::update_many()
            .set(changes)
            .filter(medium::Column::Id.eq(record.id.as_uuid()))
            .filter(medium::Column::Version.eq(expected))
            .exec(&self.db)
            .await
            .context("storing a new version of a medium")?;
        Ok(result.rows_affected == 1)
    }

    pub async fn update_text(&self, id: MediumId, alt: &str, caption: &str) -> anyhow::Result<()> {
        medium::ActiveModel {
            id: Set(id.as_uuid()),
            alt: Set(alt.to_owned()),
            caption: Set(caption.to_owned()),
            ..Default::default()
        }
        .update(&self.db)
        .await
        .context("updating a medium")?;
        Ok(())
    }

    pub async fn delete(&self, id: MediumId) -> anyhow::Result<()> {
        medium::Entity::delete_by_id(id.as_uuid())
            .exec(&self.db)
            .await
            .context("deleting a medium")?;
        Ok(())
    }

    /// A page of media, newest first, optionally one owner's.
    pub async fn list(
        &self,
        owner: Option<UserId>,
        page: u32,
        per_page: u32,
    ) -> anyhow::Result<(Vec<MediumRecord>, u64)> {
        let mut query = medium::Entity::find();
        if let Some(owner) = owner {
            query = query.filter(medium::Column::OwnerId.eq(owner.as_uuid()));
        }
        let total = query
            .clone()
            .count(&self.db)
            .await
            .context("counting media")?;
        let models = query
            .order_by_desc(medium::Column::CreatedAt)
            .offset(u64::from(page.saturating_sub(1)) * u64::from(per_page))
            .limit(u64::from(per_page))
            .all(&self.db)
            .await
            .context("listing media")?;
        Ok((models.into_iter().map(MediumRecord::from).collect(), total))
    }

    /// Every medium, oldest first: what a backup copies the files of.
    pub async fn all(&self) -> anyhow::Result<Vec<MediumRecord>> {
        all_in(&self.db).await
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.db.close().await.context("closing the media store")
    }
}

/// Every medium `db` holds, oldest first. `db` may be a transaction a
/// backup holds open on the media database, so the records are read in the
/// same snapshot as its dump.
pub(crate) async fn all_in(db: &impl ConnectionTrait) -> anyhow::Result<Vec<MediumRecord>> {
    let models = medium::Entity::find()
        .order_by_asc(medium::Column::CreatedAt)
        .all(db)
        .await
        .context("reading every medium")?;
    Ok(models.into_iter().map(MediumRecord::from).collect())
}

fn active(record: &MediumRecord) -> medium::ActiveModel {
    medium::ActiveModel {
        id: Set(record.id.as_uuid()),
        owner_id: Set(record.owner.as_uuid()),
        file_name: Set(record.file_name.clone()),
        content_type: Set(record.content_type.clone()),
        byte_size: Set(record.byte_size),
        width: Set(i32::try_from(record.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(record.height).unwrap_or(i32::MAX)),
        content_hash: Set(record.content_hash.clone()),
        alt: Set(record.alt.clone()),
        caption: Set(record.caption.clone()),
        created_at: Set(record.created_at),
        version: Set(record.version),
        ext: Set(record.ext.clone()),
        widths: Set(serde_json::to_string(&record.widths).unwrap_or_default()),
        animated: Set(record.animated),
        operations: Set(serde_json::to_string(&record.operations).unwrap_or_default()),
        history: Set(serde_json::to_string(&record.history).unwrap_or_default()),
        last_version: Set(record.last_version),
        original_ext: Set(record.original_ext.clone()),
    }
}
