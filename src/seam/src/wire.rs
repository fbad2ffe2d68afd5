//! Serde helpers for values that cross the wire.

use serde::{Deserialize, Deserializer};

/// Reads a field that is there, even as `null`, as `Some`: plain serde reads
/// a `null` `Option<Option<T>>` as `None`, which would turn "remove it" into
/// "leave it" on its way through the wire. Use it with `default` and
/// `skip_serializing_if = "Option::is_none"`, so an absent field stays
/// absent and the three states (leave, remove, set) survive a round trip.
pub fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
