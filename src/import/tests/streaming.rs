//! A large export is read entry by entry from a `BufRead`, never whole.

#![allow(clippy::unwrap_used)]

use std::cell::Cell;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::rc::Rc;

use folio_import::wordpress::{Entry, WxrReader};
use folio_import::{Limits, NoMedia};

const ITEMS: u64 = 20_000;

/// Counts the bytes taken from the file, so the test can see how far the
/// reader had to read to answer.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

fn write_export(file: &File) {
    let mut out = BufWriter::new(file);
    writeln!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Big</title><wp:wxr_version>1.2</wp:wxr_version>"#
    )
    .unwrap();
    for id in 1..=ITEMS {
        writeln!(
            out,
            "<item><title>Post {id}</title><dc:creator>ada</dc:creator>\
             <content:encoded><![CDATA[<p>Paragraph {id} with <em>some</em> words.</p>\n\n<p>And a second one.</p>]]></content:encoded>\
             <wp:post_id>{id}</wp:post_id><wp:post_date_gmt>2024-01-01 00:00:00</wp:post_date_gmt>\
             <wp:post_name>post-{id}</wp:post_name><wp:status>publish</wp:status>\
             <wp:post_type>post</wp:post_type></item>"
        )
        .unwrap();
    }
    writeln!(out, "</channel></rss>").unwrap();
    out.flush().unwrap();
}

#[test]
fn twenty_thousand_items_stream_through_a_small_buffer() {
    let file = tempfile::tempfile().unwrap();
    write_export(&file);
    let size = file.metadata().unwrap().len();
    let mut file = file;
    std::io::Seek::rewind(&mut file).unwrap();

    let read = Rc::new(Cell::new(0));
    let input = BufReader::with_capacity(
        8 * 1024,
        Counting {
            inner: file,
            read: read.clone(),
        },
    );
    let mut reader = WxrReader::new(input, Limits::default(), &NoMedia);

    let mut items = 0;
    while let Some(entry) = reader.next_entry().unwrap() {
        if let Entry::Item(item) = entry {
            items += 1;
            if items == 1 {
                assert_eq!(
                    item.markdown,
                    "Paragraph 1 with *some* words.\n\nAnd a second one."
                );
                assert!(
                    read.get() <= 16 * 1024,
                    "the first item came after reading {} of {size} bytes",
                    read.get()
                );
            }
        }
    }
    assert_eq!(items, ITEMS);
    assert_eq!(reader.report().posts, ITEMS);
    assert_eq!(read.get(), size);
}
