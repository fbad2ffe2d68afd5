//! The reader under quick-xml: it counts lines for error messages and bounds
//! how much one XML event may read.

use std::io::{self, BufRead, Read};

/// Counts the lines a reader has consumed, so errors can say where they are
/// without keeping the file; and bounds the bytes one XML event may take,
/// since quick-xml gathers a whole text or CDATA section before handing it
/// over: a 1 GB field is refused at the limit, not after buffering it.
pub(super) struct LineCounter<R> {
    pub(super) inner: R,
    pub(super) newlines: u64,
    /// Bytes consumed since the current event began.
    pub(super) in_event: u64,
    pub(super) max_event: u64,
    pub(super) overflowed: bool,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        self.in_event += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.in_event > self.max_event {
            self.overflowed = true;
            return Err(io::Error::other("an XML event is over the field limit"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            self.newlines += count_newlines(&buf[..amt.min(buf.len())]);
        }
        self.in_event += amt as u64;
        self.inner.consume(amt);
    }
}

/// Room for a field's markup around its text (tag, CDATA brackets).
pub(super) const EVENT_SLACK: u64 = 64 * 1024;

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}
