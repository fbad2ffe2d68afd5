//! Ids that say what they name. A `PostId` cannot be handed where a `UserId`
//! is wanted, yet on the wire each is exactly the UUID string it always was.
//! [`id_newtype!`] makes one; [`UserId`] lives here because every concern
//! checks ownership against the [`Principal`](crate::Principal) that carries it.

/// A newtype over a UUID with a private field:
///
/// - serialised as the bare UUID (what `#[serde(transparent)]` would give), so
///   the JSON and the bytes on the wire are unchanged;
/// - `Display` and `FromStr`/`parse` as a UUID's, for logs, messages and path
///   segments (`parse` fails on anything that is not a UUID, and the caller
///   chooses the answer: the gateway keeps its 404s and 400s);
/// - `from_uuid`/`as_uuid`, for stores converting at their database boundary;
/// - an OpenAPI schema that is a string of format `uuid`. Fields of a derived
///   schema mark it `#[schema(inline)]` so they read `{"type": "string",
///   "format": "uuid"}` as before, rather than a reference to a component.
///
/// ```ignore
/// folio_seam::id_newtype! {
///     /// A post or page, for as long as it exists.
///     pub struct PostId;
/// }
/// ```
#[macro_export]
macro_rules! id_newtype {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis struct $name($crate::__uuid::Uuid);

        impl $name {
            pub const fn from_uuid(id: $crate::__uuid::Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(self) -> $crate::__uuid::Uuid {
                self.0
            }

            /// The id in `raw`, a UUID in any of its usual spellings.
            pub fn parse(raw: &str) -> ::std::result::Result<Self, $crate::__uuid::Error> {
                $crate::__uuid::Uuid::parse_str(raw).map(Self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::__uuid::Error;

            fn from_str(raw: &str) -> ::std::result::Result<Self, Self::Err> {
                Self::parse(raw)
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::__serde::Serialize::serialize(&self.0, serializer)
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <$crate::__uuid::Uuid as $crate::__serde::Deserialize<'de>>::deserialize(
                    deserializer,
                )
                .map(Self)
            }
        }

        impl $crate::__utoipa::PartialSchema for $name {
            fn schema() -> $crate::__utoipa::openapi::RefOr<$crate::__utoipa::openapi::schema::Schema> {
                $crate::__utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type($crate::__utoipa::openapi::schema::Type::String)
                    .format(Some($crate::__utoipa::openapi::schema::SchemaFormat::KnownFormat(
                        $crate::__utoipa::openapi::schema::KnownFormat::Uuid,
                    )))
                    .into()
            }
        }

        impl $crate::__utoipa::ToSchema for $name {}
    };
}

id_newtype! {
    /// A person with an account: who writes posts and owns media.
    pub struct UserId;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::UserId;
    use uuid::Uuid;

    #[test]
    fn an_id_is_the_bare_uuid_string_on_the_wire() {
        let uuid = Uuid::new_v4();
        let id = UserId::from_uuid(uuid);
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            serde_json::to_string(&uuid).unwrap()
        );
        let back: UserId = serde_json::from_str(&format!("\"{uuid}\"")).unwrap();
        assert_eq!(back, id);
        assert_eq!(back.as_uuid(), uuid);
    }

    #[test]
    fn an_id_reads_and_parses_as_its_uuid() {
        let uuid = Uuid::new_v4();
        let id: UserId = uuid.to_string().parse().unwrap();
        assert_eq!(id.to_string(), uuid.to_string());
        assert!(UserId::parse("not-a-uuid").is_err());
        assert!(serde_json::from_str::<UserId>("\"not-a-uuid\"").is_err());
    }

    #[test]
    fn an_ids_schema_is_a_uuid_string() {
        let schema = serde_json::to_value(<UserId as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["format"], "uuid");
    }
}
