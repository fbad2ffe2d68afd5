//! Fuzzes what an upload goes through in the media pool, `images::process`:
//! type sniffing, the header's size check before decoding, the JPEG end-marker
//! and animation checks, the limited decode with EXIF orientation, and the
//! variants written back. Whatever the bytes, it must answer a refusal or a
//! set of files, never panic or allocate past the limits (run with
//! `-malloc_limit_mb`, see the README).
#![no_main]

use std::sync::LazyLock;

use folio_fuzz::images::{self, Rules};
use libfuzzer_sys::fuzz_target;

/// The server's checks with smaller numbers, so a header that passes them
/// decodes in microseconds and the fuzzer keeps its pace; the memory limit is
/// what a decode must respect whatever the header claims.
static RULES: LazyLock<Rules> = LazyLock::new(|| Rules {
    widths: vec![16, 48],
    max_side: 1024,
    max_megapixels: 1,
    max_alloc: 64 * 1024 * 1024,
    ..Rules::default()
});

fuzz_target!(|data: &[u8]| {
    match images::process(data, &RULES, false) {
        Ok(Ok(processed)) => {
            assert!(
                processed.width <= RULES.max_side && processed.height <= RULES.max_side,
                "a {}×{} picture passed the {} px limit",
                processed.width,
                processed.height,
                RULES.max_side
            );
            for width in &processed.widths {
                let variant = format!("{width}.{}", processed.ext);
                assert!(
                    processed.files.iter().any(|(name, bytes)| *name == variant && !bytes.is_empty()),
                    "variant {variant} was not made"
                );
            }
        }
        // A refusal is the right answer to most bytes.
        Ok(Err(_refusal)) => {}
        Err(io) => panic!("writing the variants failed: {io}"),
    }
});
