//! The one shape of a parsed string: a newtype whose only way in is its
//! `parse`, on the wire too (serde goes through it), so a value that exists
//! is valid wherever it travels.

/// Declares a string newtype around a private `String`: Clone, Eq, Hash, an
/// OpenAPI schema, serde through the type's own `parse(&str) -> Result<Self,
/// String>` (which the caller writes beside it), `as_str`, and the two
/// conversions serde uses. `redacted` keeps the value out of Debug output.
/// The using crate depends on `serde` and `utoipa` itself: the derives it
/// expands to name them (serde's derive cannot be pointed elsewhere from here).
///
/// ```ignore
/// folio_seam::string_newtype! {
///     /// A post title: 1 to 300 characters, trimmed.
///     pub struct Title;
/// }
/// impl Title { pub fn parse(raw: &str) -> Result<Self, String> { … } }
/// ```
#[macro_export]
macro_rules! string_newtype {
    ($(#[$meta:meta])* pub struct $name:ident;) => {
        $crate::string_newtype!(@define $(#[$meta])* $name);
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }
    };
    ($(#[$meta:meta])* redacted pub struct $name:ident;) => {
        $crate::string_newtype!(@define $(#[$meta])* $name);
        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(…)"))
            }
        }
    };
    (@define $(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Clone, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}
