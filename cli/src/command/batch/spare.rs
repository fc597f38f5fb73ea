//! Buffers handed back once used, to be filled again rather than freed
//! and allocated anew. Not here: what fills them or when they are done
//! with (the pipelines say).
//!
//! Why: a chunk's buffer is a megabyte or more; one freed and another
//! allocated for each next chunk came back from the system as fresh
//! pages the kernel zeroed on first touch, some hundreds of times a
//! run, while a buffer used again is already in place (decision 58;
//! docs/performance.md, issue 14, thirteenth round).

use std::sync::Mutex;

/// At most `most` spare buffers, taken and given back from any thread.
pub(super) struct Spares<T> {
    free: Mutex<Vec<T>>,
    most: usize,
}

impl<T> Spares<T> {
    pub(super) const fn new(most: usize) -> Self {
        Spares {
            free: Mutex::new(Vec::new()),
            most,
        }
    }

    /// A spare buffer, if one was given back.
    pub(super) fn take(&self) -> Option<T> {
        self.free.lock().ok()?.pop()
    }

    /// Keeps `spare` for the next `take`, or drops it if `most` are kept
    /// already.
    pub(super) fn give(&self, spare: T) {
        if let Ok(mut free) = self.free.lock()
            && free.len() < self.most
        {
            free.push(spare);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_given_back_is_the_one_taken_next() {
        let spares = Spares::new(2);
        assert!(spares.take().is_none());
        let buffer: Vec<u8> = Vec::with_capacity(4096);
        let at = buffer.as_ptr();
        spares.give(buffer);
        let again = spares.take().unwrap();
        assert_eq!(again.as_ptr(), at);
        assert!(spares.take().is_none());
    }

    #[test]
    fn no_more_than_the_most_are_kept() {
        let spares = Spares::new(2);
        for n in 0..5 {
            spares.give(vec![n]);
        }
        assert_eq!(spares.take(), Some(vec![1]));
        assert_eq!(spares.take(), Some(vec![0]));
        assert_eq!(spares.take(), None);
    }
}
