//! Image processing for uploads, pure and synchronous (it runs in the media
//! pool): sniff the type from the bytes, check the size from the header before
//! decoding, decode under a memory limit, apply the EXIF orientation, and write
//! the responsive variants re-encoded without metadata.

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::domain::{self, Axis, Operation};

/// What a processed upload became.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The upload's type, from its bytes.
    pub content_type: &'static str,
    /// Extension of the stored original (animated images keep theirs).
    pub original_ext: &'static str,
    /// Extension of the variants in the original's family: `jpg` or `png`.
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
    pub widths: Vec<u32>,
    pub byte_size: u64,
    pub animated: bool,
    /// The files made, by name (`original.jpg`, `640.webp`, …): in memory, so
    /// media puts them wherever its blob store keeps them.
    pub files: Vec<(String, Vec<u8>)>,
    /// The name the upload itself is kept under, byte for byte (animated, or
    /// metadata kept): not in `files`, since media already has it as a blob
    /// and moves it there rather than holding a second copy.
    pub upload_kept_as: Option<String>,
}

/// Why an upload was refused; each one is the uploader's to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the file is empty")]
    Empty,
    #[error("this is not a JPEG, PNG, WebP or GIF image")]
    UnsupportedType,
    #[error(
        "the image is {width}×{height}; the limit is {max_side}×{max_side} and {max_megapixels} megapixels"
    )]
    TooBig {
        width: u32,
        height: u32,
        max_side: u32,
        max_megapixels: u32,
    },
    #[error("the image is damaged or incomplete, so it could not be read ({0})")]
    Corrupt(String),
    #[error("the image would take more memory to decode than this server allows")]
    OverMemoryLimit,
    #[error("{0}")]
    Edit(String),
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub widths: Vec<u32>,
    pub max_side: u32,
    pub max_megapixels: u32,
    /// Bytes the decoder may allocate.
    pub max_alloc: u64,
    pub jpeg_quality: u8,
    pub webp_quality: f32,
    /// Also write WebP variants and the re-encoded original (off only to time
    /// the JPEG variants alone, as the benchmark does).
    pub webp_and_original: bool,
    /// The largest upload media reads into memory: the gateway refuses larger
    /// ones while streaming, and media holds to it too, whoever staged the blob.
    pub max_upload_bytes: u64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            widths: vec![320, 640, 1024, 1600, 2048],
            max_side: 10_000,
            max_megapixels: 40,
            max_alloc: 512 * 1024 * 1024,
            jpeg_quality: 82,
            webp_quality: 78.0,
            webp_and_original: true,
            max_upload_bytes: 40_000_000,
        }
    }
}

fn corrupt(error: image::ImageError) -> Refusal {
    match error {
        image::ImageError::Limits(_) => Refusal::OverMemoryLimit,
        // The decoder's words stay as a detail for whoever reports it; they
        // can end in a newline.
        other => Refusal::Corrupt(other.to_string().trim().to_owned()),
    }
}

/// A decoded upload: upright, in one 8-bit layout, with what was learnt on the way.
struct Decoded {
    image: DynamicImage,
    transparent: bool,
    animated: bool,
    content_type: &'static str,
    /// The extension of the uploaded format.
    source_ext: &'static str,
}

/// Sniffs, checks and decodes `bytes`, applying the EXIF orientation.
fn decode(bytes: &[u8], rules: &Rules) -> Result<Decoded, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    let format = match image::guess_format(bytes) {
        Ok(
            format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif),
        ) => format,
        _ => return Err(Refusal::UnsupportedType),
    };
    // The header alone says how big the picture is: refuse before decoding a bomb.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(corrupt)?;
    let megapixels = u64::from(width) * u64::from(height);
    if width > rules.max_side
        || height > rules.max_side
        || megapixels > u64::from(rules.max_megapixels) * 1_000_000
    {
        return Err(Refusal::TooBig {
            width,
            height,
            max_side: rules.max_side,
            max_megapixels: rules.max_megapixels,
        });
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The decoder would fill the missing part with grey and call it a picture.
        return Err(Refusal::Corrupt("the JPEG has no end marker".into()));
    }
    let animated = is_animated(bytes, format, rules)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits(rules));
    let image = (|| {
        let mut decoder = reader.into_decoder()?;
        let orientation = decoder.orientation()?;
        let mut image = DynamicImage::from_decoder(decoder)?;
        image.apply_orientation(orientation);
        Ok::<_, image::ImageError>(image)
    })()
    .map_err(corrupt)?;
    let transparent = image.color().has_alpha() && format != ImageFormat::Jpeg;
    // One 8-bit layout for everything below: what the encoders and the SIMD resizer take.
    let image = if transparent {
        DynamicImage::ImageRgba8(image.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.into_rgb8())
    };
    let (content_type, source_ext) = match format {
        ImageFormat::Png => ("image/png", "png"),
        ImageFormat::Gif => ("image/gif", "gif"),
        ImageFormat::WebP => ("image/webp", "webp"),
        _ => ("image/jpeg", "jpg"),
    };
    Ok(Decoded {
        image,
        transparent,
        animated,
        content_type,
        source_ext,
    })
}

