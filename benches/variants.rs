//! Generating every JPEG variant (the five default widths) of a 12-megapixel
//! photo on one core: decode once, orient, resize in a cascade with
//! fast_image_resize, encode. Run it beside vipsthumbnail and ImageMagick with
//! benches/media-load.sh. Also prints the full pipeline (plus WebP variants and
//! the re-encoded original), which is what an upload costs. Files are made in
//! memory; writing them to the blob store is not timed here.
//!
//!   FOLIO_PHOTO=/tmp/photo.jpg cargo bench --bench variants
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use folio::media::images::{Rules, process};

fn time(bytes: &[u8], rules: &Rules, runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let processed = process(bytes, rules, false)
                .expect("io")
                .expect("an accepted photo");
            std::hint::black_box(processed);
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let path = std::env::var("FOLIO_PHOTO").unwrap_or_else(|_| "/tmp/photo.jpg".to_owned());
    let bytes = std::fs::read(&path).unwrap_or_else(|_| {
        panic!("{path} is missing: make it with ../shared/fixtures/make-photo.sh {path}")
    });
    let jpeg_only = Rules {
        webp_and_original: false,
        ..Rules::default()
    };
    println!("{path}: {} bytes", bytes.len());
    println!(
        "JPEG variants (5 widths), median of 7: {:?}",
        time(&bytes, &jpeg_only, 7)
    );
    // What readers download: the JPEG variants' sizes.
    let processed = process(&bytes, &jpeg_only, false)
        .expect("io")
        .expect("an accepted photo");
    let sizes: Vec<String> = processed
        .widths
        .iter()
        .map(|w| {
            let name = format!("{w}.jpg");
            let size = processed
                .files
                .iter()
                .find(|(file, _)| *file == name)
                .map_or(0, |(_, bytes)| bytes.len());
            format!("{w}px {} KB", size / 1024)
        })
        .collect();
    println!("JPEG variant sizes: {}", sizes.join(", "));
    println!(
        "full upload pipeline (JPEG + WebP variants + original), median of 3: {:?}",
        time(&bytes, &Rules::default(), 3)
    );
}
