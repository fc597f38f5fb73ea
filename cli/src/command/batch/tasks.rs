//! A chunk shared by the pool's tasks that evaluate its groups: each
//! task puts its group's results in their place, and the task that puts
//! the last one hands the chunk's results on. Not here: what a group's
//! results are or where they go (`pipeline`, `columnar` say).
//!
//! Why a task per group rather than a parallel iterator over a chunk's
//! groups: a worker joining the halves of one chunk took on the next
//! chunk's work while it waited, and the first chunk was done (so
//! written, so its token given back) only once that work was done too;
//! the other worker, left with nothing to take, slept. Tasks spawned
//! from outside the pool are taken in the order they were spawned, and
//! none waits for another: the cores stood idle some 9% of a Parquet run
//! before, some 2% after (docs/performance.md, issue 14, fifteenth
//! round).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Spawns on `scope` a task for each of a chunk's `groups`, each putting
/// `work(chunk, g)` in its place: the one that puts the last calls
/// `finish` with them all, in the order of the groups, and `release` is
/// given the chunk once no task holds it (`Gathering`).
pub(super) fn spread<'s, C, R, W, F, G>(
    scope: &rayon::Scope<'s>,
    chunk: C,
    groups: usize,
    work: W,
    finish: F,
    release: G,
) where
    C: Send + Sync + 's,
    R: Send + 's,
    W: Fn(&C, usize) -> R + Send + Sync + 's,
    F: Fn(&C, Vec<R>) + Send + Sync + 's,
    G: Fn(C) + Send + Sync + 's,
{
    let gathering = Arc::new(Gathering::new(chunk, groups, finish, release));
    let work = Arc::new(work);
    for g in 0..groups {
        let (gathering, work) = (Arc::clone(&gathering), Arc::clone(&work));
        scope.spawn(move |_| {
            if let Some(chunk) = gathering.chunk() {
                gathering.put(g, work(chunk, g));
            }
        });
    }
}

/// A chunk out: its groups' results as they come, `finish` called with
/// them all by the task that puts the last, and `release` given the
/// chunk when the last holder lets go of it.
pub(super) struct Gathering<C, R, F, G>
where
    F: Fn(&C, Vec<R>),
    G: Fn(C),
{
    chunk: Option<C>,
    results: Mutex<Vec<Option<R>>>,
    /// Groups whose results are not yet in.
    left: AtomicUsize,
    finish: F,
    release: G,
}

impl<C, R, F, G> Gathering<C, R, F, G>
where
    F: Fn(&C, Vec<R>),
    G: Fn(C),
{
    /// `chunk`, whose results come in `groups` groups; a chunk of none
    /// (no rows) is handed on at once, as no task will.
    pub(super) fn new(chunk: C, groups: usize, finish: F, release: G) -> Self {
        if groups == 0 {
            finish(&chunk, Vec::new());
        }
        Gathering {
            chunk: Some(chunk),
            results: Mutex::new(std::iter::repeat_with(|| None).take(groups).collect()),
            left: AtomicUsize::new(groups),
            finish,
            release,
        }
    }

    /// The chunk (until it is released, which happens only once no task
    /// holds it).
    pub(super) fn chunk(&self) -> Option<&C> {
        self.chunk.as_ref()
    }

    /// Puts group `g`'s results in their place; the last group's caller
    /// calls `finish` with them all, in the order of the groups. A group
    /// put twice, or out of range, is dropped.
    pub(super) fn put(&self, g: usize, result: R) {
        let Ok(mut results) = self.results.lock() else {
            return;
        };
        match results.get_mut(g) {
            Some(slot @ None) => *slot = Some(result),
            _ => return,
        }
        if self.left.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        // Every slot holds a result: each was filled once, and this was
        // the last.
        let all: Vec<R> = std::mem::take(&mut *results)
            .into_iter()
            .flatten()
            .collect();
        drop(results);
        if let Some(chunk) = &self.chunk {
            (self.finish)(chunk, all);
        }
    }
}

impl<C, R, F, G> Drop for Gathering<C, R, F, G>
where
    F: Fn(&C, Vec<R>),
    G: Fn(C),
{
    fn drop(&mut self) {
        if let Some(chunk) = self.chunk.take() {
            (self.release)(chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, mpsc};

    use super::*;

    #[test]
    fn the_results_are_handed_on_once_in_the_order_of_the_groups_whatever_order_they_come_in() {
        let (tx, rx) = mpsc::channel();
        let released = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&released);
        let gathering = Arc::new(Gathering::new(
            "chunk",
            5,
            move |chunk: &&str, all: Vec<usize>| {
                let _ = tx.send((chunk.to_string(), all));
            },
            move |_chunk: &str| {
                seen.fetch_add(1, Ordering::SeqCst);
            },
        ));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        pool.scope(|scope| {
            for g in [3, 0, 4, 1, 2] {
                let gathering = Arc::clone(&gathering);
                scope.spawn(move |_| gathering.put(g, g * 10));
            }
        });
        assert_eq!(
            rx.try_recv().unwrap(),
            ("chunk".to_string(), vec![0, 10, 20, 30, 40])
        );
        assert!(rx.try_recv().is_err(), "handed on once");
        assert_eq!(released.load(Ordering::SeqCst), 0, "still held here");
        drop(gathering);
        assert_eq!(
            released.load(Ordering::SeqCst),
            1,
            "released once, when let go"
        );
    }

    /// What hands a test gathering's results on.
    type Hand = Box<dyn Fn(&(), Vec<u8>)>;

    /// A gathering of groups of bytes that hands its results on.
    type Sending = Gathering<(), u8, Hand, fn(())>;

    /// A gathering of `groups` groups of bytes, and where its results
    /// are handed on to.
    fn gathering(groups: usize) -> (Sending, mpsc::Receiver<Vec<u8>>) {
        let (tx, rx) = mpsc::channel();
        let send: Hand = Box::new(move |_: &(), all: Vec<u8>| {
            let _ = tx.send(all);
        });
        (Gathering::new((), groups, send, |_: ()| {}), rx)
    }

    #[test]
    fn spread_tasks_put_every_group_in_its_place_and_release_the_chunk_once() {
        let (tx, rx) = mpsc::channel();
        let released = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&released);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.scope(|scope| {
            spread(
                scope,
                vec![5, 6, 7, 8],
                4,
                |chunk: &Vec<u32>, g| chunk[g] * 2,
                move |_: &Vec<u32>, all: Vec<u32>| {
                    let _ = tx.send(all);
                },
                move |_: Vec<u32>| {
                    seen.fetch_add(1, Ordering::SeqCst);
                },
            );
        });
        assert_eq!(rx.try_recv().unwrap(), vec![10, 12, 14, 16]);
        assert!(rx.try_recv().is_err(), "handed on once");
        assert_eq!(released.load(Ordering::SeqCst), 1, "released once");
    }

    #[test]
    fn a_chunk_of_no_groups_is_handed_on_at_once() {
        let (_gathering, rx) = gathering(0);
        assert_eq!(rx.try_recv().unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn nothing_is_handed_on_while_a_group_is_missing_and_a_group_put_twice_counts_once() {
        let (gathering, rx) = gathering(3);
        gathering.put(0, 1);
        gathering.put(0, 9);
        gathering.put(7, 9);
        gathering.put(2, 3);
        assert!(rx.try_recv().is_err());
        gathering.put(1, 2);
        assert_eq!(rx.try_recv().unwrap(), vec![1, 2, 3]);
    }
}
