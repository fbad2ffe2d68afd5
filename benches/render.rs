//! Rendering the 5 KB fixture article (table, code, images) through the same
//! pipeline the render concern runs: comrak, syntect, ammonia. Prints the
//! median and 99th percentile of 2000 renders. Target: at most 1 ms.
//! "cold" highlights every code block each time (a post nobody rendered
//! before); "warm" finds them in the renderer's code cache (the editor's live
//! preview, a re-save).
//!
//!   cargo bench --bench render

use std::time::{Duration, Instant};

use folio::render::html::media_ids;
use folio::render::markdown::{Renderer, first_paragraph, nesting_depth, to_html};

fn main() {
    // The fixture sits beside the repository; FOLIO_FIXTURE points elsewhere.
    let path = std::env::var("FOLIO_FIXTURE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/article.md").to_owned()
    });
    let path = path.as_str();
    let article = std::fs::read_to_string(path).unwrap_or_else(|_| {
        eprintln!("{path} not found; using a small built-in document");
        "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n".to_owned()
    });
    for (label, renderer) in [
        ("cold", Renderer::with_code_cache(0)),
        ("warm", Renderer::new()),
    ] {
        for _ in 0..200 {
            std::hint::black_box(to_html(&renderer, &article));
        }
        let mut times: Vec<Duration> = (0..2000)
            .map(|_| {
                let started = Instant::now();
                assert!(nesting_depth(&article) < 100);
                let html = to_html(&renderer, &article);
                std::hint::black_box((first_paragraph(&html, 300), media_ids(&html)));
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "render {} bytes of Markdown, {label}: median {:?}, p99 {:?}",
            article.len(),
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}
