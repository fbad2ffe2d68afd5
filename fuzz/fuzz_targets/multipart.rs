//! Fuzzes the upload form's multipart parsing the way the gateway drives it
//! (`gateway/media.rs`, `upload`): `actix_multipart::Multipart::new` over the
//! body, each field's name and filename read, its chunks drained under a size
//! limit, text fields decoded as UTF-8, the first error ending the form. The
//! body is given whole, so every poll can make progress: a parser that answers
//! "pending" without asking to be woken would hang that request for ever on a
//! server, and fails here.
//!
//! Input: the first byte picks the chunk size the body arrives in (0: one
//! chunk), the rest is the body after the headers, whose boundary is `folio-fuzz-boundary`.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use bytes::Bytes;
use futures::TryStreamExt;
use libfuzzer_sys::fuzz_target;

/// The seeds (`fuzz/seeds/multipart`) use this boundary.
const CONTENT_TYPE: &str = "multipart/form-data; boundary=folio-fuzz-boundary";
/// The gateway's limits, smaller: only the counting matters here.
const MAX_FILE_BYTES: usize = 64 * 1024;
const TEXT_FIELD_LIMIT: usize = 8 * 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&chunking, body)) = data.split_first() else {
        return;
    };
    let chunk = if chunking == 0 {
        body.len().max(1)
    } else {
        usize::from(chunking)
    };
    let chunks: Vec<Result<Bytes, actix_web::error::PayloadError>> = body
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    let form = Multipart::new(&headers, futures::stream::iter(chunks));
    let _ = run_to_end(read_form(form));
});

/// What the gateway's upload handler does with the form, without the disk.
async fn read_form(mut form: Multipart) -> Result<(), String> {
    let mut got_file = false;
    while let Some(mut field) = form.try_next().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let _file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                let mut written = 0usize;
                while let Some(chunk) = field.try_next().await.map_err(|e| e.to_string())? {
                    written += chunk.len();
                    if written > MAX_FILE_BYTES {
                        return Err("too large".into());
                    }
                }
                got_file = true;
            }
            "alt" | "caption" | "keep_metadata" => {
                let mut value = Vec::new();
                while let Some(chunk) = field.try_next().await.map_err(|e| e.to_string())? {
                    value.extend_from_slice(&chunk);
                    if value.len() > TEXT_FIELD_LIMIT {
                        return Err("too long".into());
                    }
                }
                String::from_utf8(value).map_err(|e| e.to_string())?;
            }
            _ => while field.try_next().await.map_err(|e| e.to_string())?.is_some() {},
        }
    }
    if got_file {
        Ok(())
    } else {
        Err("no file".into())
    }
}

/// Remembers whether the future asked to be polled again.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `future` to completion. Its input is all there, so "pending" with no
/// wake-up requested means nothing would ever resume it: a hang.
fn run_to_end<F: Future>(future: F) -> F::Output {
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        flag.0.store(false, Ordering::SeqCst);
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending if flag.0.load(Ordering::SeqCst) => continue,
            Poll::Pending => panic!(
                "the multipart parser is pending with the whole body read and no wake-up: \
                 on a server this request would never be answered"
            ),
        }
    }
}