/// Processes an upload's `bytes` into `original.*` and every variant
/// `{width}.{ext}` and `{width}.webp` (in [`Processed::files`]).
pub fn process(
    bytes: &[u8],
    rules: &Rules,
    keep_metadata: bool,
) -> Result<Result<Processed, Refusal>, std::io::Error> {
    let decoded = match decode(bytes, rules) {
        Ok(decoded) => decoded,
        Err(refusal) => return Ok(Err(refusal)),
    };
    // Animated images keep their frames; an owner may ask to keep EXIF and the
    // rest on the original (never on the variants).
    let as_uploaded = decoded.animated || keep_metadata;
    let written = write_set(decoded, as_uploaded, rules)?;
    Ok(Ok(Processed {
        byte_size: bytes.len() as u64,
        ..written
    }))
}

/// Applies `operations` to the picture in `bytes` (a stored original) and
/// makes the edited picture's set, as [`process`] does.
pub fn edit(
    bytes: &[u8],
    operations: &[Operation],
    rules: &Rules,
) -> Result<Result<Processed, Refusal>, std::io::Error> {
    let mut decoded = match decode(bytes, rules) {
        Ok(decoded) => decoded,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Err(refusal) =
        domain::size_after(operations, decoded.image.width(), decoded.image.height())
    {
        return Ok(Err(Refusal::Edit(refusal)));
    }
    let mut image = std::mem::replace(&mut decoded.image, DynamicImage::new_rgb8(1, 1));
    for operation in operations {
        image = match *operation {
            Operation::Rotate(turns) => match turns.count() {
                1 => image.rotate90(),
                2 => image.rotate180(),
                _ => image.rotate270(),
            },
            Operation::Flip(Axis::Horizontal) => image.fliph(),
            Operation::Flip(Axis::Vertical) => image.flipv(),
            Operation::Crop(rect) => image.crop_imm(rect.x, rect.y, rect.width, rect.height),
        };
    }
    decoded.image = image;
    decoded.animated = false;
    let written = write_set(decoded, false, rules)?;
    Ok(Ok(written))
}

/// Makes the original (re-encoded, or the upload as it is: `as_uploaded`) and every
/// variant of `decoded`.
fn write_set(
    decoded: Decoded,
    as_uploaded: bool,
    rules: &Rules,
) -> Result<Processed, std::io::Error> {
    let Decoded {
        image,
        transparent,
        animated,
        content_type,
        source_ext,
    } = decoded;
    let (width, height) = (image.width(), image.height());
    let ext = if transparent { "png" } else { "jpg" };
    let original_ext = if as_uploaded { source_ext } else { ext };

    // Never upscale; a picture narrower than the smallest width gets one variant at its own width.
    let mut widths: Vec<u32> = rules
        .widths
        .iter()
        .copied()
        .filter(|w| *w < width)
        .collect();
    if widths.is_empty() || width < rules.widths.iter().copied().max().unwrap_or(0) {
        widths.push(width);
    }
    widths.sort_unstable();
    widths.dedup();

    // Served files are re-encoded, which drops EXIF (GPS included), XMP and
    // comments — and anything appended after the image data.
    let (mut files, mut upload_kept_as) = (Vec::new(), None);
    let original = format!("original.{original_ext}");
    if !rules.webp_and_original {
    } else if as_uploaded {
        upload_kept_as = Some(original);
    } else {
        files.push((original, encode(&image, transparent, rules)?));
    }
    // Resizing from the previous (larger) variant saves work on each smaller
    // one; fast_image_resize's SIMD Lanczos3 is an order of magnitude faster
    // than `image`'s.
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    // Moved, not cloned: a 12 MP picture is 36 MB, and eight uploads may be in flight.
    let mut source = image;
    for &w in widths.iter().rev() {
        let h = ((u64::from(height) * u64::from(w)) / u64::from(width)).max(1) as u32;
        let variant = if w == source.width() {
            source
        } else {
            let mut resized = DynamicImage::new(w, h, source.color());
            resizer
                .resize(&source, &mut resized, &options)
                .map_err(std::io::Error::other)?;
            resized
        };
        files.push((format!("{w}.{ext}"), encode(&variant, transparent, rules)?));
        if !rules.webp_and_original {
            source = variant;
            continue;
        }
        // Lossy WebP through libwebp: `image`'s own encoder is lossless only.
        let webp = match &variant {
            DynamicImage::ImageRgb8(rgb) => webp::Encoder::from_rgb(rgb.as_raw(), w, h)
                .encode(rules.webp_quality)
                .to_vec(),
            other => {
                let rgba = other.to_rgba8();
                webp::Encoder::from_rgba(rgba.as_raw(), w, h)
                    .encode(rules.webp_quality)
                    .to_vec()
            }
        };
        files.push((format!("{w}.webp"), webp));
        source = variant;
    }
    let byte_size = files
        .iter()
        .find(|(name, _)| name.starts_with("original."))
        .map_or(0, |(_, bytes)| bytes.len() as u64);
    Ok(Processed {
        content_type,
        original_ext,
        ext,
        width,
        height,
        widths,
        byte_size,
        animated,
        files,
        upload_kept_as,
    })
}

fn encode(image: &DynamicImage, transparent: bool, rules: &Rules) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let result = if transparent {
        image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
    } else {
        let converted;
        let rgb = match image.as_rgb8() {
            Some(rgb) => rgb,
            None => {
                converted = image.to_rgb8();
                &converted
            }
        };
        let (Ok(width), Ok(height)) = (u16::try_from(rgb.width()), u16::try_from(rgb.height()))
        else {
            return Err(std::io::Error::other(
                "a JPEG is at most 65535 pixels a side",
            ));
        };
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, rules.jpeg_quality);
        // Half-resolution colour, as libjpeg does below q90: the eye hardly sees it, readers
        // download ~22 % less. Optimised Huffman tables would save 1 % more for twice the
        // memory (eight 12 MP uploads: 695 MB peak instead of 277 MB), so they stay off.
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        encoder.set_optimized_huffman_tables(false);
        encoder
            .encode(rgb.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
            .map_err(|e| image::ImageError::IoError(std::io::Error::other(e.to_string())))
    };
    result.map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(out)
}

