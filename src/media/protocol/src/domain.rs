//! The media concern's vocabulary: the id of a medium, and edits as operations
//! parsed at the edge, so the pixels code only ever sees a quarter turn, an
//! axis or a non-empty rectangle.

use serde::{Deserialize, Serialize};

folio_seam::id_newtype! {
    /// An uploaded medium, across all its versions.
    pub struct MediumId;
}

/// Edits in one request; more is a script, not an edit.
pub const MAX_OPERATIONS: usize = 20;

/// One change to a picture. In JSON: `{"rotate": 90}`, `{"flip": "horizontal"}`,
/// `{"crop": {"x": 0, "y": 0, "width": 100, "height": 80}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Clockwise, in degrees: 90, 180 or 270.
    Rotate(QuarterTurns),
    Flip(Axis),
    /// A rectangle of the picture as it is at this step, in pixels.
    Crop(Rect),
}

/// A clockwise rotation by a multiple of 90°; anything else does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "i32", into = "i32")]
#[schema(value_type = i32, example = 90)]
pub struct QuarterTurns(u8);

impl QuarterTurns {
    pub fn count(self) -> u8 {
        self.0
    }
}

impl TryFrom<i32> for QuarterTurns {
    type Error = String;

    fn try_from(degrees: i32) -> Result<Self, String> {
        match degrees.rem_euclid(360) {
            90 => Ok(Self(1)),
            180 => Ok(Self(2)),
            270 => Ok(Self(3)),
            _ => Err(format!(
                "rotate takes 90, 180 or 270 degrees, not {degrees}"
            )),
        }
    }
}

impl From<QuarterTurns> for i32 {
    fn from(turns: QuarterTurns) -> i32 {
        i32::from(turns.0) * 90
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// Mirror left to right.
    Horizontal,
    /// Mirror top to bottom.
    Vertical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    /// Whether the rectangle is non-empty and lies inside a `width`×`height` picture.
    pub fn fits(&self, width: u32, height: u32) -> bool {
        self.width > 0
            && self.height > 0
            && u64::from(self.x) + u64::from(self.width) <= u64::from(width)
            && u64::from(self.y) + u64::from(self.height) <= u64::from(height)
    }
}

/// What an edit does to the size: checks a list of operations against the
/// picture they start from, before any pixel is touched.
pub fn size_after(
    operations: &[Operation],
    mut width: u32,
    mut height: u32,
) -> Result<(u32, u32), String> {
    for (step, operation) in operations.iter().enumerate() {
        match operation {
            Operation::Rotate(turns) if turns.count() % 2 == 1 => {
                std::mem::swap(&mut width, &mut height);
            }
            Operation::Rotate(_) | Operation::Flip(_) => {}
            Operation::Crop(rect) => {
                if !rect.fits(width, height) {
                    return Err(format!(
                        "operation {}: the crop {}×{} at ({}, {}) does not fit inside the {width}×{height} picture",
                        step + 1,
                        rect.width,
                        rect.height,
                        rect.x,
                        rect.y
                    ));
                }
                (width, height) = (rect.width, rect.height);
            }
        }
    }
    Ok((width, height))
}
