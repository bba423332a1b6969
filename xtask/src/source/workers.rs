//! The parser threads: a fixed number of scoped workers, each with an explicit stack of
//! [`WORKER_STACK_BYTES`], take items in turn and return their outputs in item order, whatever
//! the schedule. Used by [`super::analyze_parts`] (files on disk) and `dup-report --history`
//! (blobs from git).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::WORKER_STACK_BYTES;

/// Runs `work` on every item on `threads` worker threads (at least one) and returns the outputs
/// in item order.
///
/// # Errors
/// The first error `work` returned (the other workers stop taking items), or a thread that
/// cannot be started.
///
/// # Panics
/// Only if `work` panics on a worker thread (the panic is propagated).
pub(crate) fn run<I, O, F>(items: &[I], threads: usize, work: F) -> anyhow::Result<Vec<O>>
where
    I: Sync,
    O: Send,
    F: Fn(&I) -> anyhow::Result<O> + Sync,
{
    let next = AtomicUsize::new(0);
    let outputs: Mutex<Vec<(usize, O)>> = Mutex::new(Vec::with_capacity(items.len()));
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let fail = |error: anyhow::Error| {
        failure
            .lock()
            .expect("no worker panics")
            .get_or_insert(error);
    };
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let worker = || {
                loop {
                    if failure.lock().expect("no worker panics").is_some() {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    match work(item) {
                        Ok(out) => outputs.lock().expect("no worker panics").push((index, out)),
                        Err(error) => {
                            fail(error);
                            break;
                        }
                    }
                }
            };
            // An explicit size, so that the nesting limit's margin does not depend on
            // `RUST_MIN_STACK` (see [`WORKER_STACK_BYTES`]).
            let spawned = std::thread::Builder::new()
                .name("xtask-parse".to_owned())
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, worker);
            if let Err(error) = spawned {
                fail(anyhow::Error::new(error).context("starting a parser thread"));
                break;
            }
        }
    });
    if let Some(error) = failure.into_inner().expect("no worker panics") {
        return Err(error);
    }
    let mut outputs = outputs.into_inner().expect("no worker panics");
    outputs.sort_by_key(|(index, _)| *index);
    assert_eq!(outputs.len(), items.len(), "every item must have an output");
    Ok(outputs.into_iter().map(|(_, out)| out).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn outputs_come_in_item_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..100).collect();
        let doubled = super::run(&items, 3, |&i| Ok(i * 2)).unwrap();
        assert_eq!(doubled, (0..100).map(|i| i * 2).collect::<Vec<_>>());
        let failed = super::run(&items, 2, |&i| {
            anyhow::ensure!(i != 40, "item 40");
            Ok(i)
        });
        assert_eq!(failed.unwrap_err().to_string(), "item 40");
    }
}