/// A JPEG ends its image data with an EOI marker (FF D9) after the first
/// start-of-scan (FF DA); an earlier FF D9 could be an EXIF thumbnail's. Bytes
/// after the EOI (a polyglot's tail) are allowed: re-encoding drops them.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(scan) = bytes.windows(2).position(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    bytes[scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

/// The one set of decoder limits: every decode path (the animation check, the
/// frames, the picture itself with its EXIF) gets these, never the decoders'
/// defaults, which for some paths are no limit at all.
fn limits(rules: &Rules) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(rules.max_side);
    limits.max_image_height = Some(rules.max_side);
    limits.max_alloc = Some(rules.max_alloc);
    limits
}

/// Whether the image has more than one frame. A GIF's frames are checked
/// from their descriptors without decoding a pixel: each must lie inside the
/// logical screen (which the header check already bounded), since decoders
/// allocate a frame by its own size — a 35-byte GIF whose 10×10 screen holds
/// a 30000×30000 frame used to cost ~900 MB here.
fn is_animated(bytes: &[u8], format: ImageFormat, rules: &Rules) -> Result<bool, Refusal> {
    match format {
        ImageFormat::Gif => gif_frames(bytes, rules).map(|frames| frames > 1),
        ImageFormat::WebP => {
            let mut decoder =
                image::codecs::webp::WebPDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            decoder.set_limits(limits(rules)).map_err(corrupt)?;
            Ok(decoder.has_animation())
        }
        _ => Ok(false),
    }
}

/// How many frames a GIF has, refusing one with a frame outside its logical
/// screen or over the side limit. Frame data is skipped, not decoded.
fn gif_frames(bytes: &[u8], rules: &Rules) -> Result<usize, Refusal> {
    let gif_error = |e: gif::DecodingError| Refusal::Corrupt(e.to_string().trim().to_owned());
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    options.set_memory_limit(gif::MemoryLimit::Bytes(
        std::num::NonZeroU64::new(rules.max_alloc.max(1)).unwrap_or(std::num::NonZeroU64::MIN),
    ));
    let mut decoder = options.read_info(Cursor::new(bytes)).map_err(gif_error)?;
    let (screen_width, screen_height) = (u32::from(decoder.width()), u32::from(decoder.height()));
    let mut frames = 0;
    loop {
        let frame = match decoder.next_frame_info() {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            // A damaged tail after a whole first frame is left to the decoder
            // (browsers show what they can read), as before this check.
            Err(_) if frames > 0 => break,
            Err(error) => return Err(gif_error(error)),
        };
        let (left, top) = (u32::from(frame.left), u32::from(frame.top));
        let (width, height) = (u32::from(frame.width), u32::from(frame.height));
        if width > rules.max_side || height > rules.max_side {
            return Err(Refusal::TooBig {
                width,
                height,
                max_side: rules.max_side,
                max_megapixels: rules.max_megapixels,
            });
        }
        if left + width > screen_width || top + height > screen_height {
            return Err(Refusal::Corrupt(format!(
                "frame {} is {width}×{height} at ({left}, {top}), outside the {screen_width}×{screen_height} picture",
                frames + 1
            )));
        }
        frames += 1;
    }
    Ok(frames)
}
